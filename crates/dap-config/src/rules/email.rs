//! E-mail addresses (alarm recipients).

use super::{code, Reject};

/// A plausible email address.
pub(crate) fn email(address: &str) -> Result<(), Reject> {
    let valid = (|| {
        if address.len() > 254 {
            return None;
        }
        let (local, domain) = address.split_once('@')?;
        if local.is_empty()
            || local.len() > 64
            || local.starts_with('.')
            || local.ends_with('.')
            || local.contains("..")
            || !local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
        {
            return None;
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let tld = labels.last()?;
        Some(
            labels.len() >= 2
                && labels.iter().all(|l| {
                    !l.is_empty()
                        && l.len() <= 63
                        && !l.starts_with('-')
                        && !l.ends_with('-')
                        && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                })
                && tld.len() >= 2
                && tld.chars().all(|c| c.is_ascii_alphabetic()),
        )
    })()
    .unwrap_or(false);
    if valid {
        Ok(())
    } else {
        Err(Reject::new(
            format!("{} is not an email address", code(address)),
            "an address such as `data-platform-alerts@vancouver.ca`",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert!(email("data-platform-alerts@vancouver.ca").is_ok());
        for bad in [
            "a@b",
            "@vancouver.ca",
            "a b@c.ca",
            "a@@c.ca",
            "a@c..ca",
            "a@-c.ca",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }
}
