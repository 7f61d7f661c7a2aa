//! Reports for auditors and the architecture diagram, generated from the rendered templates.
//!
//! The input is an environment and what the planner rendered for it; the output is a map of
//! relative paths to bytes (the CLI writes them under `docs/generated/`). Nothing here touches
//! the network, the clock, environment variables or the file system: the templates of
//! `templates/docs/` are compiled in.
//!
//! - `access.md`: every principal × every data location, with the access level computed by
//!   evaluating the generated identity, trust, bucket and key policies ([`access`], [`eval`]);
//!   an appendix cites the statements behind each cell.
//! - `encryption.md`: each data store's key, rotation, TLS enforcement, versioning,
//!   lifecycle, deletion policy, and the environment's protection level.
//! - `audit.md`: what the trail records, where its logs go and for how long, the alarms and
//!   who they notify.
//! - `architecture.md` (Mermaid) and `architecture.svg`: the stacks, the data flow, the keys,
//!   the roles and the monitoring.
//! - `<env>.html`: all of it in one self-contained, printable page: the access matrices as
//!   heat maps, the appendices folded, every table fitting a 1,280 px screen or scrolling on
//!   its own.
//!
//! [`compare()`] lists what differs between two environments, for a promotion review.
//!
//! ```
//! let env = dap_config::parse("prod.yaml", include_str!("../../../environments/prod.yaml"))
//!     .unwrap();
//! let rendered = dap_planner::render(&env).unwrap();
//! let docs = dap_docs::generate(&env, &rendered).unwrap();
//! assert!(docs.contains_key("prod/access.md"));
//! assert!(docs.contains_key("prod/architecture.svg"));
//!
//! let matrix = dap_docs::Model::new(&env, &rendered).unwrap().access;
//! assert_eq!(matrix.level("analyst", "s3:landing"), dap_docs::Level::None);
//! ```
#![warn(missing_docs)]

pub mod access;
pub mod audit;
pub mod compare;
pub mod diagram;
pub mod encryption;
pub mod eval;
pub mod format;
pub mod platform;
pub mod policy;
mod render;

use std::collections::BTreeMap;

use dap_config::Environment;
use dap_planner::Rendered;

pub use access::{AccessMatrix, Cell, Level};
pub use platform::Platform;
pub use policy::Policies;

/// What can stop generating the docs.
#[derive(Debug, thiserror::Error)]
pub enum DocsError {
    /// A rendered template that does not parse back.
    #[error("template of stack `{stack}` cannot be read: {message}")]
    Template {
        /// The stack.
        stack: String,
        /// What is wrong.
        message: String,
    },
    /// A report template that fails to render.
    #[error("report template `{template}` failed: {message}")]
    Report {
        /// The template's name.
        template: String,
        /// What failed, with its causes.
        message: String,
    },
}

/// Generated files: relative path → bytes.
pub type Docs = BTreeMap<String, Vec<u8>>;

/// Everything the reports say about one environment, computed from its rendered templates.
#[derive(Debug, Clone)]
pub struct Model {
    /// The parsed templates.
    pub platform: Platform,
    /// Every policy statement.
    pub policies: Policies,
    /// The access matrix.
    pub access: AccessMatrix,
    /// Encryption, retention and protection of each data store.
    pub encryption: encryption::Encryption,
    /// What the trail records and who the alarms notify.
    pub audit: audit::Audit,
    /// The architecture as a graph.
    pub diagram: diagram::Diagram,
    /// What the platform's rules found, suppressions included.
    pub findings: dap_rules::Report,
}

impl Model {
    /// Compute the model of an environment from what the planner rendered for it.
    pub fn new(env: &Environment, rendered: &Rendered) -> Result<Model, DocsError> {
        let platform = Platform::new(env, rendered)?;
        let policies = policy::collect(&platform);
        let access = access::matrix(&platform, &policies);
        let encryption = encryption::Encryption::new(&platform, &policies);
        let audit = audit::Audit::new(&platform);
        let diagram = diagram::Diagram::new(&platform, &access);
        let findings = dap_rules::check_rendered(env, rendered);
        Ok(Model {
            platform,
            policies,
            access,
            encryption,
            audit,
            diagram,
            findings,
        })
    }
}

/// Generate every report of an environment: `<env>/access.md`, `<env>/encryption.md`,
/// `<env>/audit.md`, `<env>/architecture.md`, `<env>/architecture.svg` and `<env>/<env>.html`.
pub fn generate(env: &Environment, rendered: &Rendered) -> Result<Docs, DocsError> {
    let model = Model::new(env, rendered)?;
    render::environment(&model)
}

/// The comparison of two environments, as `compare-<a>-<b>.md`.
pub fn compare(
    a: (&Environment, &Rendered),
    b: (&Environment, &Rendered),
) -> Result<Docs, DocsError> {
    let ma = Model::new(a.0, a.1)?;
    let mb = Model::new(b.0, b.1)?;
    let diff = compare::Comparison::new(&ma, &mb);
    render::comparison(&diff)
}

/// The evidence report of a live verification (`dap verify --report`): `<env>/verify.md`
/// and a self-contained `<env>/verify.html`, from the verification's JSON document.
pub fn evidence(verification: &serde_json::Value) -> Result<Docs, DocsError> {
    render::evidence(verification)
}
