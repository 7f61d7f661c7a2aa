//! The rules, one file each. Every rule type's doc comment is its documentation: rustdoc here,
//! `docs/rules/<code>.md` in the repository.

mod alarm_without_action;
mod aws_managed_policy_attached;
mod bucket_access_not_logged;
mod bucket_acls_enabled;
mod bucket_allows_insecure_transport;
mod bucket_keeps_noncurrent_versions_forever;
mod bucket_not_encrypted_with_customer_key;
mod bucket_public_access_not_blocked;
mod bucket_versioning_not_enabled;
mod cis_monitoring_filter_missing;
mod data_resource_not_retained;
mod glue_job_on_unsupported_version;
mod glue_without_security_configuration;
mod iam_user_declared;
mod ingress_open_to_the_world;
mod instance_may_get_public_ip;
mod instance_metadata_v1_allowed;
mod key_deletion_window_short;
mod key_policy_allows_public_principal;
mod key_policy_grants_kms_wildcard;
mod key_policy_misses_service_grant;
mod key_rotation_disabled;
mod landing_objects_never_expire;
mod log_group_not_encrypted;
mod log_group_without_retention;
mod pass_role_not_scoped;
mod policy_allows_data_action_on_any_resource;
mod policy_allows_wildcard_action;
mod security_configuration_not_encrypting;
mod suppression_malformed;
mod suppression_matches_nothing;
mod topic_allows_insecure_transport;
mod topic_not_encrypted_with_customer_key;
mod trail_log_file_validation_disabled;
mod trail_misses_events;
mod trail_not_encrypted_with_kms;
mod trail_not_logging;
mod trail_not_multi_region;
mod trail_not_sent_to_cloudwatch_logs;
mod user_has_inline_policy;
mod volume_not_encrypted;
mod workgroup_configuration_not_enforced;
mod workgroup_metrics_disabled;
mod workgroup_results_not_encrypted;
mod workgroup_without_scan_cutoff;

pub use alarm_without_action::AlarmWithoutAction;
pub use aws_managed_policy_attached::AwsManagedPolicyAttached;
pub use bucket_access_not_logged::BucketAccessNotLogged;
pub use bucket_acls_enabled::BucketAclsEnabled;
pub use bucket_allows_insecure_transport::BucketAllowsInsecureTransport;
pub use bucket_keeps_noncurrent_versions_forever::BucketKeepsNoncurrentVersionsForever;
pub use bucket_not_encrypted_with_customer_key::BucketNotEncryptedWithCustomerKey;
pub use bucket_public_access_not_blocked::BucketPublicAccessNotBlocked;
pub use bucket_versioning_not_enabled::BucketVersioningNotEnabled;
pub use cis_monitoring_filter_missing::{CisControl, CisMonitoringFilterMissing, CIS_CONTROLS};
pub use data_resource_not_retained::{DataResourceNotRetained, DATA_BEARING};
pub use glue_job_on_unsupported_version::GlueJobOnUnsupportedVersion;
pub use glue_without_security_configuration::GlueWithoutSecurityConfiguration;
pub use iam_user_declared::IamUserDeclared;
pub use ingress_open_to_the_world::IngressOpenToTheWorld;
pub use instance_may_get_public_ip::InstanceMayGetPublicIp;
pub use instance_metadata_v1_allowed::InstanceMetadataV1Allowed;
pub use key_deletion_window_short::KeyDeletionWindowShort;
pub use key_policy_allows_public_principal::KeyPolicyAllowsPublicPrincipal;
pub use key_policy_grants_kms_wildcard::KeyPolicyGrantsKmsWildcard;
pub use key_policy_misses_service_grant::KeyPolicyMissesServiceGrant;
pub use key_rotation_disabled::KeyRotationDisabled;
pub use landing_objects_never_expire::LandingObjectsNeverExpire;
pub use log_group_not_encrypted::LogGroupNotEncrypted;
pub use log_group_without_retention::LogGroupWithoutRetention;
pub use pass_role_not_scoped::PassRoleNotScoped;
pub use policy_allows_data_action_on_any_resource::{
    PolicyAllowsDataActionOnAnyResource, UNSCOPED_ACTIONS,
};
pub use policy_allows_wildcard_action::PolicyAllowsWildcardAction;
pub use security_configuration_not_encrypting::SecurityConfigurationNotEncrypting;
pub use suppression_malformed::SuppressionMalformed;
pub use suppression_matches_nothing::SuppressionMatchesNothing;
pub use topic_allows_insecure_transport::TopicAllowsInsecureTransport;
pub use topic_not_encrypted_with_customer_key::TopicNotEncryptedWithCustomerKey;
pub use trail_log_file_validation_disabled::TrailLogFileValidationDisabled;
pub use trail_misses_events::TrailMissesEvents;
pub use trail_not_encrypted_with_kms::TrailNotEncryptedWithKms;
pub use trail_not_logging::TrailNotLogging;
pub use trail_not_multi_region::TrailNotMultiRegion;
pub use trail_not_sent_to_cloudwatch_logs::TrailNotSentToCloudwatchLogs;
pub use user_has_inline_policy::UserHasInlinePolicy;
pub use volume_not_encrypted::VolumeNotEncrypted;
pub use workgroup_configuration_not_enforced::WorkgroupConfigurationNotEnforced;
pub use workgroup_metrics_disabled::WorkgroupMetricsDisabled;
pub use workgroup_results_not_encrypted::WorkgroupResultsNotEncrypted;
pub use workgroup_without_scan_cutoff::WorkgroupWithoutScanCutoff;

use crate::Rule;

/// What every rule file uses.
mod prelude {
    pub use crate::codes;
    pub use crate::context::{same, Context};
    pub use crate::policy::{documents, statements, Kind};
    pub use crate::rule::{Hit, Meta, Rule};
    pub use crate::template::Res;
    pub use crate::value::{is_false, is_set, is_true, items, number, ref_id, show, text};
    pub use serde_json::Value;
}

/// Every rule, in code order.
pub static ALL: &[&dyn Rule] = &[
    &BucketPublicAccessNotBlocked,
    &BucketNotEncryptedWithCustomerKey,
    &BucketAllowsInsecureTransport,
    &BucketVersioningNotEnabled,
    &BucketKeepsNoncurrentVersionsForever,
    &LandingObjectsNeverExpire,
    &BucketAccessNotLogged,
    &BucketAclsEnabled,
    &KeyRotationDisabled,
    &KeyPolicyAllowsPublicPrincipal,
    &KeyPolicyGrantsKmsWildcard,
    &KeyPolicyMissesServiceGrant,
    &KeyDeletionWindowShort,
    &PolicyAllowsWildcardAction,
    &PolicyAllowsDataActionOnAnyResource,
    &PassRoleNotScoped,
    &AwsManagedPolicyAttached,
    &IamUserDeclared,
    &UserHasInlinePolicy,
    &TrailNotMultiRegion,
    &TrailLogFileValidationDisabled,
    &TrailNotEncryptedWithKms,
    &TrailNotSentToCloudwatchLogs,
    &TrailMissesEvents,
    &TrailNotLogging,
    &LogGroupNotEncrypted,
    &LogGroupWithoutRetention,
    &AlarmWithoutAction,
    &CisMonitoringFilterMissing,
    &TopicNotEncryptedWithCustomerKey,
    &TopicAllowsInsecureTransport,
    &GlueWithoutSecurityConfiguration,
    &SecurityConfigurationNotEncrypting,
    &GlueJobOnUnsupportedVersion,
    &WorkgroupConfigurationNotEnforced,
    &WorkgroupResultsNotEncrypted,
    &WorkgroupWithoutScanCutoff,
    &WorkgroupMetricsDisabled,
    &InstanceMetadataV1Allowed,
    &VolumeNotEncrypted,
    &InstanceMayGetPublicIp,
    &IngressOpenToTheWorld,
    &DataResourceNotRetained,
    &SuppressionMatchesNothing,
    &SuppressionMalformed,
];

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
