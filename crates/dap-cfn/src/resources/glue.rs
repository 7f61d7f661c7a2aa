//! `AWS::Glue::*`.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde::Serialize;

use crate::Value;

/// `AWS::Glue::Database`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Database {
    pub catalog_id: Value<String>,
    pub database_input: DatabaseInput,
}

/// The database definition.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DatabaseInput {
    pub name: String,
    pub description: String,
}

/// `AWS::Glue::Table`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Table {
    pub catalog_id: Value<String>,
    pub database_name: Value<String>,
    pub table_input: TableInput,
}

/// The table definition.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TableInput {
    pub name: String,
    pub description: String,
    pub table_type: String,
    pub parameters: BTreeMap<String, String>,
    pub partition_keys: Vec<Column>,
    pub storage_descriptor: StorageDescriptor,
}

/// A column.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Column {
    pub name: String,
    #[serde(rename = "Type")]
    pub kind: String,
    pub comment: String,
}

/// Where and how the table's data is stored.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StorageDescriptor {
    pub columns: Vec<Column>,
    pub location: Value<String>,
    pub input_format: String,
    pub output_format: String,
    pub compressed: bool,
    pub serde_info: SerdeInfo,
}

/// Serialization library.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SerdeInfo {
    pub serialization_library: String,
    pub parameters: BTreeMap<String, String>,
}

/// `AWS::Glue::SecurityConfiguration`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityConfiguration {
    pub name: String,
    pub encryption_configuration: EncryptionConfiguration,
}

/// What a security configuration encrypts, and with which key.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EncryptionConfiguration {
    pub s3_encryptions: Vec<S3Encryption>,
    pub cloud_watch_encryption: CloudWatchEncryption,
    pub job_bookmarks_encryption: JobBookmarksEncryption,
}

/// S3 output encryption.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct S3Encryption {
    pub s3_encryption_mode: String,
    pub kms_key_arn: Value<String>,
}

/// CloudWatch Logs encryption.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CloudWatchEncryption {
    pub cloud_watch_encryption_mode: String,
    pub kms_key_arn: Value<String>,
}

/// Job bookmark encryption.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct JobBookmarksEncryption {
    pub job_bookmarks_encryption_mode: String,
    pub kms_key_arn: Value<String>,
}

/// `AWS::Glue::Crawler`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Crawler {
    pub name: String,
    pub description: String,
    pub role: Value<String>,
    pub database_name: Value<String>,
    pub targets: CrawlerTargets,
    pub crawler_security_configuration: Value<String>,
    pub schema_change_policy: SchemaChangePolicy,
    pub configuration: String,
    pub tags: IndexMap<String, String>,
}

/// What a crawler reads.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CrawlerTargets {
    pub catalog_targets: Vec<CatalogTarget>,
}

/// Existing catalog tables a crawler updates (partitions only; the schema is ours).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CatalogTarget {
    pub database_name: Value<String>,
    pub tables: Vec<String>,
}

/// What a crawler may change.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SchemaChangePolicy {
    pub update_behavior: String,
    pub delete_behavior: String,
}

/// `AWS::Glue::Job`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Job {
    pub name: String,
    pub description: String,
    pub role: Value<String>,
    pub command: JobCommand,
    pub default_arguments: IndexMap<String, Value<String>>,
    pub glue_version: String,
    pub worker_type: String,
    pub number_of_workers: u32,
    pub timeout: u32,
    pub max_retries: u32,
    pub security_configuration: Value<String>,
    pub execution_property: ExecutionProperty,
    pub tags: IndexMap<String, String>,
}

/// The job's script.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct JobCommand {
    pub name: String,
    pub script_location: Value<String>,
    pub python_version: String,
}

/// Concurrency.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ExecutionProperty {
    pub max_concurrent_runs: u32,
}

/// `AWS::Glue::Trigger`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Trigger {
    pub name: String,
    pub description: String,
    #[serde(rename = "Type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    pub start_on_creation: bool,
    pub actions: Vec<TriggerAction>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predicate: Option<Predicate>,
    pub tags: IndexMap<String, String>,
}

/// What a trigger starts.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TriggerAction {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_name: Option<Value<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crawler_name: Option<Value<String>>,
}

/// When a conditional trigger fires.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Predicate {
    pub logical: String,
    pub conditions: Vec<TriggerCondition>,
}

/// One condition.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TriggerCondition {
    pub logical_operator: String,
    pub job_name: Value<String>,
    pub state: String,
}

/// `AWS::Glue::DataQualityRuleset`: DQDL rules on a catalog table.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DataQualityRuleset {
    pub name: String,
    pub description: String,
    /// The rules, in the Data Quality Definition Language (`Rules = [ ... ]`).
    pub ruleset: String,
    pub target_table: DataQualityTargetTable,
    pub tags: IndexMap<String, String>,
}

/// The table a ruleset is about.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DataQualityTargetTable {
    pub database_name: Value<String>,
    pub table_name: String,
}
