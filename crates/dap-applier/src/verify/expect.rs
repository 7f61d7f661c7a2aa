//! What should be live, read from the rendered templates through the shared model.
//!
//! Every value comes from the templates (names, properties, policy statements), resolved the
//! way CloudFormation would (`Ref`, `GetAtt`, `Sub`, the SSM parameters that carry key ARNs);
//! nothing here is written twice. A KMS key is known by its logical id (its ARN exists only
//! once deployed); the live side maps the deployed key's ARN back to that id.

use std::collections::{BTreeMap, BTreeSet};

use dap_model::policy::{Policies, Statement};
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
        let m = Reader {
            r,
            policies,
            pin: r.pin.clone(),
        };
        let mut out = Expected {
            pin: Some(m.pin.clone()),
            ..Expected::default()
        };
        for (stack, id, body) in r.resources() {
            let props = &body["Properties"];
            match body["Type"].as_str().unwrap_or_default() {
                "AWS::IAM::Role" => out.roles.push(m.role(stack, id, props)),
                "AWS::IAM::ManagedPolicy" => out.policies.push(m.managed_policy(stack, id, props)),
                "AWS::KMS::Key" => out.keys.push(m.key(stack, id, props)),
                "AWS::CloudTrail::Trail" => out.trail = Some(m.trail(stack, props)),
                "AWS::Logs::MetricFilter" => out.filters.extend(m.filters(stack, props)),
                "AWS::CloudWatch::Alarm" => out.alarms.push(m.alarm(stack, props)),
                "AWS::Logs::LogGroup" => out.log_groups.push(m.log_group(stack, props)),
                "AWS::SNS::Topic" => out.topics.push(m.topic(stack, id)),
                "AWS::SNS::Subscription" => out.subscriptions.push(m.subscription(stack, props)),
                "AWS::S3::Bucket" => out.buckets.push(m.bucket(stack, props)),
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

/// The model's resolver and policies, read into what should be live, one resource type a method.
struct Reader<'m, 'a> {
    /// Resolves names and references across the stacks.
    r: &'m Resolver<'a>,
    /// Every policy statement of the templates.
    policies: &'m Policies,
    /// The account, region and partition.
    pin: Pin,
}

impl Reader<'_, '_> {
    /// A statement in canonical form, account ids written as their roots.
    fn canonical(&self, s: &Statement) -> String {
        canonical(s, |a| root_of(&self.pin, a))
    }

    /// The canonical statements of `kind` attached to `to`, those at `place` when given.
    fn canon(&self, kind: PolicyKind, to: &str, place: Option<&str>) -> Vec<String> {
        self.policies
            .attached(kind, to)
            .filter(|s| place.is_none_or(|p| s.place == p))
            .map(|s| self.canonical(s))
            .collect()
    }

    /// A value resolved to text, empty when it does not resolve.
    fn text(&self, stack: usize, v: &Value) -> String {
        self.r.resolve(stack, v).unwrap_or_default()
    }

    /// The key a value names: its logical id when it points at one, else the resolved text.
    fn key_of(&self, stack: usize, v: &Value) -> Option<String> {
        if v.is_null() {
            return None;
        }
        match self.r.target(stack, v) {
            Some((_, id)) => Some(id.to_owned()),
            None => self.r.resolve(stack, v),
        }
    }

    /// An `AWS::IAM::Role`: its trust, inline and managed policies and boundary.
    fn role(&self, stack: usize, id: &str, props: &Value) -> Role {
        let name = self.text(stack, &props["RoleName"]);
        let inline = self.inline_policies(stack, id, props);
        let managed = self.managed_of_role(stack, props, &name);
        Role {
            trust: self
                .policies
                .of_resource(stack, id)
                .filter(|s| s.kind == PolicyKind::Trust)
                .map(|s| self.canonical(s))
                .collect(),
            managed,
            inline,
            boundary: self.r.resolve(stack, &props["PermissionsBoundary"]),
            name,
        }
    }

    /// A role's inline policies: name → canonical statements.
    fn inline_policies(
        &self,
        stack: usize,
        id: &str,
        props: &Value,
    ) -> BTreeMap<String, Vec<String>> {
        let mut inline = BTreeMap::new();
        for (i, pol) in props["Policies"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let place = format!("Policies[{i}].PolicyDocument");
            let name_of = pol["PolicyName"].as_str().unwrap_or_default().to_owned();
            let statements = self
                .policies
                .of_resource(stack, id)
                .filter(|s| s.place == place)
                .map(|s| self.canonical(s))
                .collect();
            inline.insert(name_of, statements);
        }
        inline
    }

    /// The ARNs of the managed policies a role attaches and of those naming it in their `Roles`.
    fn managed_of_role(&self, stack: usize, props: &Value, name: &str) -> BTreeSet<String> {
        let r = self.r;
        let pin = &self.pin;
        let mut managed: BTreeSet<String> = r
            .resolve_all(stack, &props["ManagedPolicyArns"])
            .into_iter()
            .collect();
        // Managed policies that name the role in their `Roles`.
        for (s2, _, b2) in r.resources() {
            let p2 = &b2["Properties"];
            if b2["Type"] == "AWS::IAM::ManagedPolicy"
                && r.resolve_all(s2, &p2["Roles"]).iter().any(|n| n == name)
            {
                if let Some(n) = r.resolve(s2, &p2["ManagedPolicyName"]) {
                    managed.insert(format!(
                        "arn:{}:iam::{}:policy/{n}",
                        pin.partition, pin.account
                    ));
                }
            }
        }
        managed
    }

    /// An `AWS::IAM::ManagedPolicy`: its name, ARN and statements.
    fn managed_policy(&self, stack: usize, id: &str, props: &Value) -> ManagedPolicy {
        let name = self.text(stack, &props["ManagedPolicyName"]);
        ManagedPolicy {
            arn: format!(
                "arn:{}:iam::{}:policy/{name}",
                self.pin.partition, self.pin.account
            ),
            statements: self
                .policies
                .of_resource(stack, id)
                .map(|s| self.canonical(s))
                .collect(),
            name,
        }
    }

    /// An `AWS::KMS::Key`: its stack, alias, rotation and key policy.
    fn key(&self, stack: usize, id: &str, props: &Value) -> Key {
        let r = self.r;
        let alias = r.resources().find_map(|(s2, _, b2)| {
            (b2["Type"] == "AWS::KMS::Alias"
                && r.target(s2, &b2["Properties"]["TargetKeyId"]) == Some((stack, id)))
            .then(|| self.text(s2, &b2["Properties"]["AliasName"]))
        });
        Key {
            logical_id: id.to_owned(),
            stack: r.stacks[stack].slug.to_owned(),
            alias,
            rotation: props["EnableKeyRotation"].as_bool().unwrap_or(false),
            policy: self.canon(PolicyKind::Key, &r.key_arn(id), None),
        }
    }

    /// An `AWS::CloudTrail::Trail`: its settings, key, log group and event selectors.
    fn trail(&self, stack: usize, props: &Value) -> Trail {
        let r = self.r;
        let (data, management) = self.event_selectors(stack, props);
        let log_group = r
            .target(stack, &props["CloudWatchLogsLogGroupArn"])
            .and_then(|(s, g)| r.resolve(s, &serde_json::json!({ "Ref": g })))
            .or_else(|| {
                r.resolve(stack, &props["CloudWatchLogsLogGroupArn"])
                    .map(|a| log_group_of_arn(&a))
            });
        Trail {
            name: self.text(stack, &props["TrailName"]),
            bucket: self.text(stack, &props["S3BucketName"]),
            multi_region: props["IsMultiRegionTrail"].as_bool().unwrap_or(false),
            global_events: props["IncludeGlobalServiceEvents"]
                .as_bool()
                .unwrap_or(true),
            validation: props["EnableLogFileValidation"].as_bool().unwrap_or(false),
            logging: props["IsLogging"].as_bool().unwrap_or(true),
            key: self.key_of(stack, &props["KMSKeyId"]),
            log_group,
            data_resources: data,
            management_events: management,
        }
    }

    /// A trail's event selectors: the data resources they record and whether management
    /// events are recorded (as they are without selectors).
    fn event_selectors(&self, stack: usize, props: &Value) -> (BTreeSet<String>, bool) {
        let mut data = BTreeSet::new();
        let mut management = false;
        for sel in props["EventSelectors"].as_array().into_iter().flatten() {
            management |= sel["IncludeManagementEvents"].as_bool().unwrap_or(true);
            for d in sel["DataResources"].as_array().into_iter().flatten() {
                let ty = d["Type"].as_str().unwrap_or_default();
                for v in self.r.resolve_all(stack, &d["Values"]) {
                    data.insert(format!("{ty} {v}"));
                }
            }
        }
        if props["EventSelectors"].is_null() {
            management = true;
        }
        (data, management)
    }

    /// An `AWS::Logs::MetricFilter`: one filter per metric transformation.
    fn filters(&self, stack: usize, props: &Value) -> Vec<Filter> {
        props["MetricTransformations"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| Filter {
                name: self.text(stack, &props["FilterName"]),
                log_group: self.text(stack, &props["LogGroupName"]),
                pattern: self.text(stack, &props["FilterPattern"]),
                metric: format!(
                    "{}/{}",
                    self.text(stack, &t["MetricNamespace"]),
                    self.text(stack, &t["MetricName"])
                ),
            })
            .collect()
    }

    /// An `AWS::CloudWatch::Alarm`: its metric and sorted actions.
    fn alarm(&self, stack: usize, props: &Value) -> Alarm {
        let mut actions = self.r.resolve_all(stack, &props["AlarmActions"]);
        actions.sort();
        Alarm {
            name: self.text(stack, &props["AlarmName"]),
            metric: format!(
                "{}/{}",
                self.text(stack, &props["Namespace"]),
                self.text(stack, &props["MetricName"])
            ),
            actions,
            enabled: props["ActionsEnabled"].as_bool().unwrap_or(true),
        }
    }

    /// An `AWS::Logs::LogGroup`: its name, retention and key.
    fn log_group(&self, stack: usize, props: &Value) -> LogGroup {
        LogGroup {
            name: self.text(stack, &props["LogGroupName"]),
            retention: props["RetentionInDays"].as_i64().map(|d| d as i32),
            key: self.key_of(stack, &props["KmsKeyId"]),
        }
    }

    /// An `AWS::SNS::Topic`: its ARN.
    fn topic(&self, stack: usize, id: &str) -> String {
        self.r
            .resolve(stack, &serde_json::json!({ "Ref": id }))
            .unwrap_or_default()
    }

    /// An `AWS::SNS::Subscription`: its topic, protocol and endpoint.
    fn subscription(&self, stack: usize, props: &Value) -> Subscription {
        Subscription {
            topic: self.text(stack, &props["TopicArn"]),
            protocol: self.text(stack, &props["Protocol"]),
            endpoint: self.text(stack, &props["Endpoint"]),
        }
    }

    /// An `AWS::S3::Bucket`: its encryption, public access block, versioning, ownership and
    /// bucket policy.
    fn bucket(&self, stack: usize, props: &Value) -> Bucket {
        let r = self.r;
        let name = self.text(stack, &props["BucketName"]);
        let rule = &props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
            ["ServerSideEncryptionByDefault"];
        let pab = &props["PublicAccessBlockConfiguration"];
        let flag = |k: &str| pab[k].as_bool().unwrap_or(false);
        let has_policy = r.resources().any(|(s2, _, b2)| {
            b2["Type"] == "AWS::S3::BucketPolicy"
                && r.resolve(s2, &b2["Properties"]["Bucket"]).as_deref() == Some(name.as_str())
        });
        Bucket {
            sse: rule["SSEAlgorithm"].as_str().map(str::to_owned),
            key: self.key_of(stack, &rule["KMSMasterKeyID"]),
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
            policy: has_policy.then(|| self.canon(PolicyKind::Bucket, &name, None)),
            name,
        }
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
