//! A dataset's name and years.

use super::{code, is_lower_alnum, Reject};

/// A dataset name: lowercase words joined by single hyphens.
pub(crate) fn dataset_name(name: &str) -> Result<(), Reject> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .split('-')
            .all(|word| !word.is_empty() && word.chars().all(is_lower_alnum));
    if valid {
        Ok(())
    } else {
        Err(Reject::new(
            format!("{} is not a valid dataset name", code(name)),
            "lowercase letters and digits in words joined by single hyphens, starting with a letter, at most 64 characters, for example `business-licences`",
        ))
    }
}

/// A dataset year.
pub(crate) fn year(year: u16) -> Result<(), Reject> {
    if (1997..=2100).contains(&year) {
        Ok(())
    } else {
        Err(Reject::new(
            format!("`{year}` is not a year the platform ingests"),
            "four-digit years from 1997 to 2100",
        ))
    }
}
