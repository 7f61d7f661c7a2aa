//! The manifest written beside the templates: what the applier deploys, in which order, and
//! how to recognise an unchanged template without fetching it.

use indexmap::IndexMap;
use serde::Serialize;

use crate::assets::Asset;

/// The manifest's format version; bumped on any incompatible change.
pub const MANIFEST_VERSION: u32 = 1;

/// CloudFormation's limit on an inline template body (`TemplateBody`).
pub const INLINE_TEMPLATE_LIMIT: usize = 51_200;
/// CloudFormation's limit on a template passed through S3 (`TemplateURL`).
pub const S3_TEMPLATE_LIMIT: usize = 1_000_000;
/// CloudFormation's limit on resources per stack.
pub const RESOURCE_LIMIT: usize = 500;

/// One environment's manifest.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    /// [`MANIFEST_VERSION`].
    pub format_version: u32,
    /// The environment's name.
    pub environment: String,
    /// The account the stacks belong in.
    pub account_id: String,
    /// The region they belong in.
    pub region: String,
    /// The environment's protection level.
    pub protection: String,
    /// Whether stacks get termination protection.
    pub termination_protection: bool,
    /// Tags for every stack.
    pub stack_tags: IndexMap<String, String>,
    /// The stacks, in deployment order.
    pub stacks: Vec<StackEntry>,
    /// Files to upload before deploying.
    pub assets: Vec<Asset>,
}

/// One stack.
#[derive(Debug, Clone, Serialize)]
pub struct StackEntry {
    /// The CloudFormation stack name.
    pub name: String,
    /// The stack's kind (`security`, `storage`, ...).
    pub kind: String,
    /// The template's file name beside the manifest.
    pub template: String,
    /// Names of the stacks that must be deployed first.
    pub depends_on: Vec<String>,
    /// SHA-256 of the template's bytes, hex.
    pub sha256: String,
    /// The template's size in bytes.
    pub bytes: usize,
    /// The number of resources.
    pub resources: usize,
    /// Whether the template is over the inline limit and must be passed through S3.
    pub needs_template_url: bool,
}
