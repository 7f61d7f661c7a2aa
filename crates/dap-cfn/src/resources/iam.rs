//! `AWS::IAM::*`.

use serde::Serialize;

use super::Tag;
use crate::policy::PolicyDocument;
use crate::Value;

/// `AWS::IAM::Role`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Role {
    pub role_name: String,
    pub description: String,
    pub assume_role_policy_document: PolicyDocument,
    pub max_session_duration: u32,
    pub tags: Vec<Tag>,
}

/// `AWS::IAM::ManagedPolicy` (customer-managed), attached to roles by name.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ManagedPolicy {
    pub managed_policy_name: String,
    pub description: String,
    pub policy_document: PolicyDocument,
    pub roles: Vec<Value<String>>,
}

/// `AWS::IAM::InstanceProfile`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceProfile {
    pub instance_profile_name: String,
    pub roles: Vec<Value<String>>,
}
