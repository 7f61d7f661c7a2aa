//! IAM policy documents (identity, bucket, key and topic policies).

use std::collections::BTreeMap;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::Value;

/// A policy document, always version `2012-10-17`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyDocument {
    /// The policy language version.
    pub version: &'static str,
    /// The statements, in order.
    pub statement: Vec<Statement>,
}

impl PolicyDocument {
    /// A document with these statements.
    pub fn new(statement: Vec<Statement>) -> Self {
        PolicyDocument {
            version: "2012-10-17",
            statement,
        }
    }
}

/// Allow or Deny.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Effect {
    /// Grants.
    Allow,
    /// Refuses, whatever else grants.
    Deny,
}

/// Who a resource policy statement applies to.
#[derive(Clone, Debug, PartialEq)]
pub enum Principal {
    /// `"*"`: anyone (only ever used with `Deny`).
    Any,
    /// AWS principals (account roots, roles).
    Aws(Vec<Value<String>>),
    /// Service principals, for example `logs.amazonaws.com`.
    Service(Vec<Value<String>>),
}

impl Serialize for Principal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Principal::Any => s.serialize_str("*"),
            Principal::Aws(list) => {
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry("AWS", list)?;
                map.end()
            }
            Principal::Service(list) => {
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry("Service", list)?;
                map.end()
            }
        }
    }
}

/// Condition operator → condition key → values. Sorted, so output is stable.
pub type Condition = BTreeMap<String, BTreeMap<String, Vec<Value<String>>>>;

/// One statement.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Statement {
    /// A statement id, unique within the document.
    pub sid: String,
    /// Allow or Deny.
    pub effect: Effect,
    /// Who (resource policies only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<Principal>,
    /// The actions.
    pub action: Vec<String>,
    /// The resources (empty in trust policies, where the element is left out).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource: Vec<Value<String>>,
    /// Conditions.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub condition: Condition,
}

impl Statement {
    /// An `Allow` statement for these actions on these resources.
    pub fn allow(sid: &str, action: &[&str], resource: Vec<Value<String>>) -> Self {
        Statement {
            sid: sid.to_owned(),
            effect: Effect::Allow,
            principal: None,
            action: action.iter().map(|a| (*a).to_owned()).collect(),
            resource,
            condition: Condition::new(),
        }
    }

    /// A `Deny` statement for these actions on these resources.
    pub fn deny(sid: &str, action: &[&str], resource: Vec<Value<String>>) -> Self {
        Statement {
            effect: Effect::Deny,
            ..Statement::allow(sid, action, resource)
        }
    }

    /// Set the principal.
    pub fn principal(mut self, principal: Principal) -> Self {
        self.principal = Some(principal);
        self
    }

    /// Add a condition `operator: {key: values}`.
    pub fn when(mut self, operator: &str, key: &str, values: Vec<Value<String>>) -> Self {
        self.condition
            .entry(operator.to_owned())
            .or_default()
            .insert(key.to_owned(), values);
        self
    }
}
