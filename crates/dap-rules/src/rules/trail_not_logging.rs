use super::prelude::*;

rule! {
    /// Flags a CloudTrail trail that is created stopped.
    ///
    /// ## What it checks
    ///
    /// Every `AWS::CloudTrail::Trail` has `IsLogging: true`.
    ///
    /// ## Why
    ///
    /// A stopped trail records nothing; everything else about it is moot. AWS Security Hub
    /// CloudTrail.1 (enabled), CIS AWS Foundations 3.1.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// Trail:
    ///   Type: AWS::CloudTrail::Trail
    ///   Properties:
    ///     IsLogging: false
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// Trail:
    ///   Type: AWS::CloudTrail::Trail
    ///   Properties:
    ///     IsLogging: true
    /// ```
    ///
    /// ## Remediation
    ///
    /// Set `IsLogging: true`.
    ///
    /// ## References
    ///
    /// - AWS Security Hub CloudTrail.1: <https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html>
    TrailNotLogging {
        code: codes::TRAIL_NOT_LOGGING,
        name: "trail-not-logging",
        severity: Error,
        fix: "set IsLogging to true",
    }
}

impl Rule for TrailNotLogging {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for t in cx.of_type("AWS::CloudTrail::Trail") {
            if !is_true(t.prop("IsLogging")) {
                out.push(Hit::on(
                    &t,
                    "the trail is not logging (`IsLogging` is not true)",
                ));
            }
        }
    }
}
