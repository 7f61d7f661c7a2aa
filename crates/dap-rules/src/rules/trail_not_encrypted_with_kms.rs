use super::prelude::*;

rule! {
    /// Flags a CloudTrail trail whose log files are not encrypted with a KMS key.
    ///
    /// ## What it checks
    ///
    /// Every `AWS::CloudTrail::Trail` has a `KMSKeyId`.
    ///
    /// ## Why
    ///
    /// With SSE-KMS, reading the trail needs `kms:Decrypt` on the logs key as well as read
    /// access to the bucket, and every decryption is itself recorded. AWS Security Hub
    /// CloudTrail.2, checkov CKV_AWS_35, CIS AWS Foundations 3.5.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// Trail:
    ///   Type: AWS::CloudTrail::Trail
    ///   Properties:
    ///     S3BucketName: dap-dev-trail-logs-111111111111-ca-central-1
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// Trail:
    ///   Type: AWS::CloudTrail::Trail
    ///   Properties:
    ///     S3BucketName: dap-dev-trail-logs-111111111111-ca-central-1
    ///     KMSKeyId: !Ref LogsKeyArn
    /// ```
    ///
    /// ## Remediation
    ///
    /// Set `KMSKeyId` to the logs key, whose policy lets CloudTrail use it
    /// (`DAP-KMS-004`).
    ///
    /// ## References
    ///
    /// - AWS Security Hub CloudTrail.2: <https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html>
    TrailNotEncryptedWithKms {
        code: codes::TRAIL_NOT_ENCRYPTED_WITH_KMS,
        name: "trail-not-encrypted-with-kms",
        severity: Error,
        fix: "set KMSKeyId to the logs key",
    }
}

impl Rule for TrailNotEncryptedWithKms {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for t in cx.of_type("AWS::CloudTrail::Trail") {
            if !is_set(t.prop("KMSKeyId")) {
                out.push(Hit::on(
                    &t,
                    "the trail's log files are not KMS-encrypted (no `KMSKeyId`)",
                ));
            }
        }
    }
}
