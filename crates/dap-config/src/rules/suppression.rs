//! A suppression's fields: `rule`, `stack`, `resource` and `reason`.

use super::{code, did_you_mean, list, Reject};

/// The platform's stacks by short name, as in the rendered file names: what a suppression's
/// `stack` may name. The planner's `StackKind` has the same list (a test of `dap-rules` checks).
pub const STACK_NAMES: &[&str] = &[
    "security",
    "storage",
    "audit",
    "access",
    "catalog",
    "analytics",
    "monitoring",
    "reporting",
];

/// A suppression's `rule`: a rule code such as `DAP-S3-007` (whether the rule exists is
/// checked by `dap check`, which knows the rules).
pub(crate) fn rule_code(value: &str) -> Result<(), Reject> {
    let ok = value.strip_prefix("DAP-").is_some_and(|rest| {
        rest.split_once('-').is_some_and(|(group, number)| {
            !group.is_empty()
                && group.len() <= 8
                && group
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                && number.len() == 3
                && number.bytes().all(|b| b.is_ascii_digit())
        })
    });
    if ok {
        Ok(())
    } else {
        Err(Reject::new(
            format!("{} is not a rule code", code(value)),
            "`DAP-<GROUP>-<three digits>`, for example `DAP-S3-007` (see docs/rules/README.md)",
        ))
    }
}

/// A suppression's `stack`: one of [`STACK_NAMES`].
pub(crate) fn stack_name(value: &str) -> Result<(), Reject> {
    if STACK_NAMES.contains(&value) {
        return Ok(());
    }
    let message = format!(
        "{} is not a stack of the platform{}",
        code(value),
        did_you_mean(value, STACK_NAMES.iter().copied())
    );
    Err(Reject::new(message, list(STACK_NAMES)))
}

/// A suppression's `resource`: a CloudFormation logical id (1 to 255 ASCII letters and digits).
pub(crate) fn logical_id(value: &str) -> Result<(), Reject> {
    let ok =
        !value.is_empty() && value.len() <= 255 && value.bytes().all(|b| b.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(Reject::new(
            format!("{} is not a logical id", code(value)),
            "a resource's logical id as in the rendered template: 1 to 255 letters and digits, for example `AccessLogsBucket`",
        ))
    }
}

/// A suppression's `reason`: not blank.
pub(crate) fn reason(value: &str) -> Result<(), Reject> {
    if value.trim().is_empty() {
        Err(Reject::new(
            "the reason is empty",
            "a sentence saying why the rule cannot apply to this resource",
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suppression_fields() {
        assert!(rule_code("DAP-S3-007").is_ok());
        assert!(rule_code("DAP-GLUE-001").is_ok());
        for bad in [
            "DAP-S3-7",
            "dap-s3-007",
            "DAP--007",
            "S3-007",
            "DAP-S3-0071",
            "DAP-s3-007",
        ] {
            assert!(rule_code(bad).is_err(), "{bad}");
        }
        assert!(stack_name("storage").is_ok());
        assert!(stack_name("stroage")
            .unwrap_err()
            .message
            .contains("did you mean `storage`"));
        assert!(logical_id("AccessLogsBucket").is_ok());
        for bad in ["", "Access-Logs", "a b"] {
            assert!(logical_id(bad).is_err(), "{bad}");
        }
        assert!(reason("  ").is_err());
        assert!(reason("the log bucket cannot log to itself").is_ok());
    }
}
