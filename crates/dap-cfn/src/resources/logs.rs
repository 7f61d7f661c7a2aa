//! `AWS::Logs::*`.

use serde::Serialize;

use super::Tag;
use crate::Value;

/// `AWS::Logs::LogGroup`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LogGroup {
    pub log_group_name: String,
    pub kms_key_id: Value<String>,
    pub retention_in_days: u32,
    pub tags: Vec<Tag>,
}

/// `AWS::Logs::MetricFilter`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricFilter {
    pub filter_name: String,
    pub log_group_name: Value<String>,
    pub filter_pattern: String,
    pub metric_transformations: Vec<MetricTransformation>,
}

/// The metric a filter publishes.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricTransformation {
    pub metric_name: String,
    pub metric_namespace: String,
    pub metric_value: String,
}
