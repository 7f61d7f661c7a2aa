use super::prelude::*;

rule! {
    /// Flags a CloudTrail trail that records one region only, or leaves out global service
    /// events.
    ///
    /// ## What it checks
    ///
    /// Every `AWS::CloudTrail::Trail` has `IsMultiRegionTrail: true` and
    /// `IncludeGlobalServiceEvents: true`.
    ///
    /// ## Why
    ///
    /// An attacker (or a mistake) in another region, or a change to IAM (a global service),
    /// must be on the record too. AWS Security Hub CloudTrail.1, checkov CKV_AWS_67, CIS AWS
    /// Foundations 3.1.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// Trail:
    ///   Type: AWS::CloudTrail::Trail
    ///   Properties:
    ///     IsMultiRegionTrail: false
    ///     IncludeGlobalServiceEvents: true
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// Trail:
    ///   Type: AWS::CloudTrail::Trail
    ///   Properties:
    ///     IsMultiRegionTrail: true
    ///     IncludeGlobalServiceEvents: true
    /// ```
    ///
    /// ## Remediation
    ///
    /// Set both to `true`.
    ///
    /// ## References
    ///
    /// - AWS Security Hub CloudTrail.1: <https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html>
    TrailNotMultiRegion {
        code: codes::TRAIL_NOT_MULTI_REGION,
        name: "trail-not-multi-region",
        severity: Error,
        fix: "set IsMultiRegionTrail and IncludeGlobalServiceEvents to true",
    }
}

impl Rule for TrailNotMultiRegion {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for t in cx.of_type("AWS::CloudTrail::Trail") {
            let off: Vec<&str> = ["IsMultiRegionTrail", "IncludeGlobalServiceEvents"]
                .into_iter()
                .filter(|p| !is_true(t.prop(p)))
                .collect();
            if !off.is_empty() {
                out.push(Hit::on(&t, format!("`{}` is not true", off.join("`, `"))));
            }
        }
    }
}
