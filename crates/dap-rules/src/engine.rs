//! Running the rules: parse the templates, collect every rule's hits as findings, apply the
//! suppressions (environment file first-class, resource metadata for platform-wide
//! exceptions), and flag every suppression that matches nothing.

use dap_config::Environment;
use serde_json::Value;

use crate::codes;
use crate::context::Context;
use crate::error::RulesError;
use crate::finding::{Finding, Report, Suppressed, SuppressionSource};
use crate::rule::{Hit, Meta};
use crate::rules::{self, SuppressionMatchesNothing};
use crate::template::{Source, Template};

/// A suppression found in the environment file or in a resource's metadata.
struct Suppression {
    rule: String,
    slug: String,
    resource: String,
    /// The template holding the resource, for metadata suppressions.
    template: Option<usize>,
    reason: String,
    source: SuppressionSource,
    used: bool,
}

impl Suppression {
    fn matches(&self, f: &Finding, template: Option<usize>) -> bool {
        f.code == self.rule
            && f.logical_id == self.resource
            && match self.template {
                Some(t) => template == Some(t),
                None => f.slug == self.slug,
            }
    }
}

/// The valid `Metadata: {dap: {suppress: [{rule, reason}]}}` entries of a resource (malformed
/// ones are flagged by `DAP-SUP-002` and ignored here).
pub(crate) fn metadata_suppressions(body: &Value) -> Vec<(&str, &str)> {
    body["Metadata"]["dap"]["suppress"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let rule = e["rule"].as_str()?;
            let reason = e["reason"].as_str().filter(|r| !r.trim().is_empty())?;
            Some((rule, reason))
        })
        .collect()
}

/// Check a set of templates: their text is parsed, unless `trees` gives each one's document
/// already (the typed templates' serialized trees, for `check_rendered`).
pub(crate) fn run(
    target: &str,
    sources: &[Source<'_>],
    trees: Option<Vec<Value>>,
    env: Option<&Environment>,
) -> Result<Report, RulesError> {
    let mut templates = Vec::new();
    let mut skipped = Vec::new();
    let mut trees = trees.map(Vec::into_iter);
    let mut unreadable: Vec<Finding> = Vec::new();
    for s in sources {
        let index = templates.len();
        let parsed = match trees.as_mut().and_then(Iterator::next) {
            Some(doc) => Template::from_value(index, *s, doc),
            None => match Template::parse(index, *s) {
                Ok(t) => t,
                Err(RulesError::Parse { message, .. }) => {
                    unreadable.push(unreadable_finding(s, &message));
                    continue;
                }
                Err(e) => return Err(e),
            },
        };
        match parsed {
            Some(t) => templates.push(t),
            None => skipped.push(s.file.to_owned()),
        }
    }
    let cx = Context::new(&templates, env);
    let mut found: Vec<(Option<usize>, Finding)> =
        unreadable.into_iter().map(|f| (None, f)).collect();
    for rule in rules::all() {
        let mut hits = Vec::new();
        rule.check(&cx, &mut hits);
        for hit in hits {
            found.push((Some(hit.template), finding(&cx, rule.meta(), hit)));
        }
    }

    let mut suppressions = Vec::new();
    if let Some(env) = env {
        for (index, s) in env.suppressions.iter().enumerate() {
            suppressions.push(Suppression {
                rule: s.rule.clone(),
                slug: s.stack.clone(),
                resource: s.resource.clone(),
                template: None,
                reason: s.reason.clone(),
                source: SuppressionSource::Environment { index },
                used: false,
            });
        }
    }
    for r in cx.resources() {
        for (rule, reason) in metadata_suppressions(r.body) {
            suppressions.push(Suppression {
                rule: rule.to_owned(),
                slug: r.template.source.slug.to_owned(),
                resource: r.id.to_owned(),
                template: Some(r.template.index),
                reason: reason.to_owned(),
                source: SuppressionSource::Metadata,
                used: false,
            });
        }
    }
    // Metadata (platform-wide) first, so its reason is the one shown; every matching
    // suppression counts as used.
    suppressions.sort_by_key(|s| matches!(s.source, SuppressionSource::Environment { .. }));
    for (template, f) in &mut found {
        if f.code.starts_with("DAP-SUP-") {
            continue;
        }
        let mut accepted = None;
        for s in suppressions.iter_mut().filter(|s| s.matches(f, *template)) {
            s.used = true;
            accepted.get_or_insert_with(|| Suppressed {
                reason: s.reason.clone(),
                source: s.source.clone(),
            });
        }
        if accepted.is_some() {
            f.suppressed = accepted;
        }
    }
    for s in suppressions.iter().filter(|s| !s.used) {
        found.push(unused(&cx, s));
    }

    let position = |template: Option<usize>, id: &str| match template {
        Some(t) => (
            t,
            cx.templates[t]
                .resources()
                .position(|r| r.id == id)
                .unwrap_or(usize::MAX),
        ),
        None => (usize::MAX, usize::MAX),
    };
    found.sort_by_cached_key(|(t, f)| (position(*t, &f.logical_id), f.code));
    Ok(Report {
        target: target.to_owned(),
        templates: cx.templates.len(),
        resources: cx.resources().count(),
        skipped,
        findings: found.into_iter().map(|(_, f)| f).collect(),
    })
}

fn finding(cx: &Context<'_>, meta: &'static Meta, hit: Hit) -> Finding {
    let t = &cx.templates[hit.template];
    Finding {
        code: meta.code,
        rule: meta.name,
        severity: meta.severity,
        stack: t.source.stack.to_owned(),
        slug: t.source.slug.to_owned(),
        file: t.source.file.to_owned(),
        line: t.line_of(&hit.logical_id),
        logical_id: hit.logical_id,
        message: hit.message,
        fix: meta.fix,
        suppressed: None,
    }
}

/// The `DAP-SUP-001` finding of a suppression that matched nothing, saying why.
fn unused(cx: &Context<'_>, s: &Suppression) -> (Option<usize>, Finding) {
    let template = s
        .template
        .or_else(|| cx.templates.iter().position(|t| t.source.slug == s.slug));
    let what = format!("suppression of `{}` ({})", s.rule, s.source);
    let message = match template {
        _ if rules::by_code(&s.rule).is_none() => {
            format!("{what} names no rule: there is no `{}`", s.rule)
        }
        None => format!("{what} names stack `{}`, which is not checked here", s.slug),
        Some(t) if cx.templates[t].resource(&s.resource).is_none() => format!(
            "{what} names `{}`, which stack `{}` does not have",
            s.resource, cx.templates[t].source.stack
        ),
        Some(_) => format!(
            "{what} matches no finding: the rule finds nothing wrong with `{}`; remove the suppression",
            s.resource
        ),
    };
    let meta = &SuppressionMatchesNothing::META;
    debug_assert_eq!(meta.code, codes::SUPPRESSION_MATCHES_NOTHING);
    let f = match template {
        Some(t) => finding(
            cx,
            meta,
            Hit {
                template: t,
                logical_id: s.resource.clone(),
                message,
            },
        ),
        None => Finding {
            code: meta.code,
            rule: meta.name,
            severity: meta.severity,
            stack: s.slug.clone(),
            slug: s.slug.clone(),
            file: String::new(),
            line: None,
            logical_id: s.resource.clone(),
            message,
            fix: meta.fix,
            suppressed: None,
        },
    };
    (template, f)
}

/// The `DAP-TPL-001` finding of a file that cannot be parsed: on the duplicated logical id
/// when the parser names one, at the parser's line.
pub(crate) fn unreadable_finding(s: &Source<'_>, message: &str) -> Finding {
    let meta = &rules::TemplateUnreadable::META;
    let key = rules::duplicated_key(message);
    // The parser names the mapping's line; the duplicate's own line is the second entry.
    let line = key
        .as_ref()
        .and_then(|k| {
            let entry = format!("{k}:");
            s.text
                .lines()
                .enumerate()
                .filter(|(_, l)| l.trim_start().starts_with(&entry))
                .nth(1)
                .map(|(i, _)| i + 1)
        })
        .or_else(|| rules::parser_line(message));
    Finding {
        code: meta.code,
        rule: meta.name,
        severity: meta.severity,
        stack: s.stack.to_owned(),
        slug: s.slug.to_owned(),
        file: s.file.to_owned(),
        line,
        logical_id: key.clone().unwrap_or_default(),
        message: match &key {
            Some(k) => format!(
                "`{}` cannot be read as one template: `{k}` appears twice in one mapping (plain YAML keeps the last, CloudFormation refuses the template)",
                s.file
            ),
            None => format!("`{}` cannot be read as one template: {message}", s.file),
        },
        fix: meta.fix,
        suppressed: None,
    }
}
