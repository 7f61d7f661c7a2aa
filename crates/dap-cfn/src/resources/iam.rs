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
    /// The customer-managed policies attached to the role (a `Ref` to each). Attaching
    /// from the role, not from the policy's `Roles`, lets moto delete the stack (see
    /// ARCHITECTURE.md, "moto gaps").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub managed_policy_arns: Vec<Value<String>>,
    pub tags: Vec<Tag>,
}

/// `AWS::IAM::ManagedPolicy` (customer-managed). The planner attaches policies through the
/// role's `ManagedPolicyArns` and leaves `roles` empty.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ManagedPolicy {
    pub managed_policy_name: String,
    pub description: String,
    pub policy_document: PolicyDocument,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Value<String>>,
}

/// `AWS::IAM::InstanceProfile`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceProfile {
    pub instance_profile_name: String,
    pub roles: Vec<Value<String>>,
}
