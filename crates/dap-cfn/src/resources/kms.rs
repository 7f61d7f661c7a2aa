//! `AWS::KMS::*`.

use serde::Serialize;

use super::Tag;
use crate::policy::PolicyDocument;
use crate::Value;

/// `AWS::KMS::Key`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Key {
    pub description: String,
    pub enable_key_rotation: bool,
    pub pending_window_in_days: u32,
    pub key_policy: PolicyDocument,
    /// Left empty by the planner: the stack's tags propagate to the key (moto cannot read
    /// resource-level key tags; see ARCHITECTURE.md, "moto gaps").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// `AWS::KMS::Alias`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Alias {
    pub alias_name: String,
    pub target_key_id: Value<String>,
}
