//! The codes of `verify`'s findings: stable, one per kind of difference, documented in
//! `docs/verify.md` (a test keeps that page and this table in step).

use serde::Serialize;

/// How bad a difference is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Access or audit is wider or weaker than the model: fix now.
    High,
    /// Protection or monitoring differs: fix soon.
    Medium,
    /// A difference with no effect on access or audit.
    Low,
}

impl Severity {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }
}

/// One kind of finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Code {
    /// The code (`LIVE-IAM-003`).
    pub code: &'static str,
    /// The service.
    pub service: &'static str,
    /// What the finding means, in a line.
    pub title: &'static str,
    /// How bad it is.
    pub severity: Severity,
    /// What to do (`{resource}` stands for the resource).
    pub fix: &'static str,
}

macro_rules! codes {
    ($($name:ident = $code:literal, $service:literal, $sev:ident, $title:literal, $fix:literal;)*) => {
        $(
            #[doc = $title]
            pub const $name: Code = Code {
                code: $code,
                service: $service,
                title: $title,
                severity: Severity::$sev,
                fix: $fix,
            };
        )*
        /// Every code, in order.
        pub const CODES: &[Code] = &[$($name),*];
    };
}

codes! {
    IAM_ROLE_MISSING = "LIVE-IAM-001", "iam", High,
        "A role of the model does not exist",
        "run `dap apply` to create `{resource}` again";
    IAM_TRUST = "LIVE-IAM-002", "iam", High,
        "A role's trust policy differs from the model",
        "run `dap apply`, or restore the trust policy of `{resource}` as rendered; find who changed it in CloudTrail (UpdateAssumeRolePolicy)";
    IAM_INLINE = "LIVE-IAM-003", "iam", High,
        "A platform role has an inline policy (the model has none)",
        "delete the inline policy from `{resource}` (`aws iam delete-role-policy`); the model grants through managed policies only";
    IAM_EXTRA_ATTACHED = "LIVE-IAM-004", "iam", High,
        "A managed policy is attached to a platform role that the model does not attach",
        "detach it from `{resource}` (`aws iam detach-role-policy`)";
    IAM_MISSING_ATTACHED = "LIVE-IAM-005", "iam", Medium,
        "A managed policy of the model is not attached to its role",
        "run `dap apply` to attach it to `{resource}` again";
    IAM_POLICY_DOCUMENT = "LIVE-IAM-006", "iam", High,
        "A managed policy's default version differs from the model",
        "run `dap apply`, or set the version that matches the model as default for `{resource}` and delete the others";
    IAM_BOUNDARY = "LIVE-IAM-007", "iam", Medium,
        "A role's permissions boundary differs from the model",
        "remove or restore the permissions boundary of `{resource}` as rendered";
    IAM_POLICY_MISSING = "LIVE-IAM-008", "iam", High,
        "A managed policy of the model does not exist",
        "run `dap apply` to create `{resource}` again";
    KMS_KEY_MISSING = "LIVE-KMS-001", "kms", High,
        "A key of the model (or its alias) does not exist",
        "run `dap apply`; if the key was scheduled for deletion, cancel it (`aws kms cancel-key-deletion`)";
    KMS_KEY_STATE = "LIVE-KMS-002", "kms", High,
        "A key is disabled or pending deletion",
        "enable `{resource}` (`aws kms enable-key`) or cancel its deletion (`aws kms cancel-key-deletion`)";
    KMS_KEY_MANAGER = "LIVE-KMS-003", "kms", High,
        "A key is not a customer managed symmetric key",
        "point `{resource}` back at the platform's customer managed key with `dap apply`";
    KMS_ROTATION = "LIVE-KMS-004", "kms", High,
        "A key's automatic rotation is off",
        "turn rotation back on (`aws kms enable-key-rotation`) for `{resource}`";
    KMS_POLICY = "LIVE-KMS-005", "kms", High,
        "A key policy differs from the model",
        "run `dap apply`, or restore the key policy of `{resource}` as rendered (`aws kms put-key-policy`)";
    KMS_GRANT = "LIVE-KMS-006", "kms", Medium,
        "A key has a grant the model does not make",
        "review the grant on `{resource}` and retire it if nobody needs it (`aws kms revoke-grant`)";
    KMS_ALIAS = "LIVE-KMS-007", "kms", High,
        "An alias points at another key than the platform's",
        "point `{resource}` back at the platform's key (`aws kms update-alias`) or run `dap apply`";
    TRAIL_MISSING = "LIVE-CT-001", "cloudtrail", High,
        "The trail does not exist",
        "run `dap apply` to create the trail again";
    TRAIL_LOGGING = "LIVE-CT-002", "cloudtrail", High,
        "The trail is not logging",
        "start it (`aws cloudtrail start-logging --name {resource}`) and find who stopped it";
    TRAIL_SETTING = "LIVE-CT-003", "cloudtrail", High,
        "A trail setting differs from the model",
        "run `dap apply` to restore the settings of `{resource}`";
    TRAIL_SELECTORS = "LIVE-CT-004", "cloudtrail", High,
        "The trail's event selectors record less than the model declares",
        "run `dap apply` to restore the event selectors of `{resource}`";
    TRAIL_DELIVERY = "LIVE-CT-005", "cloudtrail", Medium,
        "The trail's latest delivery failed",
        "check the trail bucket's policy and the logs key's policy; the error names what failed";
    CW_FILTER_MISSING = "LIVE-CW-001", "logs", High,
        "A metric filter of the model does not exist",
        "run `dap apply` to create the metric filter `{resource}` again";
    CW_FILTER = "LIVE-CW-002", "logs", High,
        "A metric filter's pattern or metric differs from the model",
        "run `dap apply` to restore the metric filter `{resource}`";
    CW_ALARM_MISSING = "LIVE-CW-003", "cloudwatch", High,
        "An alarm of the model does not exist",
        "run `dap apply` to create the alarm `{resource}` again";
    CW_ALARM = "LIVE-CW-004", "cloudwatch", High,
        "An alarm's metric or actions differ from the model, or its actions are disabled",
        "run `dap apply`; enable its actions (`aws cloudwatch enable-alarm-actions --alarm-names {resource}`)";
    LOGS_MISSING = "LIVE-LOGS-001", "logs", Medium,
        "A log group of the model does not exist",
        "run `dap apply` to create the log group `{resource}` again";
    LOGS_RETENTION = "LIVE-LOGS-002", "logs", Medium,
        "A log group's retention differs from the model",
        "run `dap apply`, or set the retention of `{resource}` back (`aws logs put-retention-policy`)";
    LOGS_KEY = "LIVE-LOGS-003", "logs", High,
        "A log group is not encrypted with the model's key",
        "run `dap apply`, or associate the logs key with `{resource}` (`aws logs associate-kms-key`)";
    SNS_TOPIC_MISSING = "LIVE-SNS-001", "sns", High,
        "The alarm topic does not exist",
        "run `dap apply` to create the topic `{resource}` again";
    SNS_SUBSCRIPTION = "LIVE-SNS-002", "sns", Medium,
        "An address of the environment file has no subscription on the alarm topic",
        "run `dap apply` to subscribe the address again; the recipient confirms it from the e-mail";
    S3_BUCKET_MISSING = "LIVE-S3-001", "s3", High,
        "A bucket of the model does not exist",
        "run `dap apply` to create `{resource}` again";
    S3_ENCRYPTION = "LIVE-S3-002", "s3", High,
        "A bucket's default encryption differs from the model",
        "run `dap apply`, or restore the default encryption of `{resource}` (`aws s3api put-bucket-encryption`)";
    S3_PUBLIC_ACCESS = "LIVE-S3-003", "s3", High,
        "A bucket's public access block differs from the model",
        "restore the public access block of `{resource}` (`aws s3api put-public-access-block`) or run `dap apply`";
    S3_VERSIONING = "LIVE-S3-004", "s3", Medium,
        "A bucket's versioning differs from the model",
        "enable versioning on `{resource}` again (`aws s3api put-bucket-versioning`) or run `dap apply`";
    S3_OWNERSHIP = "LIVE-S3-005", "s3", Medium,
        "A bucket's object ownership differs from the model",
        "restore the ownership controls of `{resource}` or run `dap apply`";
    S3_POLICY = "LIVE-S3-006", "s3", High,
        "A bucket policy differs from the model",
        "run `dap apply`, or restore the bucket policy of `{resource}` as rendered";
    ACCESS_WIDER = "LIVE-ACCESS-001", "access", High,
        "A principal can do more on a data location than the model allows",
        "remove the grant that widens it (the check names the statements); `dap apply` restores the platform's own policies";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = std::collections::BTreeSet::new();
        for c in CODES {
            assert!(seen.insert(c.code), "{} twice", c.code);
            assert!(c.code.starts_with("LIVE-"), "{}", c.code);
            assert!(!c.title.ends_with('.'), "{}", c.code);
            assert!(!c.fix.is_empty());
        }
    }

    #[test]
    fn docs_verify_md_lists_every_code_as_declared() {
        let doc = include_str!("../../../../docs/verify.md");
        let rows: Vec<&str> = doc.lines().filter(|l| l.starts_with("| `LIVE-")).collect();
        assert_eq!(
            rows.len(),
            CODES.len(),
            "one row per code in docs/verify.md"
        );
        for (row, c) in rows.iter().zip(CODES) {
            let want = format!(
                "| `{}` | {} | {} | {} |",
                c.code,
                c.service,
                c.severity.as_str(),
                c.title
            );
            assert!(
                row.starts_with(&want),
                "docs/verify.md: `{row}` should start `{want}`"
            );
        }
    }
}
