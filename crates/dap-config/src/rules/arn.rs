//! IAM ARNs: the principals allowed to assume the human roles, and the break-glass role.

use super::names::account_id;
use super::{code, Reject};

/// The break-glass role: a role ARN (not an account root, not a user) in the environment's
/// own account, without wildcards.
pub(crate) fn break_glass_role(arn: &str, account: &str) -> Result<(), Reject> {
    principal_arn(arn)?;
    let allowed = "a role ARN of this environment's account, such as `arn:aws:iam::<account_id>:role/break-glass`";
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts[5] == "root" || !parts[5].starts_with("role/") {
        return Err(Reject::new(
            format!(
                "{} is not a role: the break-glass principal must be one role",
                code(arn)
            ),
            allowed,
        ));
    }
    if parts[4] != account {
        return Err(Reject::new(
            format!(
                "{} is in account {}, not in the environment's account {}",
                code(arn),
                code(parts[4]),
                code(account)
            ),
            allowed,
        ));
    }
    if arn.contains(['*', '?']) {
        return Err(Reject::new(
            format!("{} has a wildcard: the perimeter names one role", code(arn)),
            allowed,
        ));
    }
    Ok(())
}

/// The deploy role: one role ARN (no wildcard) in the environment's own account.
pub(crate) fn deploy_role(arn: &str, account: &str) -> Result<(), Reject> {
    let allowed = "a role ARN of this environment's account, such as `arn:aws:iam::<account_id>:role/<prefix>-deploy`";
    principal_arn(arn).map_err(|r| r.with_allowed(allowed))?;
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if !parts[5].starts_with("role/") {
        return Err(Reject::new(
            format!("{} is not a role: `dap` assumes one role", code(arn)),
            allowed,
        ));
    }
    if parts[4] != account {
        return Err(Reject::new(
            format!(
                "{} is in account {}, not in the environment's account {}: the deploy role lives in the account it deploys to",
                code(arn),
                code(parts[4]),
                code(account)
            ),
            allowed,
        ));
    }
    if arn.contains(['*', '?']) {
        return Err(Reject::new(
            format!("{} has a wildcard: STS assumes one named role", code(arn)),
            allowed,
        ));
    }
    if parts[5].matches('/').count() > 1 {
        return Err(Reject::new(
            format!(
                "{} has a path: the bootstrap template creates the role at the root path",
                code(arn)
            ),
            allowed,
        ));
    }
    Ok(())
}

/// A principal the deploy role trusts: a role, an IAM user (a CI system with keys) or an
/// account root; no wildcard.
pub(crate) fn trusted_principal(arn: &str) -> Result<(), Reject> {
    let allowed = "`arn:aws:iam::<account>:role/<name>` (a CI runner's role), `arn:aws:iam::<account>:user/<name>` or `arn:aws:iam::<account>:root`";
    if arn.contains(['*', '?']) {
        return Err(Reject::new(
            format!(
                "{} has a wildcard: the trust policy names each principal",
                code(arn)
            ),
            allowed,
        ));
    }
    if let Some(user) = arn
        .strip_prefix("arn:aws:iam::")
        .and_then(|rest| rest.split_once(':'))
        .filter(|(acct, res)| account_id(acct).is_ok() && res.starts_with("user/"))
    {
        let name = user.1.trim_start_matches("user/");
        let ok = !name.is_empty()
            && name.len() <= 64
            && name.split('/').all(|s| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
            });
        return if ok {
            Ok(())
        } else {
            Err(Reject::new(
                format!(
                    "{} is not a valid IAM user ARN (its name is malformed)",
                    code(arn)
                ),
                allowed,
            ))
        };
    }
    principal_arn(arn).map_err(|r| r.with_allowed(allowed))
}

/// An STS external id: 2 to 1,224 characters of `A-Za-z0-9+=,.@:/-_`.
pub(crate) fn external_id(id: &str) -> Result<(), Reject> {
    sts_token(id, 2..=1224, "+=,.@:/-_", "external id")
}

/// An STS role session name: 2 to 64 characters of `A-Za-z0-9+=,.@-_`.
pub(crate) fn session_name(name: &str) -> Result<(), Reject> {
    sts_token(name, 2..=64, "+=,.@-_", "session name")
}

fn sts_token(
    value: &str,
    len: std::ops::RangeInclusive<usize>,
    extra: &str,
    what: &str,
) -> Result<(), Reject> {
    let allowed = format!(
        "{} to {} characters: letters, digits and `{extra}`",
        len.start(),
        len.end()
    );
    if !len.contains(&value.len()) {
        return Err(Reject::new(
            format!("the {what} {} has {} characters", code(value), value.len()),
            allowed,
        ));
    }
    if let Some(c) = value
        .chars()
        .find(|c| !c.is_ascii_alphanumeric() && !extra.contains(*c))
    {
        return Err(Reject::new(
            format!(
                "the {what} {} has the character {}",
                code(value),
                code(&c.to_string())
            ),
            allowed,
        ));
    }
    Ok(())
}

/// A principal allowed to assume a human role: a role ARN or an account root.
pub(crate) fn principal_arn(arn: &str) -> Result<(), Reject> {
    let allowed = "`arn:aws:iam::<12-digit account>:role/<path/name>` (SSO roles included) or `arn:aws:iam::<12-digit account>:root`";
    let fail = |reason: &str| {
        Err(Reject::new(
            format!("{} is not a role or account-root ARN ({reason})", code(arn)),
            allowed,
        ))
    };
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" {
        return fail("it does not have the form `arn:aws:iam::<account>:<resource>`");
    }
    if parts[1] != "aws" {
        return fail("its partition is not `aws`");
    }
    if parts[2] != "iam" {
        return fail("it is not an IAM ARN");
    }
    if !parts[3].is_empty() {
        return fail("IAM ARNs have no region");
    }
    if account_id(parts[4]).is_err() {
        return fail("its account is not 12 digits");
    }
    let resource = parts[5];
    if resource == "root" {
        return Ok(());
    }
    if resource.starts_with("user/") {
        return fail("IAM users are not allowed; the platform has no IAM users");
    }
    let Some(role) = resource.strip_prefix("role/") else {
        return fail("it names neither a role nor the account root");
    };
    let segments: Vec<&str> = role.split('/').collect();
    let name = segments.last().copied().unwrap_or_default();
    let valid_chars = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
    };
    if segments.iter().any(|s| s.is_empty() || !valid_chars(s)) {
        return fail("its role path or name is malformed");
    }
    if name.len() > 64 {
        return fail("its role name is longer than 64 characters");
    }
    if role.len() > 512 + 64 {
        return fail("its role path is longer than 512 characters");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deploy_roles_and_their_trust() {
        assert!(deploy_role(
            "arn:aws:iam::123456789012:role/dap-dev-deploy",
            "123456789012"
        )
        .is_ok());
        for bad in [
            "arn:aws:iam::123456789012:root",
            "arn:aws:iam::123456789012:user/ci",
            "arn:aws:iam::999999999999:role/dap-dev-deploy",
            "arn:aws:iam::123456789012:role/dap-*",
            "arn:aws:iam::123456789012:role/ci/dap-deploy",
            "dap-dev-deploy",
        ] {
            assert!(deploy_role(bad, "123456789012").is_err(), "{bad}");
        }
        for ok in [
            "arn:aws:iam::444444444444:role/dap-github-actions",
            "arn:aws:iam::444444444444:user/ci",
            "arn:aws:iam::444444444444:user/ci/jenkins",
            "arn:aws:iam::444444444444:root",
        ] {
            assert!(trusted_principal(ok).is_ok(), "{ok}");
        }
        for bad in [
            "*",
            "arn:aws:iam::444444444444:role/*",
            "arn:aws:iam::444444444444:user/",
            "arn:aws:iam::444444444444:user/a b",
            "arn:aws:iam::44444444444:user/ci",
            "arn:aws:iam::444444444444:group/ci",
        ] {
            assert!(trusted_principal(bad).is_err(), "{bad}");
        }
        assert!(external_id("city-of-vancouver:dap").is_ok());
        assert!(external_id("x").is_err());
        assert!(external_id("a b").is_err());
        assert!(session_name("dap-prod").is_ok());
        assert!(session_name(&"s".repeat(65)).is_err());
        assert!(session_name("dap/prod").is_err());
    }

    #[test]
    fn arns() {
        for ok in [
            "arn:aws:iam::123456789012:root",
            "arn:aws:iam::123456789012:role/analyst",
            "arn:aws:iam::333333333333:role/aws-reserved/sso.amazonaws.com/ca-central-1/AWSReservedSSO_DataEngineer_0123456789abcdef",
        ] {
            assert!(principal_arn(ok).is_ok(), "{ok}");
        }
        for bad in [
            "arn:aws:iam::123456789012:user/bob",
            "arn:aws:iam::12345678901:role/x",
            "arn:aws-cn:iam::123456789012:role/x",
            "arn:aws:iam:ca-central-1:123456789012:role/x",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:iam::123456789012:role//x",
            "arn:aws:iam::123456789012:group/x",
            "arn:aws:s3:::bucket",
            "123456789012",
            "*",
        ] {
            assert!(principal_arn(bad).is_err(), "{bad}");
        }
    }
}
