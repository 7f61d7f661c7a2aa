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
    pub tags: IndexMap<String, String>,
}
