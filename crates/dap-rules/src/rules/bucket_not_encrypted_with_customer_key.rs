use super::prelude::*;

rule! {
    /// Flags an S3 bucket that is not encrypted by default with a customer-managed KMS key and
    /// an S3 Bucket Key, and a server-access-log bucket that is not encrypted with SSE-S3.
    ///
    /// ## What it checks
    ///
    /// Every `AWS::S3::Bucket` has a `BucketEncryption` rule with `SSEAlgorithm: aws:kms` (or
    /// `aws:kms:dsse`), a `KMSMasterKeyID` that is not the AWS managed `alias/aws/s3`, and
    /// `BucketKeyEnabled: true`.
    ///
    /// The one exception is modelled, not suppressed: a bucket that other buckets deliver
    /// their server access logs to must use `SSEAlgorithm: AES256` (SSE-S3), because S3 log
    /// delivery cannot write to a bucket whose default encryption is SSE-KMS.
    ///
    /// ## Why
    ///
    /// A customer-managed key puts reading the data under the key policy and CloudTrail's
    /// record of every decryption; the AWS managed key cannot be restricted or audited that
    /// way. Bucket Keys cut KMS requests (and their cost) by orders of magnitude. AWS Security
    /// Hub S3.17 (SSE-KMS at rest), checkov CKV_AWS_19 and CKV_AWS_145, cdk-nag S3 default
    /// encryption.
    ///
    /// ## Example
    ///
    /// Failing: SSE-S3 on a data bucket.
    ///
    /// ```yaml
    /// RawBucket:
    ///   Type: AWS::S3::Bucket
    ///   Properties:
    ///     BucketEncryption:
    ///       ServerSideEncryptionConfiguration:
    ///         - ServerSideEncryptionByDefault:
    ///             SSEAlgorithm: AES256
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// RawBucket:
    ///   Type: AWS::S3::Bucket
    ///   Properties:
    ///     BucketEncryption:
    ///       ServerSideEncryptionConfiguration:
    ///         - BucketKeyEnabled: true
    ///           ServerSideEncryptionByDefault:
    ///             SSEAlgorithm: aws:kms
    ///             KMSMasterKeyID: !Ref DataKeyArn
    /// ```
    ///
    /// ## Remediation
    ///
    /// Encrypt with the platform's data key (logs key for the trail's bucket) and turn the
    /// Bucket Key on. For the access-log bucket, use `AES256`.
    ///
    /// ## References
    ///
    /// - AWS Security Hub S3.17: <https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html>
    /// - S3 Bucket Keys: <https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html>
    /// - Server access log delivery and encryption: <https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html>
    BucketNotEncryptedWithCustomerKey {
        code: codes::BUCKET_NOT_ENCRYPTED_WITH_CUSTOMER_KEY,
        name: "bucket-not-encrypted-with-customer-key",
        severity: Error,
        fix: "encrypt with SSEAlgorithm aws:kms, a customer-managed KMSMasterKeyID and BucketKeyEnabled true (AES256 for the access-log bucket)",
    }
}

impl Rule for BucketNotEncryptedWithCustomerKey {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        let log_buckets = cx.access_log_destinations();
        for b in cx.of_type("AWS::S3::Bucket") {
            let rules = items(&b.prop("BucketEncryption")["ServerSideEncryptionConfiguration"]);
            fn algorithm<'v>(r: &&'v Value) -> &'v str {
                text(&r["ServerSideEncryptionByDefault"]["SSEAlgorithm"]).unwrap_or("")
            }
            if log_buckets.iter().any(|l| same(l, &b)) {
                if !rules.iter().any(|r| algorithm(r) == "AES256") {
                    out.push(Hit::on(
                        &b,
                        "the bucket receives server access logs, which S3 can only deliver to an SSE-S3 (`AES256`) bucket",
                    ));
                }
                continue;
            }
            if rules.is_empty() {
                out.push(Hit::on(
                    &b,
                    "the bucket has no default encryption (`BucketEncryption`)",
                ));
                continue;
            }
            let good = rules.iter().any(|r| {
                let key = &r["ServerSideEncryptionByDefault"]["KMSMasterKeyID"];
                matches!(algorithm(r), "aws:kms" | "aws:kms:dsse")
                    && is_set(key)
                    && !text(key).is_some_and(|k| k.ends_with("alias/aws/s3"))
                    && is_true(&r["BucketKeyEnabled"])
            });
            if !good {
                let found: Vec<String> = rules
                    .iter()
                    .map(|r| {
                        format!(
                            "`{}` with key `{}`, BucketKeyEnabled `{}`",
                            algorithm(r),
                            show(&r["ServerSideEncryptionByDefault"]["KMSMasterKeyID"]),
                            show(&r["BucketKeyEnabled"])
                        )
                    })
                    .collect();
                out.push(Hit::on(
                    &b,
                    format!(
                        "default encryption is not SSE-KMS with a customer-managed key and a Bucket Key: {}",
                        found.join("; ")
                    ),
                ));
            }
        }
    }
}
