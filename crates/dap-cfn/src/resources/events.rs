//! `AWS::Events::Rule`.

use serde::Serialize;

use crate::Value;

/// `AWS::Events::Rule`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Rule {
    pub name: String,
    pub description: String,
    pub state: String,
    pub event_pattern: serde_json::Value,
    pub targets: Vec<Target>,
}

/// Where matching events go.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Target {
    pub id: String,
    pub arn: Value<String>,
}
