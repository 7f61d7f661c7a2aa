use super::prelude::*;

rule! {
    /// Flags an S3 bucket without versioning.
    ///
    /// ## What it checks
    ///
    /// Every `AWS::S3::Bucket` has `VersioningConfiguration: {Status: Enabled}`.
    ///
    /// ## Why
    ///
    /// Versioning keeps the previous object when a job or a person overwrites or deletes it, so
    /// a bad run of the clean job or a mistaken delete can be undone. AWS Security Hub S3.14,
    /// checkov CKV_AWS_21, CIS AWS Foundations 2.1.3 (with MFA delete).
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// CuratedBucket:
    ///   Type: AWS::S3::Bucket
    ///   Properties:
    ///     VersioningConfiguration:
    ///       Status: Suspended
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// CuratedBucket:
    ///   Type: AWS::S3::Bucket
    ///   Properties:
    ///     VersioningConfiguration:
    ///       Status: Enabled
    /// ```
    ///
    /// ## Remediation
    ///
    /// Enable versioning, and let a lifecycle rule expire noncurrent versions
    /// (`DAP-S3-005`) so old versions do not pile up.
    ///
    /// ## References
    ///
    /// - AWS Security Hub S3.14: <https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html>
    /// - S3 Versioning: <https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html>
    BucketVersioningNotEnabled {
        code: codes::BUCKET_VERSIONING_NOT_ENABLED,
        name: "bucket-versioning-not-enabled",
        severity: Error,
        fix: "set VersioningConfiguration Status to Enabled",
    }
}

impl Rule for BucketVersioningNotEnabled {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for b in cx.of_type("AWS::S3::Bucket") {
            let status = &b.prop("VersioningConfiguration")["Status"];
            if text(status) != Some("Enabled") {
                out.push(Hit::on(
                    &b,
                    format!("versioning status is `{}`, not `Enabled`", show(status)),
                ));
            }
        }
    }
}
