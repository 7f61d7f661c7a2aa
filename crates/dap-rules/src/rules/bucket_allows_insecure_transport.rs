use super::prelude::*;
use crate::value::mentions;

rule! {
    /// Flags an S3 bucket whose bucket policy does not deny requests made without TLS.
    ///
    /// ## What it checks
    ///
    /// Every `AWS::S3::Bucket` has an `AWS::S3::BucketPolicy` (referencing it, or naming it)
    /// with a statement that denies `s3:*` to `Principal: "*"` when `aws:SecureTransport` is
    /// `false`, on both the bucket and its objects (`arn:...:bucket` and `arn:...:bucket/*`).
    ///
    /// ## Why
    ///
    /// Without the deny, a client can read or write the City's data over plain HTTP. AWS
    /// Security Hub S3.5, cdk-nag S10, CIS AWS Foundations 2.1.1.
    ///
    /// ## Example
    ///
    /// Failing: a policy without the TLS deny.
    ///
    /// ```yaml
    /// RawBucketPolicy:
    ///   Type: AWS::S3::BucketPolicy
    ///   Properties:
    ///     Bucket: !Ref RawBucket
    ///     PolicyDocument:
    ///       Version: "2012-10-17"
    ///       Statement:
    ///         - Sid: AllowLogDelivery
    ///           Effect: Allow
    ///           Principal: {Service: logging.s3.amazonaws.com}
    ///           Action: s3:PutObject
    ///           Resource: arn:aws:s3:::dap-dev-raw-111111111111-ca-central-1/*
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// RawBucketPolicy:
    ///   Type: AWS::S3::BucketPolicy
    ///   Properties:
    ///     Bucket: !Ref RawBucket
    ///     PolicyDocument:
    ///       Version: "2012-10-17"
    ///       Statement:
    ///         - Sid: DenyInsecureTransport
    ///           Effect: Deny
    ///           Principal: "*"
    ///           Action: s3:*
    ///           Resource:
    ///             - arn:aws:s3:::dap-dev-raw-111111111111-ca-central-1
    ///             - arn:aws:s3:::dap-dev-raw-111111111111-ca-central-1/*
    ///           Condition:
    ///             Bool: {aws:SecureTransport: "false"}
    /// ```
    ///
    /// ## Remediation
    ///
    /// Add the `DenyInsecureTransport` statement above to the bucket's policy (the planner
    /// puts it first in every bucket policy).
    ///
    /// ## References
    ///
    /// - AWS Security Hub S3.5: <https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html>
    /// - cdk-nag S10: <https://github.com/cdklabs/cdk-nag/blob/main/RULES.md>
    BucketAllowsInsecureTransport {
        code: codes::BUCKET_ALLOWS_INSECURE_TRANSPORT,
        name: "bucket-allows-insecure-transport",
        severity: Error,
        fix: "add a bucket policy statement denying s3:* to * on the bucket and bucket/* when aws:SecureTransport is false",
    }
}

impl Rule for BucketAllowsInsecureTransport {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for b in cx.of_type("AWS::S3::Bucket") {
            let name = b.prop("BucketName").as_str();
            let refers = |v: &Value| {
                ref_id(v) == Some(b.id) || mentions(v, b.id) || name.is_some_and(|n| mentions(v, n))
            };
            let policies: Vec<Res<'_>> = cx
                .of_type("AWS::S3::BucketPolicy")
                .filter(|p| cx.bucket(p, p.prop("Bucket")).is_some_and(|x| same(&x, &b)))
                .collect();
            if policies.is_empty() {
                out.push(Hit::on(
                    &b,
                    "the bucket has no bucket policy, so nothing denies requests without TLS",
                ));
                continue;
            }
            let denies = policies.iter().any(|p| {
                statements(p.prop("PolicyDocument")).iter().any(|s| {
                    let any = |f: &dyn Fn(&Value) -> bool| s.resources.iter().any(|r| f(r));
                    !s.allow
                        && s.principal.anyone
                        && s.covers("s3:*")
                        && s.condition_values("aws:SecureTransport")
                            .is_some_and(|v| v.iter().any(|x| is_false(x)))
                        && (any(&|r| r.as_str() == Some("*"))
                            || (any(&|r| refers(r) && !r.to_string().contains("/*"))
                                && any(&|r| refers(r) && r.to_string().contains("/*"))))
                })
            });
            if !denies {
                let ids: Vec<&str> = policies.iter().map(|p| p.id).collect();
                out.push(Hit::on(
                    &b,
                    format!(
                        "no statement of `{}` denies `s3:*` on the bucket and its objects when `aws:SecureTransport` is false",
                        ids.join("`, `")
                    ),
                ));
            }
        }
    }
}
