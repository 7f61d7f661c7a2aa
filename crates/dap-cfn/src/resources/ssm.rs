//! `AWS::SSM::Parameter`.

use indexmap::IndexMap;
use serde::Serialize;

use crate::Value;

/// `AWS::SSM::Parameter`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Parameter {
    pub name: String,
    pub description: String,
    #[serde(rename = "Type")]
    pub kind: String,
    pub value: Value<String>,
    /// Left empty by the planner: the stack's tags propagate to the parameter (moto cannot
    /// read a tag map here; see ARCHITECTURE.md, "moto gaps").
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub tags: IndexMap<String, String>,
}
