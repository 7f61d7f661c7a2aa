use super::prelude::*;

rule! {
    /// Flags a CloudWatch Logs log group that is not encrypted with a KMS key.
    ///
    /// ## What it checks
    ///
    /// Every `AWS::Logs::LogGroup` has a `KmsKeyId`.
    ///
    /// ## Why
    ///
    /// The trail's log group holds every API call of the account, the Glue jobs' logs hold
    /// samples of the data. With the logs key, reading them needs `kms:Decrypt` too, and the
    /// key policy says who may. checkov CKV_AWS_158, AWS Security Hub CloudWatch.16 family.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// TrailLogGroup:
    ///   Type: AWS::Logs::LogGroup
    ///   Properties:
    ///     RetentionInDays: 365
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// TrailLogGroup:
    ///   Type: AWS::Logs::LogGroup
    ///   Properties:
    ///     KmsKeyId: !Ref LogsKeyArn
    ///     RetentionInDays: 365
    /// ```
    ///
    /// ## Remediation
    ///
    /// Set `KmsKeyId` to the logs key (whose policy must let
    /// `logs.<region>.amazonaws.com` use it, `DAP-KMS-004`).
    ///
    /// ## References
    ///
    /// - Encrypt log data in CloudWatch Logs: <https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html>
    LogGroupNotEncrypted {
        code: codes::LOG_GROUP_NOT_ENCRYPTED,
        name: "log-group-not-encrypted",
        severity: Error,
        fix: "set KmsKeyId to the logs key",
    }
}

impl Rule for LogGroupNotEncrypted {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for g in cx.of_type("AWS::Logs::LogGroup") {
            if !is_set(g.prop("KmsKeyId")) {
                out.push(Hit::on(
                    &g,
                    "the log group is not KMS-encrypted (no `KmsKeyId`)",
                ));
            }
        }
    }
}
