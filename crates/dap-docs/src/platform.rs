//! The rendered templates, parsed back: every stack's parameters and resources, and the
//! intrinsics they use resolved to names and ARNs.
//!
//! Reports read the YAML exactly as it is deployed, not the typed model, so that what they say
//! is what CloudFormation receives. KMS key ARNs are unknown until the keys exist; they travel
//! through SSM parameters (`DataKeyArn`, `LogsKeyArn`), and a `Ref` to such a parameter
//! resolves to the key that the security stack publishes under that name. The key then gets a
//! stand-in ARN, `arn:<partition>:kms:<region>:<account>:key/<logical id>`, so policies naming it
//! can be matched like any other ARN.

use dap_config::Environment;
use dap_planner::names::Names;
use dap_planner::{Manifest, Rendered};
use serde_yaml::{Mapping, Value};

use crate::DocsError;

/// One parsed stack.
#[derive(Debug, Clone)]
pub struct Stack {
    /// The stack's kind (`security`, `storage`, ...).
    pub kind: String,
    /// The CloudFormation stack name.
    pub name: String,
    /// The template's `Parameters`.
    pub parameters: Mapping,
    /// The template's resources, in template order.
    pub resources: Vec<Resource>,
}

/// One resource of a stack.
#[derive(Debug, Clone)]
pub struct Resource {
    /// The stack's kind.
    pub stack: String,
    /// The logical id.
    pub id: String,
    /// The CloudFormation type.
    pub kind: String,
    /// The whole resource entry (`Type`, `Properties`, `DeletionPolicy`, ...).
    pub body: Value,
}

impl Resource {
    /// A property, by a path of keys (`["BucketEncryption", "ServerSideEncryptionConfiguration"]`).
    pub fn prop(&self, path: &[&str]) -> Option<&Value> {
        let mut v = self.body.get("Properties")?;
        for p in path {
            v = v.get(*p)?;
        }
        Some(v)
    }

    /// A property as a string, when it is a plain string.
    pub fn prop_str(&self, path: &[&str]) -> Option<&str> {
        self.prop(path).and_then(Value::as_str)
    }

    /// An attribute of the entry itself (`DeletionPolicy`, `UpdateReplacePolicy`).
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.body.get(name).and_then(Value::as_str)
    }

    /// `stack/LogicalId`.
    pub fn path(&self) -> String {
        format!("{}/{}", self.stack, self.id)
    }
}

/// A rendered environment, parsed.
#[derive(Debug, Clone)]
pub struct Platform {
    /// The environment.
    pub env: Environment,
    /// Its physical names (labels only: facts come from the templates).
    pub names: Names,
    /// The manifest the planner wrote.
    pub manifest: Manifest,
    /// The stacks, in deployment order.
    pub stacks: Vec<Stack>,
}

impl Platform {
    /// Parse every rendered template.
    pub fn new(env: &Environment, rendered: &Rendered) -> Result<Platform, DocsError> {
        let mut stacks = Vec::new();
        for s in &rendered.stacks {
            let doc: Value = serde_yaml::from_str(&s.yaml).map_err(|e| DocsError::Template {
                stack: s.name.clone(),
                message: e.to_string(),
            })?;
            let parameters = doc
                .get("Parameters")
                .and_then(Value::as_mapping)
                .cloned()
                .unwrap_or_default();
            let mut resources = Vec::new();
            if let Some(map) = doc.get("Resources").and_then(Value::as_mapping) {
                for (id, body) in map {
                    let id = id.as_str().unwrap_or_default().to_owned();
                    let kind = body
                        .get("Type")
                        .and_then(Value::as_str)
                        .ok_or_else(|| DocsError::Template {
                            stack: s.name.clone(),
                            message: format!("resource `{id}` has no `Type`"),
                        })?
                        .to_owned();
                    resources.push(Resource {
                        stack: s.kind.slug().to_owned(),
                        id,
                        kind,
                        body: body.clone(),
                    });
                }
            }
            stacks.push(Stack {
                kind: s.kind.slug().to_owned(),
                name: s.name.clone(),
                parameters,
                resources,
            });
        }
        Ok(Platform {
            env: env.clone(),
            names: Names::new(env),
            manifest: rendered.manifest.clone(),
            stacks,
        })
    }

    /// The stack of a kind.
    pub fn stack(&self, kind: &str) -> Option<&Stack> {
        self.stacks.iter().find(|s| s.kind == kind)
    }

    /// Every resource of a CloudFormation type, in stack then template order.
    pub fn of_type<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Resource> + 'a {
        self.stacks
            .iter()
            .flat_map(|s| s.resources.iter())
            .filter(move |r| r.kind == kind)
    }

    /// A resource by stack kind and logical id.
    pub fn resource(&self, stack: &str, id: &str) -> Option<&Resource> {
        self.stack(stack)?.resources.iter().find(|r| r.id == id)
    }

    /// The partition of the environment's region.
    pub fn partition(&self) -> &'static str {
        self.names.partition()
    }

    /// The account id.
    pub fn account(&self) -> &str {
        &self.env.account_id
    }

    /// The region.
    pub fn region(&self) -> &str {
        &self.env.region
    }

    /// A name without the environment's prefix: `dap-prod-analyst` → `analyst`.
    pub fn short(&self, name: &str) -> String {
        name.strip_prefix(&format!("{}-", self.env.prefix))
            .unwrap_or(name)
            .to_owned()
    }

    /// The stand-in ARN of a KMS key declared in a template.
    pub fn key_arn(&self, logical_id: &str) -> String {
        format!(
            "arn:{}:kms:{}:{}:key/{logical_id}",
            self.partition(),
            self.region(),
            self.account()
        )
    }

    /// Resolve a template value to a string: literals as they are, `Ref` and `Fn::GetAtt`
    /// to the name or ARN they stand for. `None` for what cannot be known before deployment.
    pub fn resolve(&self, stack: &str, v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Mapping(m) if m.len() == 1 => {
                let (k, arg) = m.iter().next()?;
                match k.as_str()? {
                    "Ref" => self.resolve_ref(stack, arg.as_str()?),
                    "Fn::GetAtt" => {
                        let seq = arg.as_sequence()?;
                        self.get_att(stack, seq.first()?.as_str()?, seq.get(1)?.as_str()?)
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Resolve a list (or a single value) to strings, skipping what cannot be resolved.
    pub fn resolve_all(&self, stack: &str, v: Option<&Value>) -> Vec<String> {
        match v {
            Some(Value::Sequence(seq)) => {
                seq.iter().filter_map(|x| self.resolve(stack, x)).collect()
            }
            Some(x) => self.resolve(stack, x).into_iter().collect(),
            None => Vec::new(),
        }
    }

    fn resolve_ref(&self, stack: &str, name: &str) -> Option<String> {
        match name {
            "AWS::Region" => return Some(self.region().to_owned()),
            "AWS::AccountId" => return Some(self.account().to_owned()),
            "AWS::Partition" => return Some(self.partition().to_owned()),
            _ => {}
        }
        let s = self.stack(stack)?;
        if let Some(param) = s.parameters.get(name) {
            let default = param.get("Default").and_then(Value::as_str)?;
            let ty = param
                .get("Type")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if ty.starts_with("AWS::SSM::Parameter::Value") {
                return self.ssm_parameter(default);
            }
            return Some(default.to_owned());
        }
        let r = s.resources.iter().find(|r| r.id == name)?;
        Some(self.ref_value(r))
    }

    /// The value an SSM parameter declared in some stack will hold.
    fn ssm_parameter(&self, name: &str) -> Option<String> {
        let p = self
            .of_type("AWS::SSM::Parameter")
            .find(|r| r.prop_str(&["Name"]) == Some(name))?;
        self.resolve(&p.stack, p.prop(&["Value"])?)
    }

    fn ref_value(&self, r: &Resource) -> String {
        let name = |path: &[&str]| r.prop_str(path).map(str::to_owned);
        let p = self.partition();
        let got = match r.kind.as_str() {
            "AWS::S3::Bucket" => name(&["BucketName"]),
            "AWS::IAM::Role" => name(&["RoleName"]),
            "AWS::IAM::ManagedPolicy" => name(&["ManagedPolicyName"])
                .map(|n| format!("arn:{p}:iam::{}:policy/{n}", self.account())),
            "AWS::KMS::Key" => Some(self.key_arn(&r.id)),
            "AWS::SNS::Topic" => name(&["TopicName"])
                .map(|n| format!("arn:{p}:sns:{}:{}:{n}", self.region(), self.account())),
            "AWS::Logs::LogGroup" => name(&["LogGroupName"]),
            "AWS::Glue::Database" => name(&["DatabaseInput", "Name"]),
            "AWS::CloudTrail::Trail" => name(&["TrailName"]),
            "AWS::Glue::Job"
            | "AWS::Glue::SecurityConfiguration"
            | "AWS::Glue::Crawler"
            | "AWS::Glue::Trigger"
            | "AWS::Athena::WorkGroup"
            | "AWS::Events::Rule" => name(&["Name"]),
            _ => None,
        };
        got.unwrap_or_else(|| r.id.clone())
    }

    fn get_att(&self, stack: &str, id: &str, attr: &str) -> Option<String> {
        let r = self.resource(stack, id)?;
        let p = self.partition();
        let (region, account) = (self.region(), self.account());
        let name = self.ref_value(r);
        if attr != "Arn" {
            return Some(format!("{}.{attr}", r.path()));
        }
        Some(match r.kind.as_str() {
            "AWS::KMS::Key" => self.key_arn(id),
            "AWS::IAM::Role" => format!("arn:{p}:iam::{account}:role/{name}"),
            "AWS::IAM::InstanceProfile" => format!(
                "arn:{p}:iam::{account}:instance-profile/{}",
                r.prop_str(&["InstanceProfileName"]).unwrap_or(id)
            ),
            "AWS::Logs::LogGroup" => format!("arn:{p}:logs:{region}:{account}:log-group:{name}:*"),
            "AWS::CloudTrail::Trail" => {
                format!("arn:{p}:cloudtrail:{region}:{account}:trail/{name}")
            }
            "AWS::S3::Bucket" => format!("arn:{p}:s3:::{name}"),
            _ => format!("{}.Arn", r.path()),
        })
    }

    /// The KMS key a value names, as `(stack, logical id)`, when it resolves to a key of the
    /// security stack.
    pub fn key_named(&self, stack: &str, v: &Value) -> Option<&Resource> {
        let arn = self.resolve(stack, v)?;
        self.of_type("AWS::KMS::Key")
            .find(|k| self.key_arn(&k.id) == arn)
    }

    /// A key's label: its alias when it has one (`alias/dap-prod-data`), else its logical id.
    pub fn key_label(&self, key: &Resource) -> String {
        let alias = self.of_type("AWS::KMS::Alias").find(|a| {
            a.prop(&["TargetKeyId"])
                .and_then(|v| self.resolve(&a.stack, v))
                .is_some_and(|arn| arn == self.key_arn(&key.id))
        });
        match alias.and_then(|a| a.prop_str(&["AliasName"])) {
            Some(name) => name.to_owned(),
            None => key.id.clone(),
        }
    }

    /// The label of whatever a key value resolves to: a key's alias, or the value itself.
    pub fn key_value_label(&self, stack: &str, v: &Value) -> String {
        if let Some(k) = self.key_named(stack, v) {
            return self.key_label(k);
        }
        self.resolve(stack, v)
            .unwrap_or_else(|| "(unresolved)".to_owned())
    }
}
