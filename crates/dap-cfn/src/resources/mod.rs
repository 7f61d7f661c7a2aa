//! Typed properties for every CloudFormation resource type the planner emits.
//!
//! One module per AWS service. Every struct serializes to exactly the `Properties` block
//! CloudFormation expects (PascalCase keys, absent options omitted).

pub mod athena;
pub mod budgets;
pub mod cloudtrail;
pub mod cloudwatch;
pub mod ec2;
pub mod events;
pub mod glue;
pub mod iam;
pub mod kms;
pub mod logs;
pub mod s3;
pub mod sns;
pub mod ssm;

use serde::{Serialize, Serializer};

/// A resource tag.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    /// Tag key.
    pub key: String,
    /// Tag value.
    pub value: String,
}

/// Build a tag list from key/value pairs, keeping their order.
pub fn tags<'a>(pairs: impl IntoIterator<Item = (&'a String, &'a String)>) -> Vec<Tag> {
    pairs
        .into_iter()
        .map(|(k, v)| Tag {
            key: k.clone(),
            value: v.clone(),
        })
        .collect()
}

macro_rules! properties {
    ($($variant:ident($path:path) => $type_name:literal,)*) => {
        /// The typed properties of any resource the planner emits.
        #[derive(Clone, Debug, PartialEq)]
        #[allow(missing_docs)]
        pub enum Properties {
            $($variant($path),)*
        }

        impl Properties {
            /// The CloudFormation type name.
            pub fn type_name(&self) -> &'static str {
                match self {
                    $(Properties::$variant(_) => $type_name,)*
                }
            }
        }

        impl Serialize for Properties {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self {
                    $(Properties::$variant(p) => p.serialize(s),)*
                }
            }
        }

        $(
            impl From<$path> for Properties {
                fn from(p: $path) -> Self {
                    Properties::$variant(p)
                }
            }

            impl crate::Resource for $path {
                const TYPE: &'static str = $type_name;
            }
        )*

        /// Every resource type name the planner can emit.
        pub const RESOURCE_TYPES: &[&str] = &[$($type_name,)*];
    };
}

properties! {
    AthenaNamedQuery(athena::NamedQuery) => "AWS::Athena::NamedQuery",
    AthenaWorkGroup(athena::WorkGroup) => "AWS::Athena::WorkGroup",
    Budget(budgets::Budget) => "AWS::Budgets::Budget",
    Trail(cloudtrail::Trail) => "AWS::CloudTrail::Trail",
    Alarm(cloudwatch::Alarm) => "AWS::CloudWatch::Alarm",
    Dashboard(cloudwatch::Dashboard) => "AWS::CloudWatch::Dashboard",
    Instance(ec2::Instance) => "AWS::EC2::Instance",
    LaunchTemplate(ec2::LaunchTemplate) => "AWS::EC2::LaunchTemplate",
    SecurityGroup(ec2::SecurityGroup) => "AWS::EC2::SecurityGroup",
    EventRule(events::Rule) => "AWS::Events::Rule",
    GlueCrawler(glue::Crawler) => "AWS::Glue::Crawler",
    GlueDataQualityRuleset(glue::DataQualityRuleset) => "AWS::Glue::DataQualityRuleset",
    GlueDatabase(glue::Database) => "AWS::Glue::Database",
    GlueJob(glue::Job) => "AWS::Glue::Job",
    GlueSecurityConfiguration(glue::SecurityConfiguration) => "AWS::Glue::SecurityConfiguration",
    GlueTable(glue::Table) => "AWS::Glue::Table",
    GlueTrigger(glue::Trigger) => "AWS::Glue::Trigger",
    InstanceProfile(iam::InstanceProfile) => "AWS::IAM::InstanceProfile",
    ManagedPolicy(iam::ManagedPolicy) => "AWS::IAM::ManagedPolicy",
    Role(iam::Role) => "AWS::IAM::Role",
    KmsAlias(kms::Alias) => "AWS::KMS::Alias",
    KmsKey(kms::Key) => "AWS::KMS::Key",
    LogGroup(logs::LogGroup) => "AWS::Logs::LogGroup",
    MetricFilter(logs::MetricFilter) => "AWS::Logs::MetricFilter",
    Bucket(s3::Bucket) => "AWS::S3::Bucket",
    BucketPolicy(s3::BucketPolicy) => "AWS::S3::BucketPolicy",
    Subscription(sns::Subscription) => "AWS::SNS::Subscription",
    Topic(sns::Topic) => "AWS::SNS::Topic",
    TopicPolicy(sns::TopicPolicy) => "AWS::SNS::TopicPolicy",
    SsmParameter(ssm::Parameter) => "AWS::SSM::Parameter",
}
