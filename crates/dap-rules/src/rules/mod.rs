//! The rules, one file each. Every rule type's doc comment is its documentation: rustdoc here,
//! `docs/rules/<code>.md` in the repository.

use crate::Rule;

/// Declares every rule once, in code order: its module (one file per rule), its public type,
/// and its place in [`ALL`]. Adding a rule is one line here plus its file; its code is a
/// constant in [`crate::codes`], its docs and its fixtures are forced by tests.
macro_rules! register {
    ($($module:ident :: $rule:ident,)*) => {
        $(
            mod $module;
            pub use $module::$rule;
        )*

        /// Every rule, in code order.
        pub static ALL: &[&dyn Rule] = &[$(&$rule,)*];
    };
}

register! {
    bucket_public_access_not_blocked::BucketPublicAccessNotBlocked,
    bucket_not_encrypted_with_customer_key::BucketNotEncryptedWithCustomerKey,
    bucket_allows_insecure_transport::BucketAllowsInsecureTransport,
    bucket_versioning_not_enabled::BucketVersioningNotEnabled,
    bucket_keeps_noncurrent_versions_forever::BucketKeepsNoncurrentVersionsForever,
    landing_objects_never_expire::LandingObjectsNeverExpire,
    bucket_access_not_logged::BucketAccessNotLogged,
    bucket_acls_enabled::BucketAclsEnabled,
    key_rotation_disabled::KeyRotationDisabled,
    key_policy_allows_public_principal::KeyPolicyAllowsPublicPrincipal,
    key_policy_grants_kms_wildcard::KeyPolicyGrantsKmsWildcard,
    key_policy_misses_service_grant::KeyPolicyMissesServiceGrant,
    key_deletion_window_short::KeyDeletionWindowShort,
    key_policy_serves_undeclared_log_groups::KeyPolicyServesUndeclaredLogGroups,
    policy_allows_wildcard_action::PolicyAllowsWildcardAction,
    policy_allows_data_action_on_any_resource::PolicyAllowsDataActionOnAnyResource,
    pass_role_not_scoped::PassRoleNotScoped,
    aws_managed_policy_attached::AwsManagedPolicyAttached,
    iam_user_declared::IamUserDeclared,
    user_has_inline_policy::UserHasInlinePolicy,
    trust_policy_allows_untrusted_principal::TrustPolicyAllowsUntrustedPrincipal,
    resource_policy_allows_outside_principal::ResourcePolicyAllowsOutsidePrincipal,
    access_exceeds_intent::AccessExceedsIntent,
    trail_not_multi_region::TrailNotMultiRegion,
    trail_log_file_validation_disabled::TrailLogFileValidationDisabled,
    trail_not_encrypted_with_kms::TrailNotEncryptedWithKms,
    trail_not_sent_to_cloudwatch_logs::TrailNotSentToCloudwatchLogs,
    trail_misses_events::TrailMissesEvents,
    trail_not_logging::TrailNotLogging,
    log_group_not_encrypted::LogGroupNotEncrypted,
    log_group_without_retention::LogGroupWithoutRetention,
    alarm_without_action::AlarmWithoutAction,
    cis_monitoring_filter_missing::CisMonitoringFilterMissing,
    topic_not_encrypted_with_customer_key::TopicNotEncryptedWithCustomerKey,
    topic_allows_insecure_transport::TopicAllowsInsecureTransport,
    glue_without_security_configuration::GlueWithoutSecurityConfiguration,
    security_configuration_not_encrypting::SecurityConfigurationNotEncrypting,
    glue_job_on_unsupported_version::GlueJobOnUnsupportedVersion,
    job_startable_with_overrides::JobStartableWithOverrides,
    glue_logs_to_undeclared_log_group::GlueLogsToUndeclaredLogGroup,
    workgroup_configuration_not_enforced::WorkgroupConfigurationNotEnforced,
    workgroup_results_not_encrypted::WorkgroupResultsNotEncrypted,
    workgroup_without_scan_cutoff::WorkgroupWithoutScanCutoff,
    workgroup_metrics_disabled::WorkgroupMetricsDisabled,
    instance_metadata_v1_allowed::InstanceMetadataV1Allowed,
    volume_not_encrypted::VolumeNotEncrypted,
    instance_may_get_public_ip::InstanceMayGetPublicIp,
    ingress_open_to_the_world::IngressOpenToTheWorld,
    data_resource_not_retained::DataResourceNotRetained,
    template_unreadable::TemplateUnreadable,
    suppression_matches_nothing::SuppressionMatchesNothing,
    suppression_malformed::SuppressionMalformed,
}

pub use cis_monitoring_filter_missing::{CisControl, CIS_CONTROLS};
pub use policy_allows_data_action_on_any_resource::UNSCOPED_ACTIONS;
pub(crate) use template_unreadable::{duplicated_key, line_of as parser_line};

/// What every rule file uses.
mod prelude {
    pub use crate::codes;
    pub use crate::context::{same, Context};
    pub use crate::rule::{Hit, Meta, Rule};
    pub use crate::template::Res;
    pub use crate::value::{is_false, is_set, is_true, items, number, ref_id, show, text};
    pub use dap_model::semantics;
    pub use dap_model::{PolicyKind, PrincipalPattern, Statement};
    pub use serde_json::Value;
}

/// Every rule, in code order.
pub fn all() -> &'static [&'static dyn Rule] {
    ALL
}

/// The rule with this code.
pub fn by_code(code: &str) -> Option<&'static dyn Rule> {
    ALL.iter().copied().find(|r| r.meta().code == code)
}

/// The launch template an instance is launched from, when it is in the checked templates.
fn launch_template<'s>(
    cx: &'s crate::context::Context<'s>,
    instance: &crate::template::Res<'s>,
) -> Option<crate::template::Res<'s>> {
    let lt = instance.prop("LaunchTemplate");
    let by_id = cx
        .resolve(instance, &lt["LaunchTemplateId"])
        .filter(|r| r.ty() == "AWS::EC2::LaunchTemplate");
    by_id.or_else(|| {
        let name = lt["LaunchTemplateName"].as_str()?;
        cx.of_type("AWS::EC2::LaunchTemplate")
            .find(|r| r.prop("LaunchTemplateName").as_str() == Some(name))
    })
}
