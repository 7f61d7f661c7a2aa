//! What every crate needs to know about a CloudFormation resource type, declared once: whether
//! it holds data (replacing or removing it loses or orphans that data) and where its policy
//! documents sit.
//!
//! The planner's own types are all here (a test keeps [`crate::resources::RESOURCE_TYPES`] and
//! this table in step), and so are the types a hand-written template may use to open the
//! platform's data: IAM users, groups and inline policies, SQS queue policies, the usual data
//! stores. The rules, the reports, the data-loss guard and the security diff all read this
//! table; none keeps a list of its own.
//!
//! ```
//! use dap_cfn::facts::{self, PolicyKind};
//!
//! assert!(facts::is_data_bearing("AWS::S3::Bucket"));
//! let role = facts::of("AWS::IAM::Role").unwrap();
//! assert_eq!(role.policies[0].kind, PolicyKind::Trust);
//! ```

/// What a policy document governs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PolicyKind {
    /// What a role, user or group may do (managed, inline and attached policies).
    Identity,
    /// Who may assume a role.
    Trust,
    /// An S3 bucket policy.
    Bucket,
    /// A KMS key policy.
    Key,
    /// An SNS topic policy.
    Topic,
    /// An SQS queue policy.
    Queue,
}

impl PolicyKind {
    /// How reports name the kind.
    pub fn label(self) -> &'static str {
        match self {
            PolicyKind::Identity => "identity policy",
            PolicyKind::Trust => "trust policy",
            PolicyKind::Bucket => "bucket policy",
            PolicyKind::Key => "key policy",
            PolicyKind::Topic => "topic policy",
            PolicyKind::Queue => "queue policy",
        }
    }

    /// Whether the document is a resource-based policy (it names principals and governs a
    /// resource): bucket, key, topic and queue policies.
    pub fn is_resource_policy(self) -> bool {
        matches!(
            self,
            PolicyKind::Bucket | PolicyKind::Key | PolicyKind::Topic | PolicyKind::Queue
        )
    }
}

/// Where a resource keeps one kind of policy document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PolicyPlace {
    /// The kind of document.
    pub kind: PolicyKind,
    /// The property holding the document (`PolicyDocument`, `KeyPolicy`), or, with `list`,
    /// the property of each list item that holds it.
    pub property: &'static str,
    /// For documents kept in a list of items (`Policies` of a role): the list property.
    pub list: Option<&'static str>,
    /// The property naming what the document is attached to or governs (`Roles`, `Bucket`,
    /// `Topics`, `Queues`), when it is not the resource itself.
    pub target: Option<&'static str>,
}

/// The facts of one resource type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TypeFacts {
    /// The CloudFormation type name.
    pub type_name: &'static str,
    /// Whether replacing or removing a resource of this type loses (or orphans) data: the
    /// data-loss guard blocks it, stack policies deny it, and the resource must be retained.
    pub data_bearing: bool,
    /// Whether a resource of this type must carry `DeletionPolicy: Retain` and
    /// `UpdateReplacePolicy: Retain` (a data-bearing type whose deletion loses data; an alias
    /// is guarded but holds nothing to retain).
    pub retained: bool,
    /// Where its policy documents are.
    pub policies: &'static [PolicyPlace],
}

const fn doc(
    kind: PolicyKind,
    property: &'static str,
    target: Option<&'static str>,
) -> PolicyPlace {
    PolicyPlace {
        kind,
        property,
        list: None,
        target,
    }
}

const INLINE: PolicyPlace = PolicyPlace {
    kind: PolicyKind::Identity,
    property: "PolicyDocument",
    list: Some("Policies"),
    target: None,
};

const fn plain(type_name: &'static str) -> TypeFacts {
    TypeFacts {
        type_name,
        data_bearing: false,
        retained: false,
        policies: &[],
    }
}

const fn data(type_name: &'static str) -> TypeFacts {
    TypeFacts {
        type_name,
        data_bearing: true,
        retained: true,
        policies: &[],
    }
}

/// Every known type, sorted by name.
pub const TYPES: &[TypeFacts] = &[
    plain("AWS::Athena::NamedQuery"),
    plain("AWS::Athena::WorkGroup"),
    plain("AWS::Budgets::Budget"),
    data("AWS::CloudTrail::Trail"),
    plain("AWS::CloudWatch::Alarm"),
    plain("AWS::CloudWatch::Dashboard"),
    data("AWS::DynamoDB::Table"),
    plain("AWS::EC2::Instance"),
    plain("AWS::EC2::LaunchTemplate"),
    plain("AWS::EC2::SecurityGroup"),
    plain("AWS::EC2::SecurityGroupIngress"),
    data("AWS::EFS::FileSystem"),
    plain("AWS::Events::Rule"),
    plain("AWS::Glue::Crawler"),
    plain("AWS::Glue::DataQualityRuleset"),
    data("AWS::Glue::Database"),
    plain("AWS::Glue::Job"),
    plain("AWS::Glue::SecurityConfiguration"),
    data("AWS::Glue::Table"),
    plain("AWS::Glue::Trigger"),
    TypeFacts {
        type_name: "AWS::IAM::Group",
        data_bearing: false,
        retained: false,
        policies: &[INLINE],
    },
    TypeFacts {
        type_name: "AWS::IAM::GroupPolicy",
        data_bearing: false,
        retained: false,
        policies: &[doc(
            PolicyKind::Identity,
            "PolicyDocument",
            Some("GroupName"),
        )],
    },
    plain("AWS::IAM::InstanceProfile"),
    TypeFacts {
        type_name: "AWS::IAM::ManagedPolicy",
        data_bearing: false,
        retained: false,
        policies: &[doc(PolicyKind::Identity, "PolicyDocument", Some("Roles"))],
    },
    TypeFacts {
        type_name: "AWS::IAM::Policy",
        data_bearing: false,
        retained: false,
        policies: &[doc(PolicyKind::Identity, "PolicyDocument", Some("Roles"))],
    },
    TypeFacts {
        type_name: "AWS::IAM::Role",
        data_bearing: false,
        retained: false,
        policies: &[
            doc(PolicyKind::Trust, "AssumeRolePolicyDocument", None),
            INLINE,
        ],
    },
    TypeFacts {
        type_name: "AWS::IAM::RolePolicy",
        data_bearing: false,
        retained: false,
        policies: &[doc(
            PolicyKind::Identity,
            "PolicyDocument",
            Some("RoleName"),
        )],
    },
    TypeFacts {
        type_name: "AWS::IAM::User",
        data_bearing: false,
        retained: false,
        policies: &[INLINE],
    },
    TypeFacts {
        type_name: "AWS::IAM::UserPolicy",
        data_bearing: false,
        retained: false,
        policies: &[doc(
            PolicyKind::Identity,
            "PolicyDocument",
            Some("UserName"),
        )],
    },
    TypeFacts {
        type_name: "AWS::KMS::Alias",
        data_bearing: true,
        retained: false,
        policies: &[],
    },
    TypeFacts {
        type_name: "AWS::KMS::Key",
        data_bearing: true,
        retained: true,
        policies: &[doc(PolicyKind::Key, "KeyPolicy", None)],
    },
    data("AWS::Logs::LogGroup"),
    plain("AWS::Logs::MetricFilter"),
    data("AWS::RDS::DBCluster"),
    data("AWS::RDS::DBInstance"),
    data("AWS::S3::Bucket"),
    TypeFacts {
        type_name: "AWS::S3::BucketPolicy",
        data_bearing: false,
        retained: false,
        policies: &[doc(PolicyKind::Bucket, "PolicyDocument", Some("Bucket"))],
    },
    plain("AWS::SNS::Subscription"),
    plain("AWS::SNS::Topic"),
    TypeFacts {
        type_name: "AWS::SNS::TopicPolicy",
        data_bearing: false,
        retained: false,
        policies: &[doc(PolicyKind::Topic, "PolicyDocument", Some("Topics"))],
    },
    data("AWS::SQS::Queue"),
    TypeFacts {
        type_name: "AWS::SQS::QueuePolicy",
        data_bearing: false,
        retained: false,
        policies: &[doc(PolicyKind::Queue, "PolicyDocument", Some("Queues"))],
    },
    plain("AWS::SSM::Parameter"),
];

/// The facts of a type, when it is known.
pub fn of(type_name: &str) -> Option<&'static TypeFacts> {
    TYPES
        .binary_search_by(|t| t.type_name.cmp(type_name))
        .ok()
        .map(|i| &TYPES[i])
}

/// Whether a resource type holds data.
pub fn is_data_bearing(type_name: &str) -> bool {
    of(type_name).is_some_and(|t| t.data_bearing)
}

/// Whether a resource of this type must be retained ([`TypeFacts::retained`]).
pub fn must_retain(type_name: &str) -> bool {
    of(type_name).is_some_and(|t| t.retained)
}

/// The create-only property paths of a type (`BucketName`, `TableInput.Name`): changing one
/// replaces the resource. They come from the CloudFormation resource provider schemas bundled
/// with cfn-lint (`data/create_only.json`, written by `scripts/gen-provider-data.py` and checked
/// for staleness in CI); `None` for a type the file does not know.
pub fn create_only(type_name: &str) -> Option<&'static [String]> {
    create_only_table().get(type_name).map(Vec::as_slice)
}

/// Every type the create-only data knows.
pub fn create_only_types() -> impl Iterator<Item = &'static str> {
    create_only_table().keys().map(String::as_str)
}

fn create_only_table() -> &'static std::collections::BTreeMap<String, Vec<String>> {
    use std::collections::BTreeMap;
    use std::sync::OnceLock;
    static TABLE: OnceLock<BTreeMap<String, Vec<String>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let doc: serde_json::Value = serde_json::from_str(include_str!("../data/create_only.json"))
            .expect("data/create_only.json is JSON");
        serde_json::from_value(doc["types"].clone())
            .expect("data/create_only.json maps types to lists of paths")
    })
}

/// The IAM actions CloudFormation needs to create, read, update and delete a resource of
/// this type with the caller's credentials (the union of the schema's `handlers.<op>.permissions`,
/// sorted, from `data/handler_permissions.json`, written by `scripts/gen-provider-data.py`);
/// `None` for a type the file does not know.
pub fn handler_permissions(type_name: &str) -> Option<&'static [String]> {
    use std::collections::{BTreeMap, BTreeSet};
    use std::sync::OnceLock;
    static TABLE: OnceLock<BTreeMap<String, Vec<String>>> = OnceLock::new();
    TABLE
        .get_or_init(|| {
            let doc: serde_json::Value =
                serde_json::from_str(include_str!("../data/handler_permissions.json"))
                    .expect("data/handler_permissions.json is JSON");
            let types: BTreeMap<String, BTreeMap<String, Vec<String>>> =
                serde_json::from_value(doc["types"].clone())
                    .expect("data/handler_permissions.json maps types to handlers to actions");
            types
                .into_iter()
                .map(|(t, handlers)| {
                    let all: BTreeSet<String> = handlers.into_values().flatten().collect();
                    (t, all.into_iter().collect())
                })
                .collect()
        })
        .get(type_name)
        .map(Vec::as_slice)
}

/// Every data-bearing type.
pub fn data_bearing() -> impl Iterator<Item = &'static str> {
    TYPES.iter().filter(|t| t.data_bearing).map(|t| t.type_name)
}

/// Where a type keeps its policy documents (empty for types without policies).
pub fn policies(type_name: &str) -> &'static [PolicyPlace] {
    of(type_name).map_or(&[], |t| t.policies)
}

/// Whether a type holds policy documents.
pub fn has_policies(type_name: &str) -> bool {
    !policies(type_name).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::RESOURCE_TYPES;

    #[test]
    fn the_table_is_sorted_and_unique() {
        for w in TYPES.windows(2) {
            assert!(
                w[0].type_name < w[1].type_name,
                "{} must come before {}",
                w[0].type_name,
                w[1].type_name
            );
        }
    }

    #[test]
    fn every_type_the_planner_emits_has_facts() {
        for t in RESOURCE_TYPES {
            assert!(of(t).is_some(), "add `{t}` to dap_cfn::facts::TYPES");
        }
    }

    #[test]
    fn every_emitted_type_has_create_only_data() {
        let known: Vec<&str> = create_only_types().collect();
        for t in RESOURCE_TYPES {
            assert!(known.contains(t), "`{t}`: run scripts/gen-provider-data.py");
        }
        assert!(create_only("AWS::S3::Bucket")
            .unwrap()
            .contains(&"BucketName".to_owned()));
    }

    #[test]
    fn lookups() {
        assert!(must_retain("AWS::S3::Bucket") && !must_retain("AWS::KMS::Alias"));
        assert!(is_data_bearing("AWS::Logs::LogGroup"));
        assert!(!is_data_bearing("AWS::IAM::Role"));
        assert!(!is_data_bearing("AWS::Unknown::Thing"));
        assert_eq!(policies("AWS::IAM::Role").len(), 2);
        assert!(has_policies("AWS::SQS::QueuePolicy"));
        assert!(!has_policies("AWS::S3::Bucket"));
    }
}
