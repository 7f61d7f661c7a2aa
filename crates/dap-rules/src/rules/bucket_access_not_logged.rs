use super::prelude::*;

rule! {
    /// Flags an S3 bucket without server access logging.
    ///
    /// ## What it checks
    ///
    /// Every `AWS::S3::Bucket` has a `LoggingConfiguration` whose `DestinationBucketName` is
    /// another bucket.
    ///
    /// The access-log bucket itself is the one justified exception (it cannot log to itself):
    /// the planner suppresses this rule on it in the resource's metadata, with the reason, and
    /// the suppression is listed below and in `dap check` output.
    ///
    /// ## Why
    ///
    /// Server access logs record every request to the bucket (who read which object, from
    /// where), including requests CloudTrail data events do not cover, such as anonymous or
    /// failed ones. AWS Security Hub S3.9, checkov CKV_AWS_18, CloudTrail.7 for the trail's
    /// bucket, cdk-nag S1.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// TrailLogsBucket:
    ///   Type: AWS::S3::Bucket
    ///   Properties:
    ///     BucketName: dap-dev-trail-logs-111111111111-ca-central-1
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// TrailLogsBucket:
    ///   Type: AWS::S3::Bucket
    ///   Properties:
    ///     BucketName: dap-dev-trail-logs-111111111111-ca-central-1
    ///     LoggingConfiguration:
    ///       DestinationBucketName: !Ref AccessLogsBucket
    ///       LogFilePrefix: trail-logs/
    /// ```
    ///
    /// ## Remediation
    ///
    /// Log to the environment's access-log bucket under the bucket's own prefix.
    ///
    /// ## References
    ///
    /// - AWS Security Hub S3.9: <https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html>
    /// - AWS Security Hub CloudTrail.7: <https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html>
    /// - S3 server access logging: <https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html>
    BucketAccessNotLogged {
        code: codes::BUCKET_ACCESS_NOT_LOGGED,
        name: "bucket-access-not-logged",
        severity: Error,
        fix: "set LoggingConfiguration DestinationBucketName to the access-log bucket",
    }
}

impl Rule for BucketAccessNotLogged {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for b in cx.of_type("AWS::S3::Bucket") {
            let dest = &b.prop("LoggingConfiguration")["DestinationBucketName"];
            if !is_set(dest) {
                out.push(Hit::on(&b, "the bucket has no server access logging"));
            } else if cx.bucket(&b, dest).is_some_and(|d| same(&d, &b)) {
                out.push(Hit::on(&b, "the bucket logs its access to itself"));
            }
        }
    }
}
