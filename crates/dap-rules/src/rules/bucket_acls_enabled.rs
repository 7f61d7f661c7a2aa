use super::prelude::*;

rule! {
    /// Flags an S3 bucket whose objects can carry ACLs: object ownership is not
    /// `BucketOwnerEnforced`, or the bucket sets a canned ACL.
    ///
    /// ## What it checks
    ///
    /// Every `AWS::S3::Bucket` has `OwnershipControls` with `ObjectOwnership:
    /// BucketOwnerEnforced`, and no `AccessControl` other than `Private`.
    ///
    /// ## Why
    ///
    /// With ACLs disabled, the bucket owner owns every object and only policies decide access;
    /// an object uploaded with a `public-read` ACL or owned by another account cannot slip
    /// past the bucket policy. AWS Security Hub S3.12, cdk-nag S3 ACL checks.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// AssetsBucket:
    ///   Type: AWS::S3::Bucket
    ///   Properties:
    ///     AccessControl: PublicRead
    ///     OwnershipControls:
    ///       Rules:
    ///         - ObjectOwnership: ObjectWriter
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// AssetsBucket:
    ///   Type: AWS::S3::Bucket
    ///   Properties:
    ///     OwnershipControls:
    ///       Rules:
    ///         - ObjectOwnership: BucketOwnerEnforced
    /// ```
    ///
    /// ## Remediation
    ///
    /// Set `ObjectOwnership: BucketOwnerEnforced` and remove `AccessControl`. Log delivery
    /// and CloudTrail write through bucket policies, which keep working.
    ///
    /// ## References
    ///
    /// - AWS Security Hub S3.12: <https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html>
    /// - Controlling object ownership: <https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html>
    BucketAclsEnabled {
        code: codes::BUCKET_ACLS_ENABLED,
        name: "bucket-acls-enabled",
        severity: Error,
        fix: "set OwnershipControls ObjectOwnership to BucketOwnerEnforced and remove AccessControl",
    }
}

impl Rule for BucketAclsEnabled {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for b in cx.of_type("AWS::S3::Bucket") {
            let enforced = items(&b.prop("OwnershipControls")["Rules"])
                .iter()
                .any(|r| text(&r["ObjectOwnership"]) == Some("BucketOwnerEnforced"));
            if !enforced {
                out.push(Hit::on(
                    &b,
                    "object ownership is not `BucketOwnerEnforced`, so objects can carry ACLs",
                ));
            }
            let acl = b.prop("AccessControl");
            if is_set(acl) && text(acl) != Some("Private") {
                out.push(Hit::on(
                    &b,
                    format!("the bucket sets the canned ACL `{}`", show(acl)),
                ));
            }
        }
    }
}
