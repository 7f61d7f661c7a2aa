//! `verify`: prove the live account matches the model.
//!
//! CloudFormation's view of a stack (its status, drift detection) misses what auditors fear
//! most: an inline policy added to a role in the console, a managed policy attached to it, a
//! statement added to a key policy, rotation switched off, the trail stopped, a metric filter
//! edited, an alarm's actions disabled, a log group's retention shortened, a bucket's public
//! access block lifted. `verify` reads those things back through each service's own API and
//! compares them with what the rendered templates say:
//!
//! - [`expect`] reads the rendered templates (through the shared model, `dap-model`) into
//!   what should be live: roles, managed policies, keys and aliases, the trail, the log
//!   groups, metric filters, alarms and subscriptions, and the buckets;
//! - [`live`] reads the account, every service at the same time, with list calls where one
//!   serves (one paginated `GetAccountAuthorizationDetails` for every role and local policy);
//! - [`compare`] turns the two into [`Check`]s, each with a stable [`codes`] code;
//! - [`access`] evaluates the live IAM, bucket and key policies with the evaluator that
//!   builds the access matrix, and reports every principal × location where live access is
//!   wider than the model's.
//!
//! Policies are compared statement by statement for meaning, not spelling: a statement is
//! its effect, principals, actions (case-insensitive), resources and conditions (keys
//! case-insensitive), each as a set; its `Sid`, the order of statements and of values, and
//! a one-element list written as a string do not count.

pub mod access;
pub mod codes;
pub mod compare;
pub mod expect;
pub mod live;

use std::collections::BTreeMap;
use std::time::{Instant, SystemTime};

use dap_model::policy::{PrincipalPattern, Statement};
use serde::Serialize;

use crate::{Error, Inner};

pub use codes::{Code, Severity, CODES};

/// The version of the `verify --json` document; raised when a field changes meaning or goes.
pub const VERIFY_FORMAT_VERSION: u32 = 1;

/// One comparison of something live with the model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// The finding's code when the check fails (`LIVE-IAM-003`); see [`CODES`].
    pub code: &'static str,
    /// The service (`iam`, `kms`, `cloudtrail`, `cloudwatch`, `logs`, `sns`, `s3`, `access`).
    pub service: &'static str,
    /// What was checked: a role, key alias, trail, log group, alarm, bucket name.
    pub resource: String,
    /// The property compared (`trust policy`, `rotation`, `retention in days`).
    pub check: String,
    /// What the model says.
    pub expected: String,
    /// What is live.
    pub live: String,
    /// Whether live matches the model.
    pub passed: bool,
    /// How bad a failure is.
    pub severity: Severity,
    /// What to do about a failure.
    pub fix: String,
}

/// The outcome of `verify`.
#[derive(Clone, Debug, Serialize)]
pub struct Verification {
    /// [`VERIFY_FORMAT_VERSION`].
    pub format_version: u32,
    /// The environment.
    pub environment: String,
    /// The account checked.
    pub account_id: String,
    /// The region checked.
    pub region: String,
    /// Who checked (`sts:GetCallerIdentity`).
    pub caller_arn: String,
    /// When the check started (RFC 3339, UTC).
    pub checked_at: String,
    /// How long the reads and comparisons took, in milliseconds.
    pub elapsed_ms: u64,
    /// Counts.
    pub summary: VerifySummary,
    /// The failed checks, most severe first.
    pub findings: Vec<Check>,
    /// Every check, by service, in the order made.
    pub checks: Vec<Check>,
    /// The AWS requests `verify` made, by `service:Operation`.
    pub calls: BTreeMap<String, usize>,
}

/// The counts of a [`Verification`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VerifySummary {
    /// Checks made.
    pub checks: usize,
    /// Checks passed.
    pub passed: usize,
    /// Checks failed (the findings).
    pub findings: usize,
    /// Failed checks by severity.
    pub high: usize,
    /// Failed checks by severity.
    pub medium: usize,
    /// Failed checks by severity.
    pub low: usize,
    /// AWS requests made.
    pub calls: usize,
}

impl Verification {
    /// Whether every check passed.
    pub fn clean(&self) -> bool {
        self.findings.is_empty()
    }

    /// One line: `412 checks, 3 findings (2 high, 1 medium), 57 calls`.
    pub fn summary_line(&self) -> String {
        let s = &self.summary;
        let mut line = format!(
            "{} checks, {} finding{}",
            s.checks,
            s.findings,
            if s.findings == 1 { "" } else { "s" }
        );
        if s.findings > 0 {
            let parts: Vec<String> = [("high", s.high), ("medium", s.medium), ("low", s.low)]
                .iter()
                .filter(|(_, n)| *n > 0)
                .map(|(l, n)| format!("{n} {l}"))
                .collect();
            line.push_str(&format!(" ({})", parts.join(", ")));
        }
        line.push_str(&format!(
            ", {} AWS call{}",
            s.calls,
            if s.calls == 1 { "" } else { "s" }
        ));
        line
    }
}

/// The checks being made.
#[derive(Debug, Default)]
pub(crate) struct Checks(pub(crate) Vec<Check>);

impl Checks {
    /// Record a comparison.
    pub(crate) fn add(
        &mut self,
        code: &Code,
        resource: &str,
        check: &str,
        expected: impl Into<String>,
        live: impl Into<String>,
        passed: bool,
    ) {
        self.0.push(Check {
            code: code.code,
            service: code.service,
            resource: resource.to_owned(),
            check: check.to_owned(),
            expected: expected.into(),
            live: live.into(),
            passed,
            severity: code.severity,
            fix: code.fix.replace("{resource}", resource),
        });
    }

    /// Record an equality.
    pub(crate) fn equal<T: PartialEq + std::fmt::Display>(
        &mut self,
        code: &Code,
        resource: &str,
        check: &str,
        expected: T,
        live: T,
    ) {
        let passed = expected == live;
        self.add(
            code,
            resource,
            check,
            expected.to_string(),
            live.to_string(),
            passed,
        );
    }
}

/// A statement's meaning as one comparable line: effect, principals, actions, resources and
/// conditions, each sorted; actions and condition keys lowercased (IAM reads them so); an
/// account id as a principal written as its root ARN (IAM stores it so).
pub fn canonical(s: &Statement, account_root: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::from(if s.allow { "Allow" } else { "Deny" });
    if !s.principals.is_empty() || s.not_principal {
        let mut p: Vec<String> = s
            .principals
            .iter()
            .map(|p| match p {
                PrincipalPattern::Any => "*".to_owned(),
                PrincipalPattern::Aws(a) => account_root(a).unwrap_or_else(|| a.clone()),
                PrincipalPattern::Service(x) => format!("service:{x}"),
                PrincipalPattern::Federated(x) => format!("federated:{x}"),
                PrincipalPattern::Unknown => "(unknown)".to_owned(),
            })
            .collect();
        p.sort();
        p.dedup();
        out.push_str(if s.not_principal {
            " NotPrincipal "
        } else {
            " Principal "
        });
        out.push_str(&p.join(","));
    }
    let mut a: Vec<String> = s.actions.iter().map(|a| a.to_ascii_lowercase()).collect();
    a.sort();
    a.dedup();
    out.push_str(if s.not_action {
        " NotAction "
    } else {
        " Action "
    });
    out.push_str(&a.join(","));
    let mut r = s.resources.clone();
    r.sort();
    r.dedup();
    out.push_str(if s.not_resource {
        " NotResource "
    } else {
        " Resource "
    });
    out.push_str(&r.join(","));
    let mut c: Vec<String> = s
        .conditions
        .iter()
        .map(|c| {
            let mut v = c.values.clone();
            v.sort();
            v.dedup();
            format!("{} {} {}", c.op, c.key.to_ascii_lowercase(), v.join(","))
        })
        .collect();
    c.sort();
    if !c.is_empty() {
        out.push_str(" Condition ");
        out.push_str(&c.join("; "));
    }
    out
}

/// The statements of one side and the other that have no equal on the other side.
pub(crate) fn statement_diff(expected: &[String], live: &[String]) -> (Vec<String>, Vec<String>) {
    let mut rest: Vec<&String> = live.iter().collect();
    let mut missing = Vec::new();
    for e in expected {
        match rest.iter().position(|l| *l == e) {
            Some(i) => {
                rest.remove(i);
            }
            None => missing.push(e.clone()),
        }
    }
    (missing, rest.into_iter().cloned().collect())
}

/// A current time in RFC 3339, UTC, to the second.
fn now_rfc3339() -> String {
    let now = aws_smithy_types::DateTime::from(SystemTime::now());
    aws_smithy_types::DateTime::from_secs(now.secs())
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_default()
}

impl Inner {
    pub(crate) async fn verify(&self) -> Result<Verification, Error> {
        let checked_at = now_rfc3339();
        let started = Instant::now();
        let before = self.clients.calls().snapshot();
        let platform =
            dap_docs::Platform::new(&self.env, &self.rendered).map_err(|e| Error::Template {
                stack: "(all)".to_owned(),
                problem: e.to_string(),
            })?;
        let expected = expect::Expected::read(&platform);
        let live = live::read(&self.clients, &self.rendered, &expected).await?;
        let mut checks = Checks::default();
        compare::all(&expected, &live, &mut checks);
        access::compare(&platform, &expected, &live, &mut checks);
        let calls = self.clients.calls().since(&before);
        let mut findings: Vec<Check> = checks.0.iter().filter(|c| !c.passed).cloned().collect();
        findings.sort_by_key(|c| c.severity);
        let count = |s: Severity| findings.iter().filter(|c| c.severity == s).count();
        let summary = VerifySummary {
            checks: checks.0.len(),
            passed: checks.0.iter().filter(|c| c.passed).count(),
            findings: findings.len(),
            high: count(Severity::High),
            medium: count(Severity::Medium),
            low: count(Severity::Low),
            calls: calls.total(),
        };
        Ok(Verification {
            format_version: VERIFY_FORMAT_VERSION,
            environment: self.env.name.clone(),
            account_id: self.identity.account.clone(),
            region: self.identity.region.clone(),
            caller_arn: self.identity.arn.clone(),
            checked_at,
            elapsed_ms: started.elapsed().as_millis() as u64,
            summary,
            findings,
            checks: checks.0,
            calls: calls.0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_are_counted_as_multisets() {
        let e = vec!["a".to_owned(), "b".to_owned(), "b".to_owned()];
        let l = vec!["b".to_owned(), "c".to_owned()];
        let (missing, extra) = statement_diff(&e, &l);
        assert_eq!(missing, ["a", "b"]);
        assert_eq!(extra, ["c"]);
    }

    #[test]
    fn the_time_is_rfc3339() {
        let t = now_rfc3339();
        assert_eq!(t.len(), 20, "{t}");
        assert!(t.ends_with('Z'));
    }
}
