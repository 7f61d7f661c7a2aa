//! The planner: a pure function from an environment to CloudFormation templates.
//!
//! Stages: `Environment` (from `dap-config`) → platform names ([`names::Names`]) → stacks
//! ([`StackKind`], each built from typed resource models of `dap-cfn`) → rendered templates
//! and a [`manifest::Manifest`]. Nothing here touches the network, the clock, environment
//! variables or the file system: the same environment always renders the same bytes.
//!
//! ```
//! let env = dap_config::parse("local.yaml", include_str!("../../../environments/local.yaml"))
//!     .unwrap();
//! let rendered = dap_planner::render(&env).unwrap();
//! assert_eq!(rendered.stacks[0].kind.slug(), "security");
//! assert!(rendered.stacks[0].yaml.contains("AWS::KMS::Key"));
//! ```
#![warn(missing_docs)]

pub mod assets;
pub mod bootstrap;
mod builder;
pub mod intent;
pub mod manifest;
pub mod names;
pub mod quality;
pub mod queries;
pub mod roles;
pub mod schema;
mod stacks;

use dap_cfn::Template;
use dap_config::{Environment, Protection};
use sha2::{Digest, Sha256};

pub use builder::{platform_tags, Key};
pub use manifest::{Manifest, StackEntry};
pub use stacks::StackKind;

/// What can stop rendering. Config mistakes are caught earlier by `dap-config`; these are
/// limits of CloudFormation and of what the platform knows.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PlanError {
    /// A dataset without a schema in `pipelines/schema/`.
    #[error("environment `{env}` names dataset `{dataset}`, but the platform has no schema for it; known datasets: {known}")]
    UnknownDataset {
        /// The environment.
        env: String,
        /// The dataset.
        dataset: String,
        /// What is known.
        known: String,
    },
    /// A template over a CloudFormation limit.
    #[error("stack `{stack}` is over CloudFormation's limit: {what}")]
    OverLimit {
        /// The stack.
        stack: String,
        /// Which limit, with the figures.
        what: String,
    },
}

/// One rendered stack.
#[derive(Debug, Clone)]
pub struct RenderedStack {
    /// The stack's kind.
    pub kind: StackKind,
    /// The CloudFormation stack name.
    pub name: String,
    /// The typed template.
    pub template: Template,
    /// The template as YAML, exactly as written and deployed.
    pub yaml: String,
    /// SHA-256 of `yaml`, hex.
    pub sha256: String,
}

/// A rendered environment.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The stacks, in deployment order.
    pub stacks: Vec<RenderedStack>,
    /// The manifest.
    pub manifest: Manifest,
}

impl Rendered {
    /// The manifest as pretty JSON, ending with a newline.
    pub fn manifest_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(&self.manifest).expect("manifest serializes");
        s.push('\n');
        s
    }
}

/// Render every stack of an environment.
pub fn render(env: &Environment) -> Result<Rendered, PlanError> {
    for dataset in env.datasets.keys() {
        if schema::dataset(dataset).is_none() {
            return Err(PlanError::UnknownDataset {
                env: env.name.clone(),
                dataset: dataset.clone(),
                known: schema::datasets()
                    .iter()
                    .map(|d| format!("`{}`", d.dataset))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    let names = names::Names::new(env);
    let kinds: Vec<StackKind> = StackKind::ALL
        .into_iter()
        .filter(|k| k.enabled(env))
        .collect();
    let mut stacks = Vec::new();
    let mut entries = Vec::new();
    for kind in &kinds {
        let template = kind.build(env, &names);
        let yaml = template.to_yaml();
        let sha256 = hex::encode(Sha256::digest(yaml.as_bytes()));
        let name = names.stack(kind.slug());
        let resources = template.resources.len();
        check_limits(&name, yaml.len(), resources)?;
        entries.push(StackEntry {
            name: name.clone(),
            kind: kind.slug().to_owned(),
            template: format!("{}.yaml", kind.slug()),
            depends_on: kind
                .depends_on()
                .iter()
                .filter(|d| kinds.contains(d))
                .map(|d| names.stack(d.slug()))
                .collect(),
            sha256: sha256.clone(),
            bytes: yaml.len(),
            resources,
            needs_template_url: yaml.len() > manifest::INLINE_TEMPLATE_LIMIT,
        });
        stacks.push(RenderedStack {
            kind: *kind,
            name,
            template,
            yaml,
            sha256,
        });
    }
    let manifest = Manifest {
        format_version: manifest::MANIFEST_VERSION,
        environment: env.name.clone(),
        account_id: env.account_id.clone(),
        region: env.region.clone(),
        protection: format!("{:?}", env.protection).to_lowercase(),
        termination_protection: env.protection == Protection::Strict,
        stack_tags: platform_tags(env),
        stacks: entries,
        assets: assets::all(),
    };
    Ok(Rendered { stacks, manifest })
}

/// Refuse a template over CloudFormation's resource or size limits.
pub fn check_limits(stack: &str, bytes: usize, resources: usize) -> Result<(), PlanError> {
    if resources > manifest::RESOURCE_LIMIT {
        return Err(PlanError::OverLimit {
            stack: stack.to_owned(),
            what: format!(
                "{resources} resources, at most {} allowed",
                manifest::RESOURCE_LIMIT
            ),
        });
    }
    if bytes > manifest::S3_TEMPLATE_LIMIT {
        return Err(PlanError::OverLimit {
            stack: stack.to_owned(),
            what: format!(
                "{bytes} bytes, at most {} allowed through S3",
                manifest::S3_TEMPLATE_LIMIT
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(bytes: usize, resources: usize, expect: Option<&str>) {
        let got = check_limits("s", bytes, resources)
            .err()
            .map(|e| e.to_string());
        assert_eq!(got.as_deref(), expect);
    }

    #[test]
    fn limits() {
        check(51_201, 500, None);
        check(1_000_000, 1, None);
        check(
            1_000_001,
            1,
            Some("stack `s` is over CloudFormation's limit: 1000001 bytes, at most 1000000 allowed through S3"),
        );
        check(
            10,
            501,
            Some("stack `s` is over CloudFormation's limit: 501 resources, at most 500 allowed"),
        );
    }
}
