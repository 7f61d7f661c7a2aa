//! The reporting host's EC2 values: instance type, VPC, subnet and prefix list ids, image.

use super::{code, is_lower_alnum, Reject};

/// An EC2 instance type: `family.size`.
pub(crate) fn instance_type(value: &str) -> Result<(), Reject> {
    let words_ok = |s: &str| {
        s.split('-')
            .all(|w| !w.is_empty() && w.chars().all(is_lower_alnum))
    };
    let valid = match value.split_once('.') {
        Some((family, size)) => {
            family.starts_with(|c: char| c.is_ascii_lowercase())
                && words_ok(family)
                && !size.is_empty()
                && words_ok(size)
        }
        None => false,
    };
    if valid {
        Ok(())
    } else {
        Err(Reject::new(
            format!("{} is not an EC2 instance type", code(value)),
            "`family.size` in lowercase, for example `t3.small`",
        ))
    }
}

/// `kind` (such as `vpc-`) followed by 8 or 17 lowercase hex digits.
fn is_resource_id(value: &str, kind: &str) -> bool {
    value.strip_prefix(kind).is_some_and(|hex| {
        (hex.len() == 8 || hex.len() == 17)
            && hex
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    })
}

/// `vpc-` or `subnet-` followed by 8 or 17 lowercase hex digits.
pub(crate) fn resource_id(value: &str, prefix: &str, what: &str) -> Result<(), Reject> {
    if is_resource_id(value, prefix) {
        Ok(())
    } else {
        Err(Reject::new(
            format!("{} is not a {what} id", code(value)),
            format!("`{prefix}` followed by 8 or 17 lowercase hex digits, for example `{prefix}0123456789abcdef0`"),
        ))
    }
}

/// A managed prefix list id: `pl-` and 8 or 17 lowercase hex digits.
pub(crate) fn prefix_list_id(value: &str) -> Result<(), Reject> {
    if is_resource_id(value, "pl-") {
        Ok(())
    } else {
        Err(Reject::new(
            format!("{} is not a prefix list id", code(value)),
            "`pl-` followed by 8 or 17 lowercase hex digits, such as `pl-0123456789abcdef0`",
        ))
    }
}

/// `reporting_host.image`: an AMI id or an SSM parameter reference.
pub(crate) fn image(value: &str) -> Result<(), Reject> {
    let valid = if let Some(path) = value.strip_prefix("resolve:ssm:") {
        let (name, version) = match path.rsplit_once(':') {
            Some((name, version)) => (name, Some(version)),
            None => (path, None),
        };
        name.len() > 1
            && name.starts_with('/')
            && !name.ends_with('/')
            && !name.contains("//")
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-/".contains(c))
            && version.is_none_or(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
    } else {
        is_resource_id(value, "ami-")
    };
    if valid {
        Ok(())
    } else {
        Err(Reject::new(
            format!("{} is not an image", code(value)),
            "an AMI id (`ami-` and 8 or 17 hex digits) or an SSM parameter `resolve:ssm:/...`",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_types() {
        for ok in [
            "t3.small",
            "m7i-flex.large",
            "c7i.metal-24xl",
            "u-6tb1.metal",
        ] {
            assert!(instance_type(ok).is_ok(), "{ok}");
        }
        for bad in ["t3", "T3.small", "t3.", ".small", "t3..small"] {
            assert!(instance_type(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn images() {
        assert!(image("ami-0123456789abcdef0").is_ok());
        assert!(image(
            "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
        )
        .is_ok());
        assert!(image("resolve:ssm:/a/b:3").is_ok());
        for bad in ["ami-xyz", "resolve:ssm:", "resolve:ssm:a/b", "ubuntu"] {
            assert!(image(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ids() {
        assert!(prefix_list_id("pl-0123456789abcdef0").is_ok());
        assert!(prefix_list_id("pl-0123abcd").is_ok());
        assert!(resource_id("vpc-0123456789abcdef0", "vpc-", "VPC").is_ok());
        for bad in [
            "pl-0123456789ABCDEF0",
            "pl-0123abc",
            "pl-",
            "vpc-0123abcd",
            "pl-0123abcé",
        ] {
            assert!(prefix_list_id(bad).is_err(), "{bad}");
        }
    }
}
