//! Environment files of the data analytics platform: parsing, defaults and validation.
//!
//! Each environment is one file, `environments/<env>.yaml`. [`parse`] turns its text into the
//! typed [`Environment`], or into [`ConfigErrors`] listing **every** problem of the file, each
//! with its line, column and field path. The crate is pure: it reads no files, environment
//! variables or clock and makes no network calls (the CLI reads the file and passes its text).
//!
//! # Defaults live in code
//!
//! Shared defaults (retention, Glue sizing and schedule, the Athena cutoff, the reporting host's
//! instance type and image, budget thresholds) are the `Default`s and `#[serde(default)]`s of
//! [`model`]. An environment file states only what differs from them; do not copy defaults into
//! the files, so that changing a default changes every environment that did not choose otherwise.
//!
//! # What is checked
//!
//! Unknown keys (all of them, with the keys allowed there), repeated and missing keys, value
//! types (an unquoted account id is refused with a hint to quote it), and every value AWS would
//! reject later: names and prefixes (including the length of every derived bucket name, see
//! [`bucket_name`]), regions, account ids, ARNs of principals (roles and account roots only),
//! emails, CloudWatch Logs retention values, Glue worker types, limits and `cron(...)`
//! schedules, Athena's minimum cutoff, reporting-host ids and CIDR blocks, tags, and rule
//! suppressions (rule code, stack, logical id and a non-empty reason, each suppressed once).
//!
//! # How positions are found
//!
//! `serde_yaml` stops at the first error and its `Value` carries no positions, so the text is
//! first read with [`saphyr_parser`]'s event parser into a small tree in which every key and
//! value knows its byte range, line and column. A schema walk over that tree reports all
//! structural problems at once and builds a `serde_yaml::Value` in which bad values are
//! replaced by placeholders; `serde_yaml` then deserializes the model from it (so the model's
//! serde defaults apply), and semantic validation runs on the typed model, locating each
//! failing field path through the tree and staying silent about values already reported.
//!
//! # Example
//!
//! ```
//! let source = r#"
//! name: dev
//! account_id: "111111111111"
//! region: ca-central-1
//! prefix: dap-dev
//! protection: relaxed
//! datasets:
//!   business-licences:
//!     years:
//!       - 2024
//! principals:
//!   data_engineer: ["arn:aws:iam::111111111111:role/data-engineer"]
//!   analyst: ["arn:aws:iam::111111111111:role/analyst"]
//!   auditor: ["arn:aws:iam::111111111111:role/auditor"]
//! alarms:
//!   emails: [data-platform-alerts@vancouver.ca]
//! budget:
//!   monthly_usd: 100
//! "#;
//! let env = dap_config::parse("environments/dev.yaml", source).unwrap();
//! assert_eq!(env.retention.log_retention_days, 365); // a default from code
//! assert_eq!(
//!     dap_config::bucket_name(&env, "landing"),
//!     "dap-dev-landing-111111111111-ca-central-1"
//! );
//!
//! let broken = source.replace("region: ca-central-1", "region: ca-central-9\nregon: x");
//! let errors = dap_config::parse("environments/dev.yaml", &broken).unwrap_err();
//! assert_eq!(errors.len(), 2);
//! assert!(errors.to_string().starts_with(
//!     "environments/dev.yaml:4:9: field `region`: `ca-central-9` is not an AWS region"
//! ));
//! ```

#![warn(missing_docs)]

mod error;
pub mod model;
mod path;
mod rules;
mod schema;
mod validate;
mod yaml;

pub use error::{ConfigError, ConfigErrors, ErrorKind};
pub use model::{
    Alarms, Athena, Budget, Dataset, Environment, Glue, Principals, Protection, ReportingHost,
    Retention, Suppression,
};
pub use rules::{
    validate_schedule, ScheduleKind, GLUE_WORKER_TYPES, LOG_RETENTION_DAYS,
    MIN_BYTES_SCANNED_CUTOFF, REGIONS, STACK_NAMES,
};

use schema::Problem;
use yaml::Pos;

/// The zones that get a bucket, as they appear in bucket names, in declaration order.
pub const BUCKET_ZONES: &[&str] = &[
    "landing",
    "raw",
    "curated",
    "athena-results",
    "assets",
    "trail-logs",
    "access-logs",
];

/// The physical name of a zone's bucket: `<prefix>-<zone>-<account_id>-<region>`.
///
/// `zone` is one of [`BUCKET_ZONES`]. [`parse`] has checked that every such name is a valid
/// S3 bucket name of at most 63 characters.
pub fn bucket_name(env: &Environment, zone: &str) -> String {
    format!("{}-{zone}-{}-{}", env.prefix, env.account_id, env.region)
}

/// Parses one environment file's text, applies defaults and validates every value.
///
/// `file_name` is the path the text came from (such as `environments/prod.yaml`): it appears
/// in error messages, and the environment's `name` must equal its stem (`prod`).
///
/// # Errors
///
/// [`ConfigErrors`] with every problem found, sorted by position. A YAML syntax error stops
/// reading, so it is reported alone.
pub fn parse(file_name: &str, source: &str) -> Result<Environment, ConfigErrors> {
    let fail =
        |problems: Vec<Problem>| ConfigErrors::new(file_name, source, located(file_name, problems));
    let document = match yaml::load(source) {
        Ok(document) => document,
        Err(problem) => {
            return Err(fail(vec![Problem {
                pos: problem.pos,
                field: String::new(),
                kind: ErrorKind::Syntax,
                message: problem.message,
                allowed: None,
            }]))
        }
    };
    let mut problems: Vec<Problem> = document
        .problems
        .into_iter()
        .map(|p| Problem {
            pos: p.pos,
            field: String::new(),
            kind: ErrorKind::Document,
            message: p.message,
            allowed: None,
        })
        .collect();
    let root = match document.root {
        Some(root) if matches!(root.kind, yaml::NodeKind::Map(_)) => root,
        other => {
            let message = match &other {
                Some(node) if !is_empty_scalar(node) => format!(
                    "expected a mapping of environment settings, found {}",
                    describe_root(node)
                ),
                _ => "the file holds no settings".to_owned(),
            };
            problems.push(Problem {
                pos: other.map_or(Pos::file_start(), |n| n.pos),
                field: String::new(),
                kind: ErrorKind::Document,
                message,
                allowed: Some(format!(
                    "a mapping with the keys {}",
                    schema::top_level_keys()
                )),
            });
            return Err(fail(problems));
        }
    };
    let mut checker = schema::Checker::default();
    let value = checker.check_root(&root);
    problems.append(&mut checker.problems);
    match serde_yaml::from_value::<Environment>(value) {
        Ok(env) => {
            let mut ctx = validate::Ctx::new(&checker.index, &checker.poisoned, root.pos);
            validate::validate(&env, file_name, &mut ctx);
            problems.append(&mut ctx.problems);
            if problems.is_empty() {
                return Ok(env);
            }
        }
        Err(e) => problems.push(Problem {
            pos: root.pos,
            field: String::new(),
            kind: ErrorKind::Document,
            message: format!("internal error: the checked file does not fit the model: {e}"),
            allowed: None,
        }),
    }
    Err(fail(problems))
}

fn is_empty_scalar(node: &yaml::Node) -> bool {
    matches!(&node.kind, yaml::NodeKind::Scalar(s) if s.plain && matches!(s.text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
}

fn describe_root(node: &yaml::Node) -> &'static str {
    match node.kind {
        yaml::NodeKind::Seq(_) => "a list",
        yaml::NodeKind::Alias => "an alias",
        _ => "a single value",
    }
}

/// Sorts problems by position and attaches the file name.
fn located(file_name: &str, mut problems: Vec<Problem>) -> Vec<ConfigError> {
    problems.sort_by_key(|p| (p.pos.start, p.pos.line, p.pos.column));
    problems
        .into_iter()
        .map(|p| ConfigError {
            file: file_name.to_owned(),
            line: p.pos.line,
            column: p.pos.column,
            field: p.field,
            kind: p.kind,
            message: p.message,
            allowed: p.allowed,
            span: p.pos.start..p.pos.end,
        })
        .collect()
}
