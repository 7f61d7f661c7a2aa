//! What should be live, read from the rendered templates through the shared model.
//!
//! Every value comes from the templates (names, properties, policy statements), resolved the
//! way CloudFormation would (`Ref`, `GetAtt`, `Sub`, the SSM parameters that carry key ARNs);
//! nothing here is written twice. A KMS key is known by its logical id (its ARN exists only
//! once deployed); the live side maps the deployed key's ARN back to that id.

use std::collections::{BTreeMap, BTreeSet};

use dap_model::policy::Policies;
use dap_model::{Model, Pin, PolicyKind, Resolver};
use serde_json::Value;

use super::canonical;

/// A role of the model.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Role {
    /// Its name.
    pub name: String,
    /// Its trust policy's statements, canonical.
    pub trust: Vec<String>,
    /// The managed policies it attaches (ARNs).
    pub managed: BTreeSet<String>,
    /// Its inline policies: name → canonical statements.
    pub inline: BTreeMap<String, Vec<String>>,
    /// Its permissions boundary (ARN).
    pub boundary: Option<String>,
}

/// A customer managed policy of the model.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ManagedPolicy {
    /// Its name.
    pub name: String,
    /// Its ARN.
    pub arn: String,
    /// Its statements, canonical.
    pub statements: Vec<String>,
}

/// A KMS key of the model.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Key {
    /// Its logical id (what the templates call it).
    pub logical_id: String,
    /// The stack that holds it.
    pub stack: String,
    /// Its alias (`alias/dap-prod-data`).
    pub alias: Option<String>,
    /// Whether rotation is on.
    pub rotation: bool,
    /// Its key policy's statements, canonical (the key's own ARN as its stand-in).
    pub policy: Vec<String>,
}

/// The trail of the model.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trail {
    /// Its name.
    pub name: String,
    /// Its bucket.
    pub bucket: String,
    /// Multi-region.
    pub multi_region: bool,
    /// Global service events.
    pub global_events: bool,
    /// Log file validation.
    pub validation: bool,
    /// Logging on.
    pub logging: bool,
    /// Its key (logical id).
    pub key: Option<String>,
    /// Its log group's name.
    pub log_group: Option<String>,
    /// The data resources its event selectors record (`AWS::S3::Object arn:…/`).
    pub data_resources: BTreeSet<String>,
    /// Whether management events are recorded.
    pub management_events: bool,
}

/// A metric filter of the model.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Its name.
    pub name: String,
    /// The log group it reads.
    pub log_group: String,
    /// Its pattern.
    pub pattern: String,
    /// `namespace/metric`.
    pub metric: String,
}

/// An alarm of the model.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Alarm {
    /// Its name.
    pub name: String,
    /// `namespace/metric`.
    pub metric: String,
    /// Its alarm actions (ARNs), sorted.
    pub actions: Vec<String>,
    /// Whether its actions are enabled.
    pub enabled: bool,
}

/// A log group of the model.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogGroup {
    /// Its name.
    pub name: String,
    /// Its retention in days.
    pub retention: Option<i32>,
    /// Its key (logical id).
    pub key: Option<String>,
}

/// A subscription to a topic.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subscription {
    /// The topic's ARN.
    pub topic: String,
    /// `email`, `https`, …
    pub protocol: String,
    /// The address.
    pub endpoint: String,
}

/// A bucket of the model.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bucket {
    /// Its name.
    pub name: String,
    /// Its default encryption: `aws:kms` with a key (logical id), or `AES256`.
    pub sse: Option<String>,
    /// The key of `aws:kms` encryption (logical id).
    pub key: Option<String>,
    /// The public access block's four settings, in the API's order.
    pub public_access: Option<[bool; 4]>,
    /// `Enabled`, `Suspended` or none.
    pub versioning: Option<String>,
    /// Object ownership (`BucketOwnerEnforced`).
    pub ownership: Option<String>,
    /// Its bucket policy's statements, canonical; `None` without a bucket policy.
    pub policy: Option<Vec<String>>,
}

/// Everything the model says should be live.
#[derive(Clone, Debug, Default)]
pub struct Expected {
    /// The account, region and partition.
    pub pin: Option<Pin>,
    /// The roles, by name.
    pub roles: Vec<Role>,
    /// The customer managed policies.
    pub policies: Vec<ManagedPolicy>,
    /// The keys.
    pub keys: Vec<Key>,
    /// The trail.
    pub trail: Option<Trail>,
    /// The metric filters.
    pub filters: Vec<Filter>,
    /// The alarms.
    pub alarms: Vec<Alarm>,
    /// The log groups.
    pub log_groups: Vec<LogGroup>,
    /// The topics (ARNs).
    pub topics: Vec<String>,
    /// The subscriptions.
    pub subscriptions: Vec<Subscription>,
    /// The buckets.
    pub buckets: Vec<Bucket>,
}

impl Expected {
    /// Read a platform's rendered templates.
    pub fn read(p: &dap_docs::Platform) -> Expected {
        let pin = Pin::new(p.account(), p.region());
        let docs = p.documents();
        let model = Model::lean(&docs, Some(pin.clone()));
        Self::from_model(&model.resolver, &model.policies)
    }

    /// Read a resolver and its policies.
    pub fn from_model(r: &Resolver<'_>, policies: &Policies) -> Expected {
        let pin = r.pin.clone();
        let canon = |kind: PolicyKind, to: &str, place: Option<&str>| -> Vec<String> {
            policies
                .attached(kind, to)
                .filter(|s| place.is_none_or(|p| s.place == p))
                .map(|s| canonical(s, |a| root_of(&pin, a)))
                .collect()
        };
        let mut out = Expected {
            pin: Some(pin.clone()),
            ..Expected::default()
        };
        let text = |stack: usize, v: &Value| r.resolve(stack, v).unwrap_or_default();
        let key_of = |stack: usize, v: &Value| -> Option<String> {
            if v.is_null() {
                return None;
            }
            match r.target(stack, v) {
                Some((_, id)) => Some(id.to_owned()),
                None => r.resolve(stack, v),
            }
        };
        for (stack, id, body) in r.resources() {
            let props = &body["Properties"];
            match body["Type"].as_str().unwrap_or_default() {
                "AWS::IAM::Role" => {
                    let name = text(stack, &props["RoleName"]);
                    let mut inline = BTreeMap::new();
                    for (i, pol) in props["Policies"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .enumerate()
                    {
                        let place = format!("Policies[{i}].PolicyDocument");
                        let name_of = pol["PolicyName"].as_str().unwrap_or_default().to_owned();
                        let statements = policies
                            .of_resource(stack, id)
                            .filter(|s| s.place == place)
                            .map(|s| canonical(s, |a| root_of(&pin, a)))
                            .collect();
                        inline.insert(name_of, statements);
                    }
                    let mut managed: BTreeSet<String> = r
                        .resolve_all(stack, &props["ManagedPolicyArns"])
                        .into_iter()
                        .collect();
                    // Managed policies that name the role in their `Roles`.
                    for (s2, _, b2) in r.resources() {
                        let p2 = &b2["Properties"];
                        if b2["Type"] == "AWS::IAM::ManagedPolicy"
                            && r.resolve_all(s2, &p2["Roles"]).contains(&name)
                        {
                            if let Some(n) = r.resolve(s2, &p2["ManagedPolicyName"]) {
                                managed.insert(format!(
                                    "arn:{}:iam::{}:policy/{n}",
                                    pin.partition, pin.account
                                ));
                            }
                        }
                    }
                    out.roles.push(Role {
                        trust: policies
                            .of_resource(stack, id)
                            .filter(|s| s.kind == PolicyKind::Trust)
                            .map(|s| canonical(s, |a| root_of(&pin, a)))
                            .collect(),
                        managed,
                        inline,
                        boundary: r.resolve(stack, &props["PermissionsBoundary"]),
                        name,
                    });
                }
                "AWS::IAM::ManagedPolicy" => {
                    let name = text(stack, &props["ManagedPolicyName"]);
                    out.policies.push(ManagedPolicy {
                        arn: format!("arn:{}:iam::{}:policy/{name}", pin.partition, pin.account),
                        statements: policies
                            .of_resource(stack, id)
                            .map(|s| canonical(s, |a| root_of(&pin, a)))
                            .collect(),
                        name,
                    });
                }
                "AWS::KMS::Key" => {
                    let alias = r.resources().find_map(|(s2, _, b2)| {
                        (b2["Type"] == "AWS::KMS::Alias"
                            && r.target(s2, &b2["Properties"]["TargetKeyId"]) == Some((stack, id)))
                        .then(|| text(s2, &b2["Properties"]["AliasName"]))
                    });
                    out.keys.push(Key {
                        logical_id: id.to_owned(),
                        stack: r.stacks[stack].slug.to_owned(),
                        alias,
                        rotation: props["EnableKeyRotation"].as_bool().unwrap_or(false),
                        policy: canon(PolicyKind::Key, &r.key_arn(id), None),
                    });
                }
                "AWS::CloudTrail::Trail" => {
                    let mut data = BTreeSet::new();
                    let mut management = false;
                    for sel in props["EventSelectors"].as_array().into_iter().flatten() {
                        management |= sel["IncludeManagementEvents"].as_bool().unwrap_or(true);
                        for d in sel["DataResources"].as_array().into_iter().flatten() {
                            let ty = d["Type"].as_str().unwrap_or_default();
                            for v in r.resolve_all(stack, &d["Values"]) {
                                data.insert(format!("{ty} {v}"));
                            }
                        }
                    }
                    if props["EventSelectors"].is_null() {
                        management = true;
                    }
                    let log_group = r
                        .target(stack, &props["CloudWatchLogsLogGroupArn"])
                        .and_then(|(s, g)| r.resolve(s, &serde_json::json!({ "Ref": g })))
                        .or_else(|| {
                            r.resolve(stack, &props["CloudWatchLogsLogGroupArn"])
                                .map(|a| log_group_of_arn(&a))
                        });
                    out.trail = Some(Trail {
                        name: text(stack, &props["TrailName"]),
                        bucket: text(stack, &props["S3BucketName"]),
                        multi_region: props["IsMultiRegionTrail"].as_bool().unwrap_or(false),
                        global_events: props["IncludeGlobalServiceEvents"]
                            .as_bool()
                            .unwrap_or(true),
                        validation: props["EnableLogFileValidation"].as_bool().unwrap_or(false),
                        logging: props["IsLogging"].as_bool().unwrap_or(true),
                        key: key_of(stack, &props["KMSKeyId"]),
                        log_group,
                        data_resources: data,
                        management_events: management,
                    });
                }
                "AWS::Logs::MetricFilter" => {
                    for t in props["MetricTransformations"]
                        .as_array()
                        .into_iter()
                        .flatten()
                    {
                        out.filters.push(Filter {
                            name: text(stack, &props["FilterName"]),
                            log_group: text(stack, &props["LogGroupName"]),
                            pattern: text(stack, &props["FilterPattern"]),
                            metric: format!(
                                "{}/{}",
                                text(stack, &t["MetricNamespace"]),
                                text(stack, &t["MetricName"])
                            ),
                        });
                    }
                }
                "AWS::CloudWatch::Alarm" => {
                    let mut actions = r.resolve_all(stack, &props["AlarmActions"]);
                    actions.sort();
                    out.alarms.push(Alarm {
                        name: text(stack, &props["AlarmName"]),
                        metric: format!(
                            "{}/{}",
                            text(stack, &props["Namespace"]),
                            text(stack, &props["MetricName"])
                        ),
                        actions,
                        enabled: props["ActionsEnabled"].as_bool().unwrap_or(true),
                    });
                }
                "AWS::Logs::LogGroup" => out.log_groups.push(LogGroup {
                    name: text(stack, &props["LogGroupName"]),
                    retention: props["RetentionInDays"].as_i64().map(|d| d as i32),
                    key: key_of(stack, &props["KmsKeyId"]),
                }),
                "AWS::SNS::Topic" => out.topics.push(
                    r.resolve(stack, &serde_json::json!({ "Ref": id }))
                        .unwrap_or_default(),
                ),
                "AWS::SNS::Subscription" => out.subscriptions.push(Subscription {
                    topic: text(stack, &props["TopicArn"]),
                    protocol: text(stack, &props["Protocol"]),
                    endpoint: text(stack, &props["Endpoint"]),
                }),
                "AWS::S3::Bucket" => {
                    let name = text(stack, &props["BucketName"]);
                    let rule = &props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
                        ["ServerSideEncryptionByDefault"];
                    let pab = &props["PublicAccessBlockConfiguration"];
                    let flag = |k: &str| pab[k].as_bool().unwrap_or(false);
                    let has_policy = r.resources().any(|(s2, _, b2)| {
                        b2["Type"] == "AWS::S3::BucketPolicy"
                            && r.resolve(s2, &b2["Properties"]["Bucket"]).as_deref()
                                == Some(name.as_str())
                    });
                    out.buckets.push(Bucket {
                        sse: rule["SSEAlgorithm"].as_str().map(str::to_owned),
                        key: key_of(stack, &rule["KMSMasterKeyID"]),
                        public_access: pab.is_object().then(|| {
                            [
                                flag("BlockPublicAcls"),
                                flag("IgnorePublicAcls"),
                                flag("BlockPublicPolicy"),
                                flag("RestrictPublicBuckets"),
                            ]
                        }),
                        versioning: props["VersioningConfiguration"]["Status"]
                            .as_str()
                            .map(str::to_owned),
                        ownership: props["OwnershipControls"]["Rules"][0]["ObjectOwnership"]
                            .as_str()
                            .map(str::to_owned),
                        policy: has_policy.then(|| canon(PolicyKind::Bucket, &name, None)),
                        name,
                    });
                }
                _ => {}
            }
        }
        out
    }

    /// The key (logical id) with an alias.
    pub fn key(&self, logical_id: &str) -> Option<&Key> {
        self.keys.iter().find(|k| k.logical_id == logical_id)
    }
}

/// An account id written as a principal is its root.
pub(crate) fn root_of(pin: &Pin, principal: &str) -> Option<String> {
    dap_model::resolve::is_account_id(principal)
        .then(|| format!("arn:{}:iam::{principal}:root", pin.partition))
}

/// `arn:aws:logs:r:a:log-group:NAME:*` → `NAME`.
pub(crate) fn log_group_of_arn(arn: &str) -> String {
    arn.split_once(":log-group:")
        .map(|(_, rest)| rest.trim_end_matches(":*").to_owned())
        .unwrap_or_else(|| arn.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local() -> Expected {
        let env = dap_config::parse(
            "local.yaml",
            include_str!("../../../../environments/local.yaml"),
        )
        .unwrap();
        let rendered = dap_planner::render(&env).unwrap();
        Expected::read(&dap_docs::Platform::new(&env, &rendered).unwrap())
    }

    #[test]
    fn reads_what_the_templates_declare() {
        let e = local();
        assert_eq!(
            e.roles.len(),
            7,
            "{:?}",
            e.roles.iter().map(|r| &r.name).collect::<Vec<_>>()
        );
        let clean = e
            .roles
            .iter()
            .find(|r| r.name == "dap-local-glue-clean")
            .unwrap();
        assert_eq!(
            clean.managed.iter().collect::<Vec<_>>(),
            ["arn:aws:iam::123456789012:policy/dap-local-glue-clean"]
        );
        assert!(clean.inline.is_empty());
        assert_eq!(clean.trust.len(), 1);
        assert!(
            clean.trust[0].contains("service:glue.amazonaws.com"),
            "{}",
            clean.trust[0]
        );
        assert_eq!(e.keys.len(), 2);
        let data = e.key("DataKey").unwrap();
        assert_eq!(data.alias.as_deref(), Some("alias/dap-local-data"));
        assert!(data.rotation);
        assert!(!data.policy.is_empty());
        let trail = e.trail.as_ref().unwrap();
        assert_eq!(trail.name, "dap-local-trail");
        assert_eq!(trail.key.as_deref(), Some("LogsKey"));
        assert_eq!(trail.log_group.as_deref(), Some("/dap-local/cloudtrail"));
        assert!(trail
            .data_resources
            .contains("AWS::S3::Object arn:aws:s3:::dap-local-landing-123456789012-ca-central-1/"));
        assert_eq!(e.filters.len(), 15);
        assert_eq!(e.alarms.len(), 18);
        assert!(e
            .alarms
            .iter()
            .all(|a| a.actions == ["arn:aws:sns:ca-central-1:123456789012:dap-local-alarms"]));
        assert_eq!(e.subscriptions.len(), 1);
        let landing = e
            .buckets
            .iter()
            .find(|b| b.name.starts_with("dap-local-landing-"))
            .unwrap();
        assert_eq!(landing.key.as_deref(), Some("DataKey"));
        assert_eq!(landing.public_access, Some([true; 4]));
        assert_eq!(landing.versioning.as_deref(), Some("Enabled"));
        assert!(landing.policy.as_ref().is_some_and(|p| !p.is_empty()));
        let trail_group = e
            .log_groups
            .iter()
            .find(|g| g.name == "/dap-local/cloudtrail")
            .unwrap();
        assert_eq!(trail_group.key.as_deref(), Some("LogsKey"));
    }
}
