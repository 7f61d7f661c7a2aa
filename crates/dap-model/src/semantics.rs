//! What a statement means for the account's perimeter, read the way AWS evaluates it: who
//! outside the account a statement lets in (and whether a condition really keeps them out),
//! which actions a wildcard reaches, which resources a pattern spans.
//!
//! A condition scopes an `Allow` only when it pins a key positively: a negated operator
//! (`StringNotEquals`), an `…IfExists` operator, `ForAllValues:` or `Null` holds for requests
//! the author did not think of, so none of them narrows who is let in.

use crate::matcher::overlaps_nocase;
use crate::policy::{PrincipalPattern, Statement};
use crate::resolve::{is_account_id, Pin};
use crate::Model;

/// Condition keys that, pinned to the account (or its organisation, or ARNs inside it), keep a
/// statement's principals inside the account.
pub const SCOPING_KEYS: &[&str] = &[
    "aws:PrincipalAccount",
    "aws:PrincipalOrgID",
    "aws:PrincipalArn",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOrgID",
    "aws:SourceOwner",
    "kms:CallerAccount",
    "kms:EncryptionContext:aws:logs:arn",
    "kms:EncryptionContext:aws:cloudtrail:arn",
];

/// Condition keys that tie a service principal's request to a resource of the account (the
/// confused-deputy protection AWS recommends for service principals).
pub const SOURCE_KEYS: &[&str] = &[
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOrgID",
    "aws:SourceOwner",
    "kms:EncryptionContext:aws:logs:arn",
    "kms:EncryptionContext:aws:cloudtrail:arn",
];

/// Actions whose reach must be reviewed one by one: data reads and writes, deletions,
/// permission and configuration changes of the services the platform uses, and role passing.
/// A wildcard that expands to any of them grants what nobody listed.
pub const SENSITIVE_ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:DeleteBucket",
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:PutBucketAcl",
    "s3:PutObjectAcl",
    "s3:PutBucketPublicAccessBlock",
    "s3:PutEncryptionConfiguration",
    "s3:PutBucketVersioning",
    "s3:PutLifecycleConfiguration",
    "s3:PutBucketLogging",
    "s3:PutReplicationConfiguration",
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:PutKeyPolicy",
    "kms:ScheduleKeyDeletion",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:CreateGrant",
    "kms:UpdateAlias",
    "kms:DeleteAlias",
    "iam:PassRole",
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
    "iam:UpdateAssumeRolePolicy",
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:CreateUser",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:PutUserPolicy",
    "iam:AttachUserPolicy",
    "sts:AssumeRole",
    "glue:CreateJob",
    "glue:UpdateJob",
    "glue:DeleteJob",
    "glue:StartJobRun",
    "glue:DeleteTable",
    "glue:DeleteDatabase",
    "glue:UpdateTable",
    "glue:GetTable",
    "glue:CreateDevEndpoint",
    "athena:StartQueryExecution",
    "athena:UpdateWorkGroup",
    "athena:DeleteWorkGroup",
    "cloudtrail:StopLogging",
    "cloudtrail:DeleteTrail",
    "cloudtrail:UpdateTrail",
    "cloudtrail:PutEventSelectors",
    "logs:DeleteLogGroup",
    "logs:PutRetentionPolicy",
    "logs:DeleteRetentionPolicy",
    "logs:DeleteMetricFilter",
    "logs:PutMetricFilter",
    "logs:GetLogEvents",
    "cloudwatch:DeleteAlarms",
    "cloudwatch:DisableAlarmActions",
    "cloudwatch:PutMetricAlarm",
    "sns:DeleteTopic",
    "sns:SetTopicAttributes",
    "sns:Subscribe",
    "sqs:ReceiveMessage",
    "sqs:SetQueueAttributes",
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:RunInstances",
    "ssm:SendCommand",
    "ssm:StartSession",
    "ssm:GetParameter",
    "secretsmanager:GetSecretValue",
    "budgets:ModifyBudget",
];

/// Whether an action names more than one action (`*`, `?` anywhere).
pub fn is_wildcard(action: &str) -> bool {
    action.contains(['*', '?'])
}

/// The sensitive actions an action pattern reaches (empty for a pattern without wildcards:
/// a named action is reviewed by being named).
pub fn sensitive_reach(pattern: &str) -> Vec<&'static str> {
    if !is_wildcard(pattern) {
        return Vec::new();
    }
    SENSITIVE_ACTIONS
        .iter()
        .copied()
        .filter(|a| overlaps_nocase(pattern, a))
        .collect()
}

/// Whether a value lies inside the account: the account id, an ARN whose account segment is
/// the account (no wildcard in it), an S3 ARN (S3 ARNs carry no account; they are judged by
/// other rules), or an organisation id.
pub fn value_in_account(pin: &Pin, v: &str) -> bool {
    if v.contains(['*', '?']) && !v.starts_with("arn:") {
        return false;
    }
    if v == pin.account {
        return true;
    }
    if v.starts_with("o-") && !v.contains(['*', '?']) {
        return true;
    }
    let parts: Vec<&str> = v.splitn(6, ':').collect();
    if parts.len() == 6 && parts[0] == "arn" {
        return parts[4] == pin.account || (parts[2] == "s3" && parts[4].is_empty());
    }
    false
}

/// Why a principal of a statement lies outside the account, or `None` when it is inside.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outside {
    /// `*`, an unresolvable principal or `NotPrincipal`: anyone, in any account.
    Anyone,
    /// A principal of another account.
    Foreign(String),
    /// A service principal whose requests are not tied to the account's resources.
    UnboundService(String),
}

impl Outside {
    /// The principal in words.
    pub fn describe(&self) -> String {
        match self {
            Outside::Anyone => "`*` (anyone)".to_owned(),
            Outside::Foreign(p) => format!("`{p}` (another account)"),
            Outside::UnboundService(s) => {
                format!("service `{s}` without `aws:SourceAccount`/`aws:SourceArn`")
            }
        }
    }
}

impl Model<'_> {
    /// Whether the statement pins a scoping key positively to the account
    /// ([`SCOPING_KEYS`]).
    pub fn scoped_to_account(&self, s: &Statement) -> bool {
        SCOPING_KEYS
            .iter()
            .any(|k| s.pins(k, |v| value_in_account(self.pin(), v)))
    }

    /// Whether the statement ties a service's requests to the account's own resources.
    pub fn bound_to_source(&self, s: &Statement) -> bool {
        SOURCE_KEYS
            .iter()
            .any(|k| s.pins(k, |v| value_in_account(self.pin(), v)))
    }

    /// Whether a principal pattern names the account or something in it (its root, a role, a
    /// user, an assumed-role session).
    pub fn principal_in_account(&self, p: &str) -> bool {
        if is_account_id(p) {
            return p == self.pin().account;
        }
        let parts: Vec<&str> = p.splitn(6, ':').collect();
        parts.len() == 6
            && parts[0] == "arn"
            && matches!(parts[2], "iam" | "sts")
            && parts[4] == self.pin().account
    }

    /// The principals of an `Allow` statement that reach outside the account with nothing
    /// keeping them out. Empty for a `Deny` or a statement without principals.
    pub fn outside_principals(&self, s: &Statement) -> Vec<Outside> {
        if !s.allow {
            return Vec::new();
        }
        let scoped = self.scoped_to_account(s);
        if s.not_principal {
            return if scoped {
                Vec::new()
            } else {
                vec![Outside::Anyone]
            };
        }
        let mut out = Vec::new();
        for p in &s.principals {
            match p {
                PrincipalPattern::Any | PrincipalPattern::Unknown if !scoped => {
                    out.push(Outside::Anyone)
                }
                PrincipalPattern::Aws(a) if !self.principal_in_account(a) => {
                    out.push(Outside::Foreign(a.clone()))
                }
                PrincipalPattern::Service(svc) if !self.bound_to_source(s) => {
                    out.push(Outside::UnboundService(svc.clone()))
                }
                _ => {}
            }
        }
        out.dedup();
        out
    }

    /// Whether an `Allow` statement lets anyone outside the account in.
    pub fn reaches_outside(&self, s: &Statement) -> bool {
        !self.outside_principals(s).is_empty()
    }
}

/// Why a resource pattern spans more than the platform's own resources, or `None`.
pub fn broad_resource(pattern: &str) -> Option<&'static str> {
    if pattern == "*" {
        return Some("every resource");
    }
    let parts: Vec<&str> = pattern.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" {
        return pattern
            .contains(['*', '?'])
            .then_some("a pattern that is not an ARN");
    }
    let (service, region, account, resource) = (parts[2], parts[3], parts[4], parts[5]);
    if service.contains(['*', '?']) {
        return Some("a wildcard service");
    }
    if region.contains(['*', '?']) {
        return Some("a wildcard region");
    }
    if account.contains(['*', '?']) {
        return Some("a wildcard account");
    }
    if resource.starts_with(['*', '?']) {
        return Some("a wildcard resource part");
    }
    if service == "s3" {
        let bucket = resource.split('/').next().unwrap_or("");
        if bucket.contains(['*', '?']) {
            return Some("a wildcard bucket name");
        }
        return None;
    }
    // `key/*`, `role/*`, `table/*`, `log-group:*`: every resource of a type.
    let rest = resource
        .split_once(['/', ':'])
        .map(|(_, rest)| rest)
        .unwrap_or("");
    if rest.starts_with(['*', '?']) {
        return Some("every resource of a type");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_reach_sensitive_actions_anywhere_in_the_name() {
        assert!(sensitive_reach("s3:*Object").contains(&"s3:DeleteObject"));
        assert!(sensitive_reach("*:Get*").contains(&"s3:GetObject"));
        assert!(sensitive_reach("s3:?utObject").contains(&"s3:PutObject"));
        assert!(sensitive_reach("kms:GenerateDataKey*").is_empty());
        assert!(sensitive_reach("kms:ReEncrypt*").is_empty());
        assert!(sensitive_reach("ec2:Describe*").is_empty());
        assert!(sensitive_reach("s3:GetObject").is_empty());
    }

    #[test]
    fn broad_resources() {
        for (p, broad) in [
            ("*", true),
            ("arn:aws:kms:*:*:key/*", true),
            ("arn:aws:kms:ca-central-1:111111111111:key/*", true),
            ("arn:aws:kms:ca-central-1:111111111111:key/abc", false),
            ("arn:aws:s3:::*", true),
            ("arn:aws:s3:::*/*", true),
            ("arn:aws:s3:::dap-*/x", true),
            ("arn:aws:s3:::dap-raw/*", false),
            ("arn:aws:logs:ca-central-1:1:log-group:*", true),
            (
                "arn:aws:logs:ca-central-1:1:log-group:/aws-glue/jobs/*",
                false,
            ),
            ("arn:aws:glue:ca-central-1:1:table/db/*", false),
            ("arn:aws:iam::1:role/*", true),
        ] {
            assert_eq!(broad_resource(p).is_some(), broad, "{p}");
        }
    }

    #[test]
    fn values_in_the_account() {
        let pin = Pin::new("111111111111", "ca-central-1");
        assert!(value_in_account(&pin, "111111111111"));
        assert!(value_in_account(
            &pin,
            "arn:aws:logs:ca-central-1:111111111111:log-group:x"
        ));
        assert!(!value_in_account(&pin, "999999999999"));
        assert!(!value_in_account(&pin, "*"));
        assert!(!value_in_account(&pin, "arn:aws:logs:*:*:*"));
    }
}
