use super::prelude::*;

rule! {
    /// Flags an Athena workgroup whose settings clients can override.
    ///
    /// ## What it checks
    ///
    /// Every `AWS::Athena::WorkGroup` has `WorkGroupConfiguration:
    /// {EnforceWorkGroupConfiguration: true}`.
    ///
    /// ## Why
    ///
    /// Without enforcement, a client can send its own result location (an unencrypted or
    /// foreign bucket) and bypass the scan cutoff. AWS Security Hub Athena.4 family, checkov
    /// CKV_AWS_82.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// Workgroup:
    ///   Type: AWS::Athena::WorkGroup
    ///   Properties:
    ///     WorkGroupConfiguration:
    ///       EnforceWorkGroupConfiguration: false
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// Workgroup:
    ///   Type: AWS::Athena::WorkGroup
    ///   Properties:
    ///     WorkGroupConfiguration:
    ///       EnforceWorkGroupConfiguration: true
    /// ```
    ///
    /// ## Remediation
    ///
    /// Set `EnforceWorkGroupConfiguration: true`.
    ///
    /// ## References
    ///
    /// - Workgroup settings override client settings: <https://docs.aws.amazon.com/athena/latest/ug/workgroups-settings-override.html>
    WorkgroupConfigurationNotEnforced {
        code: codes::WORKGROUP_CONFIGURATION_NOT_ENFORCED,
        name: "workgroup-configuration-not-enforced",
        severity: Error,
        fix: "set WorkGroupConfiguration EnforceWorkGroupConfiguration to true",
    }
}

impl Rule for WorkgroupConfigurationNotEnforced {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for w in cx.of_type("AWS::Athena::WorkGroup") {
            if !is_true(&w.prop("WorkGroupConfiguration")["EnforceWorkGroupConfiguration"]) {
                out.push(Hit::on(&w, "the workgroup's configuration is not enforced"));
            }
        }
    }
}
