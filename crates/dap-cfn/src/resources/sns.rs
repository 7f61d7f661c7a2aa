//! `AWS::SNS::*`.

use serde::Serialize;

use super::Tag;
use crate::policy::PolicyDocument;
use crate::Value;

/// `AWS::SNS::Topic`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Topic {
    pub topic_name: String,
    pub display_name: String,
    pub kms_master_key_id: Value<String>,
    pub tags: Vec<Tag>,
}

/// `AWS::SNS::Subscription`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Subscription {
    pub topic_arn: Value<String>,
    pub protocol: String,
    pub endpoint: String,
}

/// `AWS::SNS::TopicPolicy`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TopicPolicy {
    pub topics: Vec<Value<String>>,
    pub policy_document: PolicyDocument,
}
