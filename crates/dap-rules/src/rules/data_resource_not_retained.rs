use super::prelude::*;

rule! {
    /// Flags a data-bearing resource that CloudFormation would delete with its stack or on
    /// replacement.
    ///
    /// ## What it checks
    ///
    /// Every resource of a data-bearing type (`AWS::S3::Bucket`, `AWS::KMS::Key`,
    /// `AWS::Glue::Database`, `AWS::Glue::Table`, `AWS::Logs::LogGroup`,
    /// `AWS::CloudTrail::Trail`, and DynamoDB tables, EFS file systems, RDS clusters and
    /// instances, SQS queues: the types `dap_cfn::facts` marks as retained, the one table every
    /// crate reads) has `DeletionPolicy: Retain` and `UpdateReplacePolicy: Retain`.
    ///
    /// ## Why
    ///
    /// Deleting a stack, renaming a logical id or a property change that forces replacement
    /// would otherwise delete the data lake, the keys that decrypt it (after the waiting
    /// period), the catalog or the audit trail, in every environment. This is one of the
    /// platform's invariants (ARCHITECTURE.md) and the most-asked-for protection in other
    /// tools' issue trackers. checkov CKV_AWS_* retain checks, cdk-nag
    /// S3/KMS removal policies.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// CuratedBucket:
    ///   Type: AWS::S3::Bucket
    ///   DeletionPolicy: Delete
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// CuratedBucket:
    ///   Type: AWS::S3::Bucket
    ///   DeletionPolicy: Retain
    ///   UpdateReplacePolicy: Retain
    /// ```
    ///
    /// ## Remediation
    ///
    /// Add both policies (the planner's `ResourceEntry::retain()`).
    ///
    /// ## References
    ///
    /// - DeletionPolicy: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html>
    /// - UpdateReplacePolicy: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatereplacepolicy.html>
    DataResourceNotRetained {
        code: codes::DATA_RESOURCE_NOT_RETAINED,
        name: "data-resource-not-retained",
        severity: Error,
        fix: "set DeletionPolicy and UpdateReplacePolicy to Retain",
    }
}

impl Rule for DataResourceNotRetained {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for r in cx.resources().filter(|r| dap_cfn::facts::must_retain(r.ty())) {
            let not: Vec<String> = ["DeletionPolicy", "UpdateReplacePolicy"]
                .into_iter()
                .filter(|p| text(&r.body[*p]) != Some("Retain"))
                .map(|p| format!("`{p}` is `{}`", show(&r.body[p])))
                .collect();
            if !not.is_empty() {
                out.push(Hit::on(
                    &r,
                    format!("{} holds data but {}", r.ty(), not.join(" and ")),
                ));
            }
        }
    }
}
