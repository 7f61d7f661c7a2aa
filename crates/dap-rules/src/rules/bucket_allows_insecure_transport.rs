use super::prelude::*;
use crate::tls;

rule! {
    /// Flags an S3 bucket whose bucket policy does not deny requests made without TLS.
    ///
    /// ## What it checks
    ///
    /// Every `AWS::S3::Bucket` has an `AWS::S3::BucketPolicy` (referencing it, or naming it)
    /// with a statement that denies `s3:*` to `Principal: "*"` when `aws:SecureTransport` is
    /// `false`, on both the bucket and its objects (`arn:...:bucket` and `arn:...:bucket/*`).
    ///
    /// The statement is read for what it denies, not how it is spelled: its actions must
    /// include every `s3:` action (`s3:*`, `*`, or a `NotAction` that excludes none), its
    /// resources must cover the bucket and every object (through `Fn::Sub`, `Fn::Join` or
    /// `NotResource`), its principal must be everyone, and it must carry no other condition:
    /// an extra condition (`StringEquals aws:PrincipalAccount`, say) makes the deny apply only
    /// to the requests that also match it, so it denies almost nothing. A weakened deny is
    /// reported with what it misses.
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
            let (Some(name), Some(arn)) = (cx.ref_of(&b), cx.arn_of(&b)) else {
                continue;
            };
            let statements: Vec<&Statement> =
                cx.statements_for(PolicyKind::Bucket, &name).collect();
            let has_policy = cx.of_type("AWS::S3::BucketPolicy").any(|p| {
                cx.model
                    .resolver
                    .resolve(p.template.index, p.prop("Bucket"))
                    .is_some_and(|n| n == name)
            });
            if !has_policy {
                out.push(Hit::on(
                    &b,
                    "the bucket has no bucket policy, so nothing denies requests without TLS",
                ));
                continue;
            }
            let required = tls::Required {
                action: "s3:",
                whole_service: true,
                resources: vec![(arn.clone(), false), (format!("{arn}/"), true)],
            };
            match tls::judge(statements, &required) {
                tls::Verdict::Denied => {}
                tls::Verdict::Missing => out.push(Hit::on(
                    &b,
                    "no statement of its bucket policy denies `s3:*` on the bucket and its objects when `aws:SecureTransport` is false",
                )),
                tls::Verdict::Weakened(label, gaps) => out.push(Hit::on(
                    &b,
                    format!(
                        "the bucket policy's TLS-only deny ({label}) is weakened: {}",
                        gaps.join("; ")
                    ),
                )),
            }
        }
    }
}
