//! What every stack module builds with: the environment, its names, and a template under
//! construction that knows how to ask for the KMS key ARNs other stacks publish.

use dap_cfn::resources::{tags, Tag};
use dap_cfn::{r#ref, Parameter, ResourceEntry, Template, Value};
use dap_config::Environment;
use indexmap::IndexMap;

use crate::names::Names;

/// The platform's two customer-managed keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// Encrypts the data lake, Glue output and Athena results.
    Data,
    /// Encrypts logs, the trail and the alarm topic.
    Logs,
}

impl Key {
    /// The key's short name (`data`, `logs`).
    pub fn slug(self) -> &'static str {
        match self {
            Key::Data => "data",
            Key::Logs => "logs",
        }
    }

    /// The template parameter through which consuming stacks receive the key's ARN.
    pub fn parameter(self) -> &'static str {
        match self {
            Key::Data => "DataKeyArn",
            Key::Logs => "LogsKeyArn",
        }
    }

    /// The key's logical id in the security stack.
    pub fn logical_id(self) -> &'static str {
        match self {
            Key::Data => "DataKey",
            Key::Logs => "LogsKey",
        }
    }
}

/// A template under construction for one environment.
pub struct Builder<'a> {
    /// The environment.
    pub env: &'a Environment,
    /// Its physical names.
    pub names: &'a Names,
    /// The template being built.
    pub template: Template,
}

impl<'a> Builder<'a> {
    /// Start a template.
    pub fn new(env: &'a Environment, names: &'a Names, description: &str) -> Self {
        Builder {
            env,
            names,
            template: Template::new(description),
        }
    }

    /// A KMS key's ARN, received through an SSM-typed template parameter that the security
    /// stack's parameter feeds (no CloudFormation export is involved).
    pub fn key_arn(&mut self, key: Key) -> Value<String> {
        let name = self.names.key_parameter(key.slug());
        self.template
            .parameters
            .entry(key.parameter().to_owned())
            .or_insert_with(|| Parameter {
                kind: "AWS::SSM::Parameter::Value<String>".to_owned(),
                description: format!(
                    "ARN of the {} key, published by the security stack",
                    key.slug()
                ),
                default: Some(name),
            });
        r#ref(key.parameter())
    }

    /// The environment's tags plus the platform's own, as a tag list.
    pub fn tags(&self) -> Vec<Tag> {
        tags(self.tag_map().iter())
    }

    /// The same tags as a map (Glue and SSM take a map).
    pub fn tag_map(&self) -> IndexMap<String, String> {
        platform_tags(self.env)
    }

    /// Add a resource.
    pub fn add(&mut self, logical_id: &str, entry: ResourceEntry) {
        self.template.add(logical_id, entry);
    }

    /// Add an output.
    pub fn output(&mut self, name: &str, description: &str, value: Value<String>) {
        self.template.output(name, description, value);
    }

    /// Finish.
    pub fn finish(self) -> Template {
        self.template
    }
}

/// The tags on every stack and taggable resource: the environment's, then `dap:environment`.
pub fn platform_tags(env: &Environment) -> IndexMap<String, String> {
    let mut map = env.tags.clone();
    map.insert("dap:environment".to_owned(), env.name.clone());
    map
}
