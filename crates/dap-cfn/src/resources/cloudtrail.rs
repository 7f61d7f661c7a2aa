//! `AWS::CloudTrail::Trail`.

use serde::Serialize;

use super::Tag;
use crate::Value;

/// `AWS::CloudTrail::Trail`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Trail {
    pub trail_name: String,
    pub is_logging: bool,
    pub is_multi_region_trail: bool,
    pub include_global_service_events: bool,
    pub enable_log_file_validation: bool,
    pub s3_bucket_name: Value<String>,
    #[serde(rename = "KMSKeyId")]
    pub kms_key_id: Value<String>,
    pub cloud_watch_logs_log_group_arn: Value<String>,
    pub cloud_watch_logs_role_arn: Value<String>,
    pub event_selectors: Vec<EventSelector>,
    pub tags: Vec<Tag>,
}

/// Which events the trail records.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EventSelector {
    pub read_write_type: String,
    pub include_management_events: bool,
    pub data_resources: Vec<DataResource>,
}

/// Data events for a resource type.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DataResource {
    #[serde(rename = "Type")]
    pub kind: String,
    pub values: Vec<Value<String>>,
}
