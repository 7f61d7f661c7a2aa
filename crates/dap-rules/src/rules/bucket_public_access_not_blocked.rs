use super::prelude::*;

rule! {
    /// Flags an S3 bucket whose public access block is missing or leaves any of its four
    /// settings off.
    ///
    /// ## What it checks
    ///
    /// Every `AWS::S3::Bucket` has a `PublicAccessBlockConfiguration` with `BlockPublicAcls`,
    /// `BlockPublicPolicy`, `IgnorePublicAcls` and `RestrictPublicBuckets` all `true`.
    ///
    /// ## Why
    ///
    /// The data lake holds the City's data and its logs; none of it is public. With all four
    /// settings on, no ACL or bucket policy can make the bucket or its objects public, whatever
    /// a later change writes. AWS Security Hub S3.1 and S3.8, checkov CKV_AWS_53 to
    /// CKV_AWS_56, cdk-nag S2.
    ///
    /// ## Example
    ///
    /// Failing: public policies are not blocked.
    ///
    /// ```yaml
    /// LandingBucket:
    ///   Type: AWS::S3::Bucket
    ///   Properties:
    ///     PublicAccessBlockConfiguration:
    ///       BlockPublicAcls: true
    ///       BlockPublicPolicy: false
    ///       IgnorePublicAcls: true
    ///       RestrictPublicBuckets: true
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// LandingBucket:
    ///   Type: AWS::S3::Bucket
    ///   Properties:
    ///     PublicAccessBlockConfiguration:
    ///       BlockPublicAcls: true
    ///       BlockPublicPolicy: true
    ///       IgnorePublicAcls: true
    ///       RestrictPublicBuckets: true
    /// ```
    ///
    /// ## Remediation
    ///
    /// Set all four settings to `true`. The planner does this for every bucket
    /// (`s3::PublicAccessBlockConfiguration::all()`); a finding means the template was edited
    /// or the planner changed.
    ///
    /// ## References
    ///
    /// - AWS Security Hub S3.1, S3.8: <https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html>
    /// - Blocking public access to S3 storage: <https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html>
    BucketPublicAccessNotBlocked {
        code: codes::BUCKET_PUBLIC_ACCESS_NOT_BLOCKED,
        name: "bucket-public-access-not-blocked",
        severity: Error,
        fix: "set BlockPublicAcls, BlockPublicPolicy, IgnorePublicAcls and RestrictPublicBuckets to true",
    }
}

const SETTINGS: [&str; 4] = [
    "BlockPublicAcls",
    "BlockPublicPolicy",
    "IgnorePublicAcls",
    "RestrictPublicBuckets",
];

impl Rule for BucketPublicAccessNotBlocked {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for b in cx.of_type("AWS::S3::Bucket") {
            let block = b.prop("PublicAccessBlockConfiguration");
            if !is_set(block) {
                out.push(Hit::on(
                    &b,
                    "the bucket has no `PublicAccessBlockConfiguration`",
                ));
                continue;
            }
            let off: Vec<&str> = SETTINGS
                .into_iter()
                .filter(|s| !is_true(&block[*s]))
                .collect();
            if !off.is_empty() {
                out.push(Hit::on(
                    &b,
                    format!(
                        "public access block setting(s) not true: `{}`",
                        off.join("`, `")
                    ),
                ));
            }
        }
    }
}
