//! Policy-as-code: the platform's security rules, run over rendered CloudFormation templates.
//!
//! The rules read the templates as text (YAML or JSON, short-form intrinsics included), not
//! the planner's Rust models, so they also catch what a hand-edited template or a future code
//! change would break. Each rule is a type in [`rules`], one file per rule, with a stable code
//! from [`codes`], a name after the pattern it flags, a severity and a doc comment (what it
//! checks, why, a failing and a passing example, the fix, references) that is both its
//! rustdoc and the source of `docs/rules/<code>.md` ([`docs`]).
//!
//! Findings are data ([`Finding`]): code, severity, stack, logical id, message, fix, and
//! whether a suppression accepts it. Suppressions name a rule, a resource and a reason, in the
//! environment file (`suppressions:`) or, for platform-wide exceptions, in the resource's
//! `Metadata: {dap: {suppress: [{rule, reason}]}}`. Suppressed findings stay in the report; a
//! suppression that matches nothing is itself an error finding (`DAP-SUP-001`).
//!
//! The crate is pure: no file system, network, clock or environment variables; the CLI reads
//! files and passes their text.
//!
//! ```
//! let env = dap_config::parse("prod.yaml", include_str!("../../../environments/prod.yaml"))
//!     .unwrap();
//! let rendered = dap_planner::render(&env).unwrap();
//! let report = dap_rules::check_rendered(&env, &rendered);
//! assert!(!report.has_errors(), "{:#?}", report.findings);
//!
//! // A hand-written template with a bucket that blocks nothing.
//! let text = "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n";
//! let source = dap_rules::Source { stack: "scratch", slug: "scratch", file: "scratch.yaml", text };
//! let report = dap_rules::check_templates("scratch", &[source]).unwrap();
//! assert!(report.has_errors());
//! assert!(report.findings.iter().any(|f| f.code == "DAP-S3-001" && f.logical_id == "Bucket"));
//! ```
#![warn(missing_docs)]

#[macro_use]
mod rule;

pub mod codes;
pub mod context;
pub mod docs;
mod engine;
mod error;
mod finding;
pub mod rules;
pub mod sarif;
pub mod template;
mod tls;
pub mod value;

use dap_config::Environment;
use dap_planner::Rendered;

pub use error::RulesError;
pub use finding::{Finding, Report, Severity, Suppressed, SuppressionSource};
pub use rule::{Hit, Meta, Rule};
pub use template::Source;

/// Check an environment's rendered templates, with the environment's facts (region, bucket
/// names, retention, protection) and its suppressions. `plan` and `apply` refuse to proceed
/// when [`Report::has_errors`].
///
/// The rules read each stack's serialized template tree, built with the same serializer that
/// wrote its YAML (so it is the document the YAML text encodes; a test checks the two are
/// equal for every shipped environment) instead of parsing the text again: parsing YAML is
/// four fifths of the cost of a check. [`check_sources`] reads text.
pub fn check_rendered(env: &Environment, rendered: &Rendered) -> Report {
    let files = files(rendered);
    let sources = sources(rendered, &files);
    let trees = rendered
        .stacks
        .iter()
        .map(|s| serde_json::to_value(&s.template).expect("a template serializes"))
        .collect();
    engine::run(&env.name, &sources, Some(trees), Some(env))
        .expect("a rendered template is a template")
}

/// Check templates given as text, with an environment's facts and suppressions when it is
/// given: what [`check_rendered`] does, from text (for templates rendered from an environment
/// and changed since, or to check exactly the bytes that will be deployed).
///
/// # Errors
///
/// None for a text that cannot be parsed: it is a `DAP-TPL-001` finding and the other texts
/// are still checked. The `Result` is kept for errors that stop a whole check.
pub fn check_sources(
    target: &str,
    sources: &[Source<'_>],
    env: Option<&Environment>,
) -> Result<Report, RulesError> {
    engine::run(target, sources, None, env)
}

/// Check templates from anywhere (`dap check --templates DIR`): without an environment, only
/// the suppressions in the templates' metadata apply, and rules that need an environment's
/// facts check what the templates alone can show.
///
/// # Errors
///
/// None for a file that cannot be parsed (several documents, a duplicated key, not YAML or
/// JSON): it is a `DAP-TPL-001` finding and the other files are still checked. A document
/// without `Resources` is not an error: it is listed in [`Report::skipped`].
pub fn check_templates(target: &str, sources: &[Source<'_>]) -> Result<Report, RulesError> {
    engine::run(target, sources, None, None)
}

/// The `DAP-TPL-001` finding of a file that cannot be read at all (a permission error, bytes
/// that are not UTF-8), for callers that read files themselves; files that are read but do
/// not parse get theirs from the check.
pub fn unreadable(source: &Source<'_>, message: &str) -> Finding {
    engine::unreadable_finding(source, message)
}

/// The file name of each rendered stack (`storage.yaml`), as `dap render` writes it.
pub fn files(rendered: &Rendered) -> Vec<String> {
    rendered
        .stacks
        .iter()
        .map(|s| format!("{}.yaml", s.kind.slug()))
        .collect()
}

/// The rendered stacks as sources, with their file names from [`files`].
pub fn sources<'a>(rendered: &'a Rendered, files: &'a [String]) -> Vec<Source<'a>> {
    rendered
        .stacks
        .iter()
        .zip(files)
        .map(|(s, file)| Source {
            stack: &s.name,
            slug: s.kind.slug(),
            file,
            text: &s.yaml,
        })
        .collect()
}
