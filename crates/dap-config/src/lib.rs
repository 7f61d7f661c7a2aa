//! Environment files of the data analytics platform: parsing, defaults and validation.
//!
//! Each environment is one file, `environments/<env>.yaml`. [`parse`] turns its text (or
//! [`parse_bytes`] its raw content) into the typed [`Environment`], or into [`ConfigErrors`]
//! listing **every** problem of the file, each with its line, column and field path. The crate
//! is pure: it reads no files, environment variables or clock and makes no network calls (the
//! CLI reads the file and passes its content).
//!
//! # Defaults live in code
//!
//! Shared defaults (retention, Glue sizing and schedule, the Athena cutoff, the reporting host's
//! instance type and image, budget thresholds, the cost estimate's usage assumptions) are the
//! `Default`s and `#[serde(default)]`s of [`model`]. An environment file states only what differs from them; do not copy defaults into
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
//! Before any of that, the content itself: it must be at most [`MAX_FILE_BYTES`] (1 MiB), UTF-8
//! ([`parse_bytes`] locates the first invalid byte) and text (a NUL byte or another control
//! character YAML does not allow is refused where it is). Each of these is the file's only
//! error. Nesting deeper than 32 levels is a syntax error.
//!
//! # Limits on what is printed
//!
//! Reporting costs time linear in the size of the file, and what is printed does not grow
//! with it. [`ConfigErrors`] keeps every error, but its `Display` and its miette rendering show
//! the first [`MAX_SHOWN_ERRORS`] (50) and then count the others (`... and 12 more errors (62
//! in all)`; [`ConfigErrors::shown`] and [`ConfigErrors::hidden`] give the counts). A value
//! quoted in a message is cut to 80 characters with `…`; each miette diagnostic carries only
//! the lines around its error, each cut to 100 characters around it, so one error on a
//! megabyte-long line prints a few hundred bytes.
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

pub use error::{ConfigError, ConfigErrors, ErrorKind, MAX_SHOWN_ERRORS};
pub use model::{
    Alarms, Athena, Budget, Dataset, DeployRole, Environment, Glue, Principals, Protection,
    ReportingHost, Requests, Retention, StorageGb, Suppression, Usage,
};
pub use rules::{
    validate_schedule, ScheduleKind, GLUE_WORKER_TYPES, LOG_RETENTION_DAYS,
    MIN_BYTES_SCANNED_CUTOFF, REGIONS, STACK_NAMES,
};

use std::ops::Range;

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

/// The largest environment file [`parse`] and [`parse_bytes`] accept: 1 MiB.
///
/// A larger input is refused with one [`ErrorKind::TooLarge`] error before any of it is read.
/// A caller reading a file can read at most `MAX_FILE_BYTES + 1` bytes and pass them on: the
/// extra byte is enough to be refused.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;

/// Parses one environment file's raw content: [`parse`] for UTF-8 text, a located
/// [`ErrorKind::Encoding`] error otherwise.
///
/// # Errors
///
/// As [`parse`]; besides, content that is not UTF-8 gets one error at its first invalid byte,
/// with that byte's line, column and offset:
///
/// ```text
/// environments/x.yaml:3:7: the file is not UTF-8 text: invalid byte 0xff at byte offset 42; allowed: ...
/// ```
pub fn parse_bytes(file_name: &str, bytes: &[u8]) -> Result<Environment, ConfigErrors> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(too_large(file_name, bytes.len()));
    }
    match std::str::from_utf8(bytes) {
        Ok(source) => parse(file_name, source),
        Err(e) => {
            let at = e.valid_up_to();
            let len = e.error_len().unwrap_or(bytes.len() - at);
            let message = format!(
                "the file is not UTF-8 text: invalid byte {:#04x} at byte offset {at}",
                bytes[at]
            );
            Err(not_text(file_name, bytes, at..at + len, message))
        }
    }
}

/// Parses one environment file's text, applies defaults and validates every value.
///
/// `file_name` is the path the text came from (such as `environments/prod.yaml`): it appears
/// in error messages, and the environment's `name` must equal its stem (`prod`).
///
/// # Errors
///
/// [`ConfigErrors`] with every problem found, sorted by position. Text larger than
/// [`MAX_FILE_BYTES`] is refused unread, and text holding a NUL byte or another control
/// character YAML does not allow (binary content) is refused at the first such character; in
/// both cases that is the only error. A YAML syntax error stops reading, so it is reported
/// alone.
pub fn parse(file_name: &str, source: &str) -> Result<Environment, ConfigErrors> {
    if source.len() > MAX_FILE_BYTES {
        return Err(too_large(file_name, source.len()));
    }
    if let Some((at, c)) = first_non_printable(source) {
        let what = match c {
            '\0' => "a NUL byte".to_owned(),
            c if c.is_control() => format!("the control character U+{:04X}", u32::from(c)),
            c => format!("the non-character U+{:04X}", u32::from(c)),
        };
        let message = format!("the file holds {what} at byte offset {at}, so it is not text");
        return Err(not_text(
            file_name,
            source.as_bytes(),
            at..at + c.len_utf8(),
            message,
        ));
    }
    let fail = |problems: Vec<Problem>| {
        ConfigErrors::new(
            file_name,
            Some(source.as_bytes()),
            located(file_name, problems),
        )
    };
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

/// The one error for input larger than [`MAX_FILE_BYTES`] (none of it is shown).
fn too_large(file_name: &str, len: usize) -> ConfigErrors {
    let error = ConfigError {
        file: file_name.to_owned(),
        line: 1,
        column: 1,
        field: String::new(),
        kind: ErrorKind::TooLarge,
        message: format!(
            "the file is {len} bytes; environment files are limited to 1 MiB ({MAX_FILE_BYTES} bytes)"
        ),
        allowed: None,
        span: 0..0,
    };
    ConfigErrors::new(file_name, None, vec![error])
}

/// The one error for content that is not text, located at `span`: the first bad byte or
/// character, after which nothing is read.
fn not_text(file_name: &str, bytes: &[u8], span: Range<usize>, message: String) -> ConfigErrors {
    // Everything before the first bad byte is text, so its lines and columns can be counted.
    let before = String::from_utf8_lossy(&bytes[..span.start]);
    let line_start = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let error = ConfigError {
        file: file_name.to_owned(),
        line: yaml::line_count(&before),
        column: before[line_start..].chars().count() + 1,
        field: String::new(),
        kind: ErrorKind::Encoding,
        message,
        allowed: Some(
            "UTF-8 text without control characters other than tabs and line breaks".to_owned(),
        ),
        span,
    };
    ConfigErrors::new(file_name, Some(bytes), vec![error])
}

/// The first character YAML does not allow in a file (outside its printable set: C0 and C1
/// control characters other than tab, line breaks and NEL, DEL, U+FFFE and U+FFFF), with its
/// byte offset.
fn first_non_printable(source: &str) -> Option<(usize, char)> {
    let printable = |c: char| {
        matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}')
            || (c >= '\u{a0}' && !matches!(c, '\u{fffe}' | '\u{ffff}'))
    };
    if source.is_ascii() {
        let at = source.bytes().position(|b| !printable(char::from(b)))?;
        return Some((at, char::from(source.as_bytes()[at])));
    }
    source.char_indices().find(|&(_, c)| !printable(c))
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
