//! The structural check: keys, types and shapes of an environment file.
//!
//! The check walks the positioned tree ([`crate::yaml`]) against a schema that mirrors the model
//! ([`crate::model`]), reports every unknown, repeated or missing key and every value of the
//! wrong type, and builds a `serde_yaml::Value` the model can always be deserialized from: bad
//! values are replaced by placeholders and their paths marked *poisoned*, so that the semantic
//! validation that follows runs anyway and stays silent about them (one error per problem).

use std::collections::{HashMap, HashSet};

use serde_yaml::{Mapping, Value};

use crate::error::ErrorKind;
use crate::path::Path;
use crate::rules::{self, code, list, suggest};
use crate::yaml::{Node, NodeKind, NodeTag, Pos, Scalar};

/// The expected shape of a value.
pub(crate) enum Ty {
    /// A string (a plain scalar YAML would read as a number, boolean or null is refused).
    Str,
    /// A string or nothing.
    OptStr,
    /// A non-negative whole number up to `max`.
    Uint { max: u64 },
    /// A dataset year (`u16` in the model).
    Year,
    /// `true` or `false`.
    Bool,
    /// One of a few lowercase words.
    Choice {
        what: &'static str,
        options: &'static [&'static str],
    },
    /// A list.
    Seq(&'static Ty),
    /// A mapping with free keys.
    Dict(&'static Ty),
    /// A mapping with fixed keys.
    Struct(&'static [Field]),
}

/// One key of a [`Ty::Struct`].
pub(crate) struct Field {
    pub key: &'static str,
    pub ty: Ty,
    pub required: bool,
}

const fn req(key: &'static str, ty: Ty) -> Field {
    Field {
        key,
        ty,
        required: true,
    }
}

const fn opt(key: &'static str, ty: Ty) -> Field {
    Field {
        key,
        ty,
        required: false,
    }
}

const U32: Ty = Ty::Uint {
    max: u32::MAX as u64,
};
const U64: Ty = Ty::Uint { max: u64::MAX };

const RETENTION: &[Field] = &[
    opt("landing_expiry_days", U32),
    opt("noncurrent_version_expiry_days", U32),
    opt("log_retention_days", U32),
    opt("athena_results_expiry_days", U32),
];

const PRINCIPALS: &[Field] = &[
    req("data_engineer", Ty::Seq(&Ty::Str)),
    req("analyst", Ty::Seq(&Ty::Str)),
    req("auditor", Ty::Seq(&Ty::Str)),
    opt("break_glass", Ty::OptStr),
];

const GLUE: &[Field] = &[
    opt("worker_type", Ty::Str),
    opt("number_of_workers", U32),
    opt("timeout_minutes", U32),
    opt("max_retries", U32),
    opt("schedule", Ty::Str),
];

const REPORTING_HOST: &[Field] = &[
    opt("enabled", Ty::Bool),
    opt("instance_type", Ty::Str),
    opt("vpc_id", Ty::OptStr),
    opt("subnet_id", Ty::OptStr),
    opt("allowed_cidrs", Ty::Seq(&Ty::Str)),
    opt("egress_cidrs", Ty::Seq(&Ty::Str)),
    opt("egress_prefix_lists", Ty::Seq(&Ty::Str)),
    opt("image", Ty::Str),
    opt("refresh_minutes", U32),
];

const DEPLOY_ROLE: &[Field] = &[
    req("arn", Ty::Str),
    opt("external_id", Ty::OptStr),
    opt("session_name", Ty::OptStr),
    req("trusted_principals", Ty::Seq(&Ty::Str)),
];

const USAGE: &[Field] = &[
    opt(
        "storage_gb",
        Ty::Struct(&[
            opt("landing", U32),
            opt("raw", U32),
            opt("curated", U32),
            opt("athena_results", U32),
            opt("logs", U32),
        ]),
    ),
    opt(
        "requests_per_month",
        Ty::Struct(&[opt("put", U64), opt("get", U64)]),
    ),
    opt("job_minutes_per_run", U32),
    opt("job_runs_per_month", U32),
    opt("queries_per_month", U32),
    opt("mb_scanned_per_query", U32),
    opt("log_ingest_gb", U32),
    opt("kms_requests_per_month", U64),
    opt("cloudtrail_data_events_per_month", U64),
    opt("alarm_notifications_per_month", U32),
];

const SUPPRESSION: &[Field] = &[
    req("rule", Ty::Str),
    req("stack", Ty::Str),
    req("resource", Ty::Str),
    req("reason", Ty::Str),
];

/// The whole file.
pub(crate) const ENVIRONMENT: &[Field] = &[
    req("name", Ty::Str),
    req("account_id", Ty::Str),
    req("region", Ty::Str),
    req("prefix", Ty::Str),
    opt("endpoint_url", Ty::OptStr),
    opt("deploy_role", Ty::Struct(DEPLOY_ROLE)),
    req(
        "protection",
        Ty::Choice {
            what: "protection level",
            options: &["strict", "standard", "relaxed"],
        },
    ),
    req(
        "datasets",
        Ty::Dict(&Ty::Struct(&[
            req("years", Ty::Seq(&Ty::Year)),
            opt(
                "encoding",
                Ty::Choice {
                    what: "text encoding",
                    options: crate::model::SOURCE_ENCODINGS,
                },
            ),
            opt("max_rejected_percent", U32),
        ])),
    ),
    opt("retention", Ty::Struct(RETENTION)),
    req("principals", Ty::Struct(PRINCIPALS)),
    req("alarms", Ty::Struct(&[req("emails", Ty::Seq(&Ty::Str))])),
    req(
        "budget",
        Ty::Struct(&[
            req("monthly_usd", U32),
            opt("alert_thresholds_percent", Ty::Seq(&U32)),
        ]),
    ),
    opt("usage", Ty::Struct(USAGE)),
    opt("glue", Ty::Struct(GLUE)),
    opt("athena", Ty::Struct(&[opt("bytes_scanned_cutoff", U64)])),
    opt("reporting_host", Ty::Struct(REPORTING_HOST)),
    opt("tags", Ty::Dict(&Ty::Str)),
    opt("suppressions", Ty::Seq(&Ty::Struct(SUPPRESSION))),
];

/// The top-level keys, for messages.
pub(crate) fn top_level_keys() -> String {
    let keys: Vec<&str> = ENVIRONMENT.iter().map(|f| f.key).collect();
    list(&keys)
}

/// Where else in the schema `key` is a known key: the paths of the mappings that take it.
fn homes(key: &str) -> Vec<String> {
    /// `parent` is a buffer holding the path walked so far (no allocation unless `key` matches).
    fn walk(fields: &[Field], parent: &mut String, key: &str, out: &mut Vec<String>) {
        for field in fields {
            if field.key == key {
                out.push(parent.clone());
            }
            let (inner, suffix) = match &field.ty {
                Ty::Struct(inner) => (inner, ""),
                Ty::Dict(Ty::Struct(inner)) => (inner, ".<name>"),
                Ty::Seq(Ty::Struct(inner)) => (inner, "[<n>]"),
                _ => continue,
            };
            let len = parent.len();
            if !parent.is_empty() {
                parent.push('.');
            }
            parent.push_str(field.key);
            parent.push_str(suffix);
            walk(inner, parent, key, out);
            parent.truncate(len);
        }
    }
    let mut out = Vec::new();
    walk(ENVIRONMENT, &mut String::new(), key, &mut out);
    out
}

/// A problem with its location (the file name is added later).
#[derive(Clone, Debug)]
pub(crate) struct Problem {
    pub pos: Pos,
    pub field: String,
    pub kind: ErrorKind,
    pub message: String,
    pub allowed: Option<String>,
}

/// Where a path's key and value are.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Located {
    /// The key, for mapping entries.
    pub key: Option<Pos>,
    /// The value.
    pub value: Pos,
}

impl Located {
    /// The value, or the key when the value is empty (`key:` with nothing after it).
    pub fn value_or_key(&self) -> Pos {
        match self.key {
            Some(key) if self.value.start == self.value.end => key,
            _ => self.value,
        }
    }
}

/// How YAML reads a scalar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Resolved {
    Null,
    Bool,
    Int,
    Float,
    Str,
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_int(text: &str) -> bool {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    is_digits(unsigned)
        || text
            .strip_prefix("0o")
            .is_some_and(|o| !o.is_empty() && o.bytes().all(|b| (b'0'..=b'7').contains(&b)))
        || text
            .strip_prefix("0x")
            .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn is_float(text: &str) -> bool {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") || matches!(text, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (unsigned, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((whole, fraction)) => {
            (whole.is_empty() && is_digits(fraction))
                || (is_digits(whole) && (fraction.is_empty() || is_digits(fraction)))
        }
        None => is_digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| is_digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

/// YAML 1.2 core-schema resolution of a scalar.
fn resolve(node: &Node, scalar: &Scalar) -> Resolved {
    let forced_string = matches!(&node.tag, Some(NodeTag::NonSpecific))
        || matches!(&node.tag, Some(NodeTag::Core(t)) if t == "str");
    if !scalar.plain || forced_string {
        return Resolved::Str;
    }
    match scalar.text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => Resolved::Null,
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" => Resolved::Bool,
        t if is_int(t) => Resolved::Int,
        t if is_float(t) => Resolved::Float,
        _ => Resolved::Str,
    }
}

/// What was found, for "expected X, found Y" messages.
fn found(node: &Node) -> String {
    match &node.kind {
        NodeKind::Scalar(s) => match resolve(node, s) {
            Resolved::Null => "an empty value".to_owned(),
            Resolved::Bool => format!("the boolean {}", code(&s.text)),
            Resolved::Int | Resolved::Float => format!("the number {}", code(&s.text)),
            Resolved::Str => format!("the string {}", code(&s.text)),
        },
        NodeKind::Seq(_) => "a list".to_owned(),
        NodeKind::Map(_) => "a mapping".to_owned(),
        NodeKind::Alias => "an alias".to_owned(),
    }
}

/// A value the model accepts, used in place of a missing or bad one.
fn placeholder(ty: &Ty) -> Value {
    match ty {
        Ty::Str => Value::String(String::new()),
        Ty::OptStr => Value::Null,
        Ty::Uint { .. } | Ty::Year => Value::Number(0u64.into()),
        Ty::Bool => Value::Bool(false),
        Ty::Choice { options, .. } => Value::String(options[0].to_owned()),
        Ty::Seq(_) => Value::Sequence(Vec::new()),
        Ty::Dict(_) => Value::Mapping(Mapping::new()),
        Ty::Struct(fields) => Value::Mapping(
            fields
                .iter()
                .filter(|f| f.required)
                .map(|f| (Value::String(f.key.to_owned()), placeholder(&f.ty)))
                .collect(),
        ),
    }
}

/// The structural checker's state.
#[derive(Default)]
pub(crate) struct Checker {
    /// Problems found.
    pub problems: Vec<Problem>,
    /// Position of every path present in the file.
    pub index: HashMap<String, Located>,
    /// Paths whose value was replaced by a placeholder (or left out).
    pub poisoned: HashSet<String>,
}

/// Where a value sits, as passed down the walk.
#[derive(Clone, Copy)]
struct At<'a> {
    node: &'a Node,
    key: Option<Pos>,
}

impl At<'_> {
    fn pos(&self) -> Pos {
        Located {
            key: self.key,
            value: self.node.pos,
        }
        .value_or_key()
    }
}

impl Checker {
    fn report(
        &mut self,
        pos: Pos,
        path: &Path,
        kind: ErrorKind,
        message: String,
        allowed: Option<String>,
    ) {
        self.problems.push(Problem {
            pos,
            field: path.to_string(),
            kind,
            message,
            allowed,
        });
    }

    /// Reports a problem with the value at `path` and marks the path poisoned.
    fn bad(&mut self, at: At<'_>, path: &Path, kind: ErrorKind, message: String) -> Option<Value> {
        self.report(at.pos(), path, kind, message, None);
        self.poisoned.insert(path.to_string());
        None
    }

    fn type_error(&mut self, at: At<'_>, path: &Path, expected: &str) -> Option<Value> {
        let message = format!("expected {expected}, found {}", found(at.node));
        self.bad(at, path, ErrorKind::Type, message)
    }

    /// Checks the root mapping; returns the value to deserialize the model from.
    pub fn check_root(&mut self, root: &Node) -> Value {
        let ty = Ty::Struct(ENVIRONMENT);
        self.check(&ty, root, &Path::root(), None)
            .unwrap_or_else(|| placeholder(&ty))
    }

    /// Checks `node` against `ty`; `None` when it is unusable (reported and poisoned).
    fn check(&mut self, ty: &Ty, node: &Node, path: &Path, key: Option<Pos>) -> Option<Value> {
        let at = At { node, key };
        self.index.insert(
            path.to_string(),
            Located {
                key,
                value: node.pos,
            },
        );
        if let Some(NodeTag::Other(tag)) = &node.tag {
            let message = format!("custom tag {} is not supported", code(tag));
            return self.bad(at, path, ErrorKind::Unsupported, message);
        }
        if let NodeKind::Alias = node.kind {
            let message =
                "aliases (`*name`) are not supported in environment files; write the value out"
                    .to_owned();
            return self.bad(at, path, ErrorKind::Unsupported, message);
        }
        match ty {
            Ty::Str | Ty::OptStr => self.check_str(at, path, matches!(ty, Ty::OptStr)),
            Ty::Uint { max } => self.check_uint(at, path, *max),
            Ty::Year => self.check_uint(at, path, u64::from(u16::MAX)),
            Ty::Bool => match &node.kind {
                NodeKind::Scalar(s) if resolve(node, s) == Resolved::Bool => {
                    Some(Value::Bool(s.text.eq_ignore_ascii_case("true")))
                }
                _ => self.type_error(at, path, "`true` or `false`"),
            },
            Ty::Choice { what, options } => match &node.kind {
                NodeKind::Scalar(s) if resolve(node, s) == Resolved::Str => {
                    if options.contains(&s.text.as_str()) {
                        Some(Value::String(s.text.clone()))
                    } else {
                        let message = format!("{} is not a {what}", code(&s.text));
                        self.report(
                            at.pos(),
                            path,
                            ErrorKind::Value,
                            message,
                            Some(list(options)),
                        );
                        self.poisoned.insert(path.to_string());
                        None
                    }
                }
                _ => self.type_error(at, path, &format!("one of {}", list(options))),
            },
            Ty::Seq(item) => match &node.kind {
                NodeKind::Seq(items) => Some(Value::Sequence(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, n)| {
                            self.check(item, n, &path.index(i), None)
                                .unwrap_or_else(|| placeholder(item))
                        })
                        .collect(),
                )),
                NodeKind::Scalar(s) if resolve(node, s) != Resolved::Null => {
                    let message = format!(
                        "expected a list, found {}; write each entry on its own line starting with `- `",
                        found(node)
                    );
                    self.bad(at, path, ErrorKind::Type, message)
                }
                _ => self.type_error(at, path, "a list"),
            },
            Ty::Dict(value_ty) => {
                let NodeKind::Map(entries) = &node.kind else {
                    return self.type_error(at, path, "a mapping");
                };
                let mut out = Mapping::new();
                for (key_text, key_node, value) in self.keys(entries, path) {
                    let entry_path = path.key(key_text);
                    let v = self
                        .check(value_ty, value, &entry_path, Some(key_node.pos))
                        .unwrap_or_else(|| placeholder(value_ty));
                    out.insert(Value::String(key_text.to_owned()), v);
                }
                Some(Value::Mapping(out))
            }
            Ty::Struct(fields) => self.check_struct(fields, at, path),
        }
    }

    /// The usable entries of a mapping: scalar keys, first occurrence only.
    fn keys<'n>(
        &mut self,
        entries: &'n [(Node, Node)],
        path: &Path,
    ) -> Vec<(&'n str, &'n Node, &'n Node)> {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut out = Vec::new();
        for (key, value) in entries {
            let NodeKind::Scalar(scalar) = &key.kind else {
                let message = format!("keys must be plain text, found {}", found(key));
                // At the top level there is no field to name: the document itself is wrong.
                let kind = match path.parent() {
                    Some(_) => ErrorKind::Unsupported,
                    None => ErrorKind::Document,
                };
                self.report(key.pos, path, kind, message, None);
                continue;
            };
            let text = scalar.text.as_str();
            if let Some(first_line) = seen.get(text) {
                let message = format!(
                    "key {} is repeated (first at line {first_line})",
                    code(text)
                );
                self.report(
                    key.pos,
                    &path.key(text),
                    ErrorKind::DuplicateKey,
                    message,
                    Some("each key once".to_owned()),
                );
                continue;
            }
            seen.insert(text, key.pos.line);
            out.push((text, key, value));
        }
        out
    }

    fn check_struct(&mut self, fields: &[Field], at: At<'_>, path: &Path) -> Option<Value> {
        let NodeKind::Map(entries) = &at.node.kind else {
            let hint = match &at.node.kind {
                NodeKind::Scalar(s) if resolve(at.node, s) == Resolved::Null => {
                    "; write its keys indented below it, or remove it to use the defaults"
                }
                _ => "",
            };
            let message = format!("expected a mapping, found {}{hint}", found(at.node));
            return self.bad(at, path, ErrorKind::Type, message);
        };
        let allowed_keys: Vec<&str> = fields.iter().map(|f| f.key).collect();
        let allowed_text = list(&allowed_keys);
        let mut out = Mapping::new();
        let mut present = HashSet::new();
        for (key_text, key_node, value) in self.keys(entries, path) {
            let entry_path = path.key(key_text);
            let Some(field) = fields.iter().find(|f| f.key == key_text) else {
                self.index.insert(
                    entry_path.to_string(),
                    Located {
                        key: Some(key_node.pos),
                        value: value.pos,
                    },
                );
                let mut message = format!("unknown key {}", code(key_text));
                if let Some(near) = suggest(key_text, allowed_keys.iter().copied()) {
                    message.push_str(&format!(" (did you mean `{near}`?)"));
                } else if let Some(home) = homes(key_text).first() {
                    if home.is_empty() {
                        message.push_str(" (it belongs at the top level)");
                    } else {
                        message.push_str(&format!(" (it belongs under `{home}`)"));
                    }
                }
                self.report(
                    key_node.pos,
                    &entry_path,
                    ErrorKind::UnknownKey,
                    message,
                    Some(allowed_text.clone()),
                );
                continue;
            };
            present.insert(field.key);
            match self.check(&field.ty, value, &entry_path, Some(key_node.pos)) {
                Some(v) => {
                    out.insert(Value::String(field.key.to_owned()), v);
                }
                None if field.required => {
                    out.insert(Value::String(field.key.to_owned()), placeholder(&field.ty));
                }
                None => {}
            }
        }
        for field in fields
            .iter()
            .filter(|f| f.required && !present.contains(f.key))
        {
            let field_path = path.key(field.key);
            let pos = at.key.unwrap_or(at.node.pos);
            let message = match path.parent() {
                Some(_) => format!("missing required key {}", code(field.key)),
                None => format!("missing required top-level key {}", code(field.key)),
            };
            self.report(pos, &field_path, ErrorKind::MissingKey, message, None);
            self.poisoned.insert(field_path.to_string());
            out.insert(Value::String(field.key.to_owned()), placeholder(&field.ty));
        }
        Some(Value::Mapping(out))
    }

    fn check_str(&mut self, at: At<'_>, path: &Path, optional: bool) -> Option<Value> {
        let NodeKind::Scalar(s) = &at.node.kind else {
            return self.type_error(at, path, "a string");
        };
        match resolve(at.node, s) {
            Resolved::Str => Some(Value::String(s.text.clone())),
            Resolved::Null if optional => Some(Value::Null),
            Resolved::Null => self.type_error(at, path, "a string"),
            Resolved::Bool | Resolved::Int | Resolved::Float => {
                let message = format!(
                    "expected a string, found {}; quote it: {}",
                    found(at.node),
                    code(&format!("\"{}\"", s.text))
                );
                self.bad(at, path, ErrorKind::Type, message)
            }
        }
    }

    fn check_uint(&mut self, at: At<'_>, path: &Path, max: u64) -> Option<Value> {
        let NodeKind::Scalar(s) = &at.node.kind else {
            return self.type_error(at, path, "a whole number");
        };
        let text = s.text.as_str();
        match resolve(at.node, s) {
            Resolved::Int => {
                let digits = text.strip_prefix('+').unwrap_or(text);
                if digits.starts_with('-') {
                    return self.type_error(at, path, "a whole number of 0 or more");
                }
                if !is_digits(digits) {
                    let message = format!(
                        "{} is not a decimal number; write it in decimal",
                        code(text)
                    );
                    return self.bad(at, path, ErrorKind::Type, message);
                }
                let value = digits.parse::<u64>().ok().filter(|v| *v <= max);
                match value {
                    Some(v) => Some(Value::Number(v.into())),
                    None => {
                        let reject = if max == u64::from(u16::MAX) {
                            rules::Reject::new(
                                format!("{} is not a year the platform ingests", code(text)),
                                "four-digit years from 1997 to 2100",
                            )
                        } else {
                            rules::Reject::new(
                                format!("{} is too large", code(text)),
                                format!("at most {max}"),
                            )
                        };
                        self.report(
                            at.pos(),
                            path,
                            ErrorKind::Value,
                            reject.message,
                            reject.allowed,
                        );
                        self.poisoned.insert(path.to_string());
                        None
                    }
                }
            }
            Resolved::Str if is_int(text.trim()) => {
                let message = format!(
                    "expected a whole number, found {}; remove the quotes",
                    found(at.node)
                );
                self.bad(at, path, ErrorKind::Type, message)
            }
            _ => self.type_error(at, path, "a whole number"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Environment;

    /// Every struct level of the schema has exactly the model's keys.
    #[test]
    fn schema_matches_model() {
        let mut checker = Checker::default();
        let full = r#"
name: prod
account_id: "333333333333"
region: ca-central-1
prefix: dap-prod
endpoint_url: http://127.0.0.1:5000
deploy_role: {arn: r, external_id: x, session_name: s, trusted_principals: [t]}
protection: strict
datasets: {business-licences: {years: [2024], encoding: windows-1252, max_rejected_percent: 3}}
retention: {landing_expiry_days: 1, noncurrent_version_expiry_days: 1, log_retention_days: 1, athena_results_expiry_days: 1}
principals: {data_engineer: [a], analyst: [b], auditor: [c], break_glass: g}
alarms: {emails: [a@b.ca]}
budget: {monthly_usd: 1, alert_thresholds_percent: [1]}
usage: {storage_gb: {landing: 1, raw: 1, curated: 1, athena_results: 1, logs: 1}, requests_per_month: {put: 1, get: 1}, job_minutes_per_run: 1, job_runs_per_month: 1, queries_per_month: 1, mb_scanned_per_query: 1, log_ingest_gb: 1, kms_requests_per_month: 1, cloudtrail_data_events_per_month: 1, alarm_notifications_per_month: 1}
glue: {worker_type: G.1X, number_of_workers: 2, timeout_minutes: 1, max_retries: 1, schedule: x}
athena: {bytes_scanned_cutoff: 1}
reporting_host: {enabled: true, instance_type: t, vpc_id: v, subnet_id: s, allowed_cidrs: [c], egress_cidrs: [e], egress_prefix_lists: [p], image: i, refresh_minutes: 1}
tags: {a: b}
suppressions: [{rule: DAP-S3-007, stack: storage, resource: AccessLogsBucket, reason: r}]
"#;
        let doc = crate::yaml::load(full).unwrap();
        let value = checker.check_root(doc.root.as_ref().unwrap());
        assert!(checker.problems.is_empty(), "{:?}", checker.problems);
        let env: Environment = serde_yaml::from_value(value.clone()).unwrap();
        // Serializing the model gives back exactly the keys the schema knows.
        let back = serde_yaml::to_value(&env).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn homes_of_keys() {
        assert_eq!(homes("log_retention_days"), ["retention"]);
        assert_eq!(homes("years"), ["datasets.<name>"]);
        assert_eq!(homes("region"), [""]);
        assert_eq!(homes("reason"), ["suppressions[<n>]"]);
        assert_eq!(homes("athena_results"), ["usage.storage_gb"]);
        assert!(homes("colour").is_empty());
    }

    /// Every key of the schema has its row in the README's table of environment keys: the
    /// row names the whole path (`usage.storage_gb.raw`), or its section's path and the key
    /// (`reporting_host.vpc_id`, `subnet_id`).
    #[test]
    fn the_readme_documents_every_key() {
        fn leaves(fields: &[Field], parent: &str, out: &mut Vec<(String, String)>) {
            for field in fields {
                let path = if parent.is_empty() {
                    field.key.to_owned()
                } else {
                    format!("{parent}.{}", field.key)
                };
                match &field.ty {
                    Ty::Struct(inner) => leaves(inner, &path, out),
                    Ty::Dict(Ty::Struct(inner)) => leaves(inner, &format!("{path}.<name>"), out),
                    _ => out.push((parent.to_owned(), field.key.to_owned())),
                }
            }
        }
        let readme = include_str!("../../../README.md");
        let table = readme
            .split("| key | required | default | allowed values |")
            .nth(1)
            .expect("the README's table of environment keys");
        let first_cells: Vec<&str> = table
            .lines()
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .map(|l| l.split(" | ").next().unwrap_or(""))
            .collect();
        let mut all = Vec::new();
        leaves(ENVIRONMENT, "", &mut all);
        let missing: Vec<String> = all
            .iter()
            .filter(|(parent, key)| {
                let whole = if parent.is_empty() {
                    format!("`{key}`")
                } else {
                    format!("`{parent}.{key}`")
                };
                !first_cells.iter().any(|cell| {
                    cell.contains(&whole)
                        || (!parent.is_empty()
                            && cell.contains(&format!("`{parent}."))
                            && cell.contains(&format!("`{key}`")))
                })
            })
            .map(|(parent, key)| format!("{parent}.{key}"))
            .collect();
        assert!(
            missing.is_empty(),
            "keys without a row in the README's table: {missing:?}"
        );
    }

    #[test]
    fn placeholders_deserialize() {
        let value = placeholder(&Ty::Struct(ENVIRONMENT));
        let _: Environment = serde_yaml::from_value(value).unwrap();
    }

    #[test]
    fn scalar_resolution() {
        for int in ["0", "-1", "+5", "0o17", "0x1F", "333333333333"] {
            assert!(is_int(int), "{int}");
        }
        for float in ["1.5", ".5", "1.", "1e3", "-1.5E-3", ".inf", "-.inf", ".nan"] {
            assert!(is_float(float), "{float}");
        }
        for text in ["1.2.3", "e3", "0x", "abc", "1_000", "."] {
            assert!(!is_int(text) && !is_float(text), "{text}");
        }
    }
}
