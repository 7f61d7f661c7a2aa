//! The rendered templates, parsed back: every stack's parameters and resources, and the
//! intrinsics they use resolved to names and ARNs.
//!
//! Reports read the YAML exactly as it is deployed, not the typed model, so that what they say
//! is what CloudFormation receives; references resolve through the shared read model
//! (`dap-model`), the same resolver the rules use. KMS key ARNs are unknown until the keys exist; they travel
//! through SSM parameters (`DataKeyArn`, `LogsKeyArn`), and a `Ref` to such a parameter
//! resolves to the key that the security stack publishes under that name. The key then gets a
//! stand-in ARN, `arn:<partition>:kms:<region>:<account>:key/<logical id>`, so policies naming it
//! can be matched like any other ARN.

use dap_config::Environment;
use dap_model::{Pin, Resolver, StackDoc};
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

impl Stack {
    /// The stack's template as one JSON document (parameters and resources), the shape the
    /// shared model reads.
    fn document(&self) -> serde_json::Value {
        let resources: serde_json::Map<String, serde_json::Value> = self
            .resources
            .iter()
            .map(|r| {
                (
                    r.id.clone(),
                    serde_json::to_value(&r.body).unwrap_or_default(),
                )
            })
            .collect();
        serde_json::json!({
            "Parameters": serde_json::to_value(&self.parameters).unwrap_or_default(),
            "Resources": resources,
        })
    }
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
    /// Each stack's template as the shared model reads it (same order as `stacks`).
    docs: Vec<serde_json::Value>,
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
        let docs = stacks.iter().map(Stack::document).collect();
        Ok(Platform {
            env: env.clone(),
            names: Names::new(env),
            manifest: rendered.manifest.clone(),
            stacks,
            docs,
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

    /// The shared model's resolver over the stacks.
    pub fn resolver(&self) -> Resolver<'_> {
        Resolver::new(
            self.stacks
                .iter()
                .zip(&self.docs)
                .map(|(s, doc)| StackDoc { slug: &s.kind, doc })
                .collect(),
            Pin::new(self.account(), self.region()),
        )
    }

    /// Every stack's template as the shared model reads it: (stack kind, document).
    pub fn documents(&self) -> Vec<(&str, &serde_json::Value)> {
        self.stacks
            .iter()
            .zip(&self.docs)
            .map(|(s, d)| (s.kind.as_str(), d))
            .collect()
    }

    /// The stand-in ARN of a KMS key declared in a template.
    pub fn key_arn(&self, logical_id: &str) -> String {
        self.resolver().key_arn(logical_id)
    }

    /// Resolve a template value to a string through the shared model: literals as they are,
    /// `Ref`, `Fn::GetAtt`, `Fn::Sub` and `Fn::Join` to the name or ARN they stand for.
    /// `None` for what cannot be known before deployment.
    pub fn resolve(&self, stack: &str, v: &Value) -> Option<String> {
        let index = self.stacks.iter().position(|s| s.kind == stack)?;
        let json = serde_json::to_value(v).ok()?;
        self.resolver().resolve(index, &json)
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
