//! `AWS::Athena::*`.

use serde::Serialize;

use super::Tag;
use crate::Value;

/// `AWS::Athena::WorkGroup`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct WorkGroup {
    pub name: String,
    pub description: String,
    pub state: String,
    pub work_group_configuration: WorkGroupConfiguration,
    pub tags: Vec<Tag>,
}

/// The enforced configuration.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct WorkGroupConfiguration {
    pub enforce_work_group_configuration: bool,
    pub publish_cloud_watch_metrics_enabled: bool,
    pub bytes_scanned_cutoff_per_query: u64,
    pub engine_version: EngineVersion,
    pub result_configuration: ResultConfiguration,
}

/// The engine.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EngineVersion {
    pub selected_engine_version: String,
}

/// Where results go and how they are encrypted.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResultConfiguration {
    pub output_location: Value<String>,
    pub encryption_configuration: ResultEncryption,
}

/// Result encryption.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResultEncryption {
    pub encryption_option: String,
    pub kms_key: Value<String>,
}

/// `AWS::Athena::NamedQuery`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NamedQuery {
    pub name: String,
    pub description: String,
    pub database: Value<String>,
    pub work_group: Value<String>,
    pub query_string: String,
}
