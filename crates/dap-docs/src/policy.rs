//! Every policy statement of the rendered templates, with its origin and its references
//! resolved: identity policies attached to roles, trust policies, bucket, key and topic
//! policies.

use serde_yaml::Value;

use crate::platform::{Platform, Resource};

/// What kind of policy a statement belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PolicyKind {
    /// A customer-managed or inline policy attached to roles.
    Identity,
    /// A role's trust policy (who may assume it).
    Trust,
    /// An S3 bucket policy.
    Bucket,
    /// A KMS key policy.
    Key,
    /// An SNS topic policy.
    Topic,
}

impl PolicyKind {
    /// How the reports name the kind.
    pub fn label(self) -> &'static str {
        match self {
            PolicyKind::Identity => "identity policy",
            PolicyKind::Trust => "trust policy",
            PolicyKind::Bucket => "bucket policy",
            PolicyKind::Key => "key policy",
            PolicyKind::Topic => "topic policy",
        }
    }
}

/// A principal named in a resource or trust policy.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PrincipalPattern {
    /// `"*"`: anyone.
    Any,
    /// An AWS principal: a role, user or account-root ARN (or an account id).
    Aws(String),
    /// A service principal (`glue.amazonaws.com`).
    Service(String),
}

/// One condition: operator, key and values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    /// The operator (`StringEquals`, `ForAnyValue:StringEquals`, `Bool`, ...).
    pub op: String,
    /// The condition key (`aws:SecureTransport`).
    pub key: String,
    /// The values.
    pub values: Vec<String>,
}

/// One statement, resolved.
#[derive(Clone, Debug)]
pub struct Statement {
    /// Its index in [`Policies::statements`].
    pub index: usize,
    /// The stack kind of the resource holding the policy.
    pub stack: String,
    /// The logical id of the resource holding the policy.
    pub resource: String,
    /// The statement's `Sid` (or `#<n>` when it has none).
    pub sid: String,
    /// The kind of policy.
    pub kind: PolicyKind,
    /// What the policy is attached to: role names (identity, trust), the bucket name, key ARN
    /// or topic ARN.
    pub attached_to: Vec<String>,
    /// `Effect: Allow`.
    pub allow: bool,
    /// The principals (resource and trust policies).
    pub principals: Vec<PrincipalPattern>,
    /// The actions, or the excluded actions when `not_action`.
    pub actions: Vec<String>,
    /// Whether the statement uses `NotAction`.
    pub not_action: bool,
    /// The resources, resolved (`*` when absent, as in key policies).
    pub resources: Vec<String>,
    /// The conditions.
    pub conditions: Vec<Condition>,
    /// The statement exactly as in the template, as YAML.
    pub yaml: String,
}

impl Statement {
    /// `stack/Resource#Sid`: how reports cite the statement.
    pub fn cite(&self) -> String {
        format!("{}/{}#{}", self.stack, self.resource, self.sid)
    }

    /// An anchor name for the statement in a Markdown document.
    pub fn anchor(&self) -> String {
        format!("s-{}-{}-{}", self.stack, self.resource, self.sid)
            .to_lowercase()
            .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "-")
    }
}

/// Every statement of a platform.
#[derive(Clone, Debug, Default)]
pub struct Policies {
    /// The statements, in stack then template order.
    pub statements: Vec<Statement>,
}

impl Policies {
    /// Collect the statements of every policy in the templates.
    pub fn collect(p: &Platform) -> Policies {
        let mut out = Policies::default();
        for s in &p.stacks {
            for r in &s.resources {
                match r.kind.as_str() {
                    "AWS::IAM::ManagedPolicy" | "AWS::IAM::Policy" => {
                        let mut roles = p.resolve_all(&r.stack, r.prop(&["Roles"]));
                        roles.extend(attaching_roles(p, &s.resources, r));
                        out.add(
                            p,
                            r,
                            PolicyKind::Identity,
                            roles,
                            r.prop(&["PolicyDocument"]),
                        );
                    }
                    "AWS::IAM::Role" => {
                        let name = r
                            .prop(&["RoleName"])
                            .and_then(|v| p.resolve(&r.stack, v))
                            .unwrap_or_else(|| r.id.clone());
                        out.add(
                            p,
                            r,
                            PolicyKind::Trust,
                            vec![name.clone()],
                            r.prop(&["AssumeRolePolicyDocument"]),
                        );
                        if let Some(Value::Sequence(inline)) = r.prop(&["Policies"]) {
                            for doc in inline {
                                out.add(
                                    p,
                                    r,
                                    PolicyKind::Identity,
                                    vec![name.clone()],
                                    doc.get("PolicyDocument"),
                                );
                            }
                        }
                    }
                    "AWS::S3::BucketPolicy" => {
                        let bucket = p.resolve_all(&r.stack, r.prop(&["Bucket"]));
                        out.add(
                            p,
                            r,
                            PolicyKind::Bucket,
                            bucket,
                            r.prop(&["PolicyDocument"]),
                        );
                    }
                    "AWS::KMS::Key" => {
                        out.add(
                            p,
                            r,
                            PolicyKind::Key,
                            vec![p.key_arn(&r.id)],
                            r.prop(&["KeyPolicy"]),
                        );
                    }
                    "AWS::SNS::TopicPolicy" => {
                        let topics = p.resolve_all(&r.stack, r.prop(&["Topics"]));
                        out.add(p, r, PolicyKind::Topic, topics, r.prop(&["PolicyDocument"]));
                    }
                    _ => {}
                }
            }
        }
        out
    }

    fn add(
        &mut self,
        p: &Platform,
        r: &Resource,
        kind: PolicyKind,
        attached_to: Vec<String>,
        doc: Option<&Value>,
    ) {
        let Some(statements) = doc.and_then(|d| d.get("Statement")) else {
            return;
        };
        let list: Vec<&Value> = match statements {
            Value::Sequence(s) => s.iter().collect(),
            other => vec![other],
        };
        for (n, st) in list.into_iter().enumerate() {
            let sid = st
                .get("Sid")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| format!("#{}", n + 1));
            let allow = st.get("Effect").and_then(Value::as_str) == Some("Allow");
            let (actions, not_action) = match (st.get("Action"), st.get("NotAction")) {
                (Some(a), _) => (strings(a), false),
                (None, Some(a)) => (strings(a), true),
                (None, None) => (Vec::new(), false),
            };
            let resources = match st.get("Resource") {
                Some(v) => p.resolve_all(&r.stack, Some(v)),
                None => vec!["*".to_owned()],
            };
            let mut conditions = Vec::new();
            if let Some(Value::Mapping(ops)) = st.get("Condition") {
                for (op, keys) in ops {
                    if let Some(keys) = keys.as_mapping() {
                        for (key, values) in keys {
                            conditions.push(Condition {
                                op: op.as_str().unwrap_or_default().to_owned(),
                                key: key.as_str().unwrap_or_default().to_owned(),
                                values: strings(values),
                            });
                        }
                    }
                }
            }
            let principals = principals(st.get("Principal"));
            let yaml = serde_yaml::to_string(st).unwrap_or_default();
            self.statements.push(Statement {
                index: self.statements.len(),
                stack: r.stack.clone(),
                resource: r.id.clone(),
                sid,
                kind,
                attached_to: attached_to.clone(),
                allow,
                principals,
                actions,
                not_action,
                resources,
                conditions,
                yaml,
            });
        }
    }

    /// The statements of one kind attached to a name (a role name, bucket name, key ARN).
    pub fn attached<'a>(
        &'a self,
        kind: PolicyKind,
        to: &'a str,
    ) -> impl Iterator<Item = &'a Statement> + 'a {
        self.statements
            .iter()
            .filter(move |s| s.kind == kind && s.attached_to.iter().any(|a| a == to))
    }
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::Sequence(s) => s.iter().filter_map(scalar).collect(),
        other => scalar(other).into_iter().collect(),
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn principals(v: Option<&Value>) -> Vec<PrincipalPattern> {
    match v {
        None => Vec::new(),
        Some(Value::String(s)) if s == "*" => vec![PrincipalPattern::Any],
        Some(Value::Mapping(m)) => {
            let mut out = Vec::new();
            for (k, vals) in m {
                for val in strings(vals) {
                    out.push(match k.as_str() {
                        Some("Service") => PrincipalPattern::Service(val),
                        _ if val == "*" => PrincipalPattern::Any,
                        _ => PrincipalPattern::Aws(val),
                    });
                }
            }
            out
        }
        Some(_) => Vec::new(),
    }
}

/// The roles of a stack that attach a managed policy through their `ManagedPolicyArns`
/// (a `Ref` to the policy), by role name.
fn attaching_roles(p: &Platform, resources: &[Resource], policy: &Resource) -> Vec<String> {
    resources
        .iter()
        .filter(|r| r.kind == "AWS::IAM::Role")
        .filter(|r| match r.prop(&["ManagedPolicyArns"]) {
            Some(Value::Sequence(arns)) => arns
                .iter()
                .any(|a| a.get("Ref").and_then(Value::as_str) == Some(policy.id.as_str())),
            _ => false,
        })
        .map(|r| {
            r.prop(&["RoleName"])
                .and_then(|v| p.resolve(&r.stack, v))
                .unwrap_or_else(|| r.id.clone())
        })
        .collect()
}
