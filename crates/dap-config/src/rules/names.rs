//! The environment's own names: `name`, `account_id` and `prefix`.

use super::{code, first_bad_char, is_lower_alnum, Reject};

/// `name`: lowercase letters and digits, 1 to 16 characters.
pub(crate) fn env_name(name: &str) -> Result<(), Reject> {
    let allowed = "lowercase letters and digits, 1 to 16 characters, for example `prod`";
    let reason = if name.is_empty() {
        Some("it is empty".to_owned())
    } else if let Some(c) = first_bad_char(name, is_lower_alnum) {
        Some(format!("it contains {}", code(&c.to_string())))
    } else if name.chars().count() > 16 {
        Some(format!("it is {} characters long", name.chars().count()))
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Reject::new(
            format!("{} is not a valid environment name ({reason})", code(name)),
            allowed,
        )),
        None => Ok(()),
    }
}

/// `account_id`: exactly 12 digits.
pub(crate) fn account_id(id: &str) -> Result<(), Reject> {
    if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(Reject::new(
            format!("{} is not an AWS account id", code(id)),
            "exactly 12 digits, quoted, for example `\"123456789012\"`",
        ))
    }
}

/// `prefix`: safe inside S3 bucket names and every other physical name.
pub(crate) fn prefix(prefix: &str) -> Result<(), Reject> {
    let reason = if prefix.is_empty() {
        Some("it is empty".to_owned())
    } else if let Some(c) = first_bad_char(prefix, |c| is_lower_alnum(c) || c == '-') {
        Some(format!("it contains {}", code(&c.to_string())))
    } else if !prefix.starts_with(|c: char| c.is_ascii_lowercase()) {
        Some("it does not start with a letter".to_owned())
    } else if prefix.contains("--") {
        Some("it contains `--`".to_owned())
    } else if prefix.ends_with('-') {
        Some("it ends with `-`".to_owned())
    } else if prefix.starts_with("sthree-") || prefix.starts_with("amzn-s3-demo-") {
        Some("S3 reserves names starting with `sthree-` and `amzn-s3-demo-`".to_owned())
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Reject::new(
            format!("{} is not a valid prefix ({reason})", code(prefix)),
            "lowercase letters, digits and single hyphens, starting with a letter and ending with a letter or digit, for example `dap-prod`",
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        assert!(prefix("dap-prod").is_ok());
        for bad in [
            "",
            "Dap",
            "1dap",
            "dap--prod",
            "dap-",
            "dap_prod",
            "sthree-x",
        ] {
            assert!(prefix(bad).is_err(), "{bad}");
        }
    }
}
