//! The rule docs: `docs/rules/<code>.md` for every rule and `docs/rules/README.md`, rendered
//! with tera from the templates in `templates/rules/` and the rules' doc comments, with the
//! suppressions of the shipped environments listed where they apply.
//!
//! Rendering is pure (text in, text out); a test of this crate compares the result with the
//! committed files and rewrites them when run with `DAP_UPDATE_DOCS=1`.

use std::collections::BTreeMap;

use serde::Serialize;
use tera::{Context as TeraContext, Tera};

use crate::finding::{Report, SuppressionSource};
use crate::{rules, Meta, RulesError};

const RULE_TEMPLATE: &str = include_str!("../../../templates/rules/rule.md.tera");
const INDEX_TEMPLATE: &str = include_str!("../../../templates/rules/index.md.tera");

/// The folder the docs are written to, relative to the repository root.
pub const DIR: &str = "docs/rules";

/// The command that regenerates the docs.
pub const REGENERATE: &str = "make rule-docs";

/// A suppression as the docs list it: where, why, and in which environments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DocSuppression {
    /// The rule code.
    pub rule: String,
    /// The stack's short name.
    pub stack: String,
    /// The resource's logical id.
    pub resource: String,
    /// The reason given.
    pub reason: String,
    /// `resource metadata` (platform-wide) or `environment file`.
    pub source: String,
    /// The environments where it applies.
    pub environments: Vec<String>,
}

/// The suppressed findings of these reports, grouped by rule, stack, resource, reason and
/// source, with the environments they occur in.
pub fn suppressions(reports: &[Report]) -> Vec<DocSuppression> {
    let mut grouped: BTreeMap<(String, String, String, String, String), Vec<String>> =
        BTreeMap::new();
    for r in reports {
        for f in &r.findings {
            let Some(s) = &f.suppressed else { continue };
            let source = match s.source {
                SuppressionSource::Metadata => "resource metadata",
                SuppressionSource::Environment { .. } => "environment file",
            };
            let envs = grouped
                .entry((
                    f.code.to_owned(),
                    f.slug.clone(),
                    f.logical_id.clone(),
                    s.reason.clone(),
                    source.to_owned(),
                ))
                .or_default();
            if !envs.contains(&r.target) {
                envs.push(r.target.clone());
            }
        }
    }
    grouped
        .into_iter()
        .map(
            |((rule, stack, resource, reason, source), mut environments)| {
                environments.sort();
                DocSuppression {
                    rule,
                    stack,
                    resource,
                    reason,
                    source,
                    environments,
                }
            },
        )
        .collect()
}

#[derive(Serialize)]
struct RuleView {
    code: &'static str,
    name: &'static str,
    severity: &'static str,
    group: &'static str,
    group_title: &'static str,
    summary: String,
    fix: &'static str,
    source: &'static str,
    sections: Vec<Section>,
}

#[derive(Serialize)]
struct Section {
    title: &'static str,
    body: String,
}

#[derive(Serialize)]
struct Group<'a> {
    title: &'static str,
    rules: Vec<&'a RuleView>,
}

/// The sections every rule's doc comment has, in order.
pub const SECTIONS: &[&str] = &[
    "What it checks",
    "Why",
    "Example",
    "Remediation",
    "References",
];

/// A group's title.
pub fn group_title(group: &str) -> &'static str {
    match group {
        "S3" => "S3 buckets",
        "KMS" => "KMS keys",
        "IAM" => "IAM policies, roles and users",
        "CT" => "CloudTrail",
        "LOGS" => "CloudWatch Logs",
        "CW" => "CloudWatch alarms and CIS monitoring",
        "SNS" => "SNS topics",
        "GLUE" => "Glue",
        "ATH" => "Athena",
        "EC2" => "EC2 (the reporting host)",
        "DATA" => "Data-bearing resources",
        "TPL" => "Template files",
        "SUP" => "Suppression hygiene",
        _ => "Other",
    }
}

fn view(m: &'static Meta) -> RuleView {
    RuleView {
        code: m.code,
        name: m.name,
        severity: m.severity.as_str(),
        group: m.group(),
        group_title: group_title(m.group()),
        summary: m.summary(),
        fix: m.fix,
        source: m.source,
        sections: SECTIONS
            .iter()
            .map(|s| Section {
                title: s,
                body: m.section(s).unwrap_or_default(),
            })
            .collect(),
    }
}

/// Render every rule page and the index: `(file name, content)` pairs, the index
/// (`README.md`) last.
pub fn render(suppressions: &[DocSuppression]) -> Result<Vec<(String, String)>, RulesError> {
    let mut tera = Tera::default();
    for (name, text) in [("rule.md", RULE_TEMPLATE), ("index.md", INDEX_TEMPLATE)] {
        tera.add_raw_template(name, text)
            .map_err(|e| docs_error(name, &e))?;
    }
    let views: Vec<RuleView> = rules::all().iter().map(|r| view(r.meta())).collect();
    let mut out = Vec::new();
    for v in &views {
        let mut cx = TeraContext::new();
        cx.insert("rule", v);
        let own: Vec<&DocSuppression> = suppressions.iter().filter(|s| s.rule == v.code).collect();
        cx.insert("suppressions", &own);
        cx.insert("regenerate", REGENERATE);
        let text = tera
            .render("rule.md", &cx)
            .map_err(|e| docs_error("rule.md", &e))?;
        out.push((format!("{}.md", v.code), text));
    }
    let mut groups: Vec<Group<'_>> = Vec::new();
    for v in &views {
        match groups.iter_mut().find(|g| g.title == v.group_title) {
            Some(g) => g.rules.push(v),
            None => groups.push(Group {
                title: v.group_title,
                rules: vec![v],
            }),
        }
    }
    let mut cx = TeraContext::new();
    cx.insert("groups", &groups);
    cx.insert("count", &views.len());
    cx.insert("suppressions", suppressions);
    cx.insert("regenerate", REGENERATE);
    let index = tera
        .render("index.md", &cx)
        .map_err(|e| docs_error("index.md", &e))?;
    out.push(("README.md".to_owned(), index));
    Ok(out)
}

fn docs_error(template: &str, e: &tera::Error) -> RulesError {
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    RulesError::Docs {
        template: template.to_owned(),
        message,
    }
}
