use super::prelude::*;

rule! {
    /// Flags a CloudTrail trail without log file integrity validation.
    ///
    /// ## What it checks
    ///
    /// Every `AWS::CloudTrail::Trail` has `EnableLogFileValidation: true`.
    ///
    /// ## Why
    ///
    /// Validation writes signed digest files, so an auditor can prove no log file was changed
    /// or deleted after CloudTrail delivered it. AWS Security Hub CloudTrail.4, checkov
    /// CKV_AWS_36, CIS AWS Foundations 3.2.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// Trail:
    ///   Type: AWS::CloudTrail::Trail
    ///   Properties:
    ///     EnableLogFileValidation: false
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// Trail:
    ///   Type: AWS::CloudTrail::Trail
    ///   Properties:
    ///     EnableLogFileValidation: true
    /// ```
    ///
    /// ## Remediation
    ///
    /// Set `EnableLogFileValidation: true`.
    ///
    /// ## References
    ///
    /// - AWS Security Hub CloudTrail.4: <https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html>
    /// - Validating log file integrity: <https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html>
    TrailLogFileValidationDisabled {
        code: codes::TRAIL_LOG_FILE_VALIDATION_DISABLED,
        name: "trail-log-file-validation-disabled",
        severity: Error,
        fix: "set EnableLogFileValidation to true",
    }
}

impl Rule for TrailLogFileValidationDisabled {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for t in cx.of_type("AWS::CloudTrail::Trail") {
            if !is_true(t.prop("EnableLogFileValidation")) {
                out.push(Hit::on(&t, "log file validation is off"));
            }
        }
    }
}
