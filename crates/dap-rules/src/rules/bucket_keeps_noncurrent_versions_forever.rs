use super::prelude::*;

rule! {
    /// Flags an S3 bucket without an enabled lifecycle rule that expires noncurrent object
    /// versions.
    ///
    /// ## What it checks
    ///
    /// Every `AWS::S3::Bucket` has a `LifecycleConfiguration` rule with `Status: Enabled` and a
    /// `NoncurrentVersionExpiration` (or the older `NoncurrentVersionExpirationInDays`).
    ///
    /// ## Why
    ///
    /// With versioning on (`DAP-S3-004`), every overwrite and delete keeps the old version
    /// forever unless a rule expires it: storage grows without bound and data the City meant
    /// to delete stays readable. AWS Security Hub S3.10 (versioned buckets have lifecycle
    /// policies) and S3.13, checkov CKV2_AWS_61.
    ///
    /// ## Example
    ///
    /// Failing: a lifecycle rule that only expires current objects.
    ///
    /// ```yaml
    /// AssetsBucket:
    ///   Type: AWS::S3::Bucket
    ///   Properties:
    ///     LifecycleConfiguration:
    ///       Rules:
    ///         - Id: ExpireObjects
    ///           Status: Enabled
    ///           ExpirationInDays: 30
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// AssetsBucket:
    ///   Type: AWS::S3::Bucket
    ///   Properties:
    ///     LifecycleConfiguration:
    ///       Rules:
    ///         - Id: ExpireNoncurrentVersions
    ///           Status: Enabled
    ///           NoncurrentVersionExpiration:
    ///             NoncurrentDays: 90
    /// ```
    ///
    /// ## Remediation
    ///
    /// Add an enabled rule with `NoncurrentVersionExpiration`; the environment's
    /// `retention.noncurrent_version_expiry_days` sets the days.
    ///
    /// ## References
    ///
    /// - AWS Security Hub S3.10, S3.13: <https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html>
    /// - Lifecycle configuration elements: <https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html>
    BucketKeepsNoncurrentVersionsForever {
        code: codes::BUCKET_KEEPS_NONCURRENT_VERSIONS_FOREVER,
        name: "bucket-keeps-noncurrent-versions-forever",
        severity: Error,
        fix: "add an enabled lifecycle rule with NoncurrentVersionExpiration",
    }
}

impl Rule for BucketKeepsNoncurrentVersionsForever {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for b in cx.of_type("AWS::S3::Bucket") {
            let rules = items(&b.prop("LifecycleConfiguration")["Rules"]);
            let expires = rules.iter().any(|r| {
                text(&r["Status"]) == Some("Enabled")
                    && (is_set(&r["NoncurrentVersionExpiration"]["NoncurrentDays"])
                        || is_set(&r["NoncurrentVersionExpirationInDays"]))
            });
            if !expires {
                let message = if rules.is_empty() {
                    "the bucket has no lifecycle rules, so noncurrent versions are kept forever"
                } else {
                    "no enabled lifecycle rule expires noncurrent versions"
                };
                out.push(Hit::on(&b, message));
            }
        }
    }
}
