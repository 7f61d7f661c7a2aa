//! The reports, rendered through the tera templates of `templates/docs/`.

use std::collections::HashMap;

use serde_json::{json, Value};
use tera::Tera;

use crate::access::{AccessMatrix, Cell, Level, LocationKind, PrincipalKind};
use crate::compare::{Comparison, SECTIONS};
use crate::{Docs, DocsError, Model};

/// One report of an environment: its file, its template, its title in the HTML page.
struct Report {
    file: &'static str,
    template: &'static str,
    title: &'static str,
}

/// The reports of an environment, in page order. A new report (the rule findings and
/// suppressions, once the rules engine exists) is one entry here and one template.
const REPORTS: &[Report] = &[
    Report {
        file: "architecture.md",
        template: "architecture.md",
        title: "Architecture",
    },
    Report {
        file: "access.md",
        template: "access.md",
        title: "Access",
    },
    Report {
        file: "encryption.md",
        template: "encryption.md",
        title: "Encryption and retention",
    },
    Report {
        file: "audit.md",
        template: "audit.md",
        title: "Audit coverage",
    },
    Report {
        file: "findings.md",
        template: "findings.md",
        title: "Rule findings and suppressions",
    },
];

const TEMPLATES: &[(&str, &str)] = &[
    (
        "macros.md",
        include_str!("../../../templates/docs/macros.md.tera"),
    ),
    (
        "access.md",
        include_str!("../../../templates/docs/access.md.tera"),
    ),
    (
        "encryption.md",
        include_str!("../../../templates/docs/encryption.md.tera"),
    ),
    (
        "audit.md",
        include_str!("../../../templates/docs/audit.md.tera"),
    ),
    (
        "findings.md",
        include_str!("../../../templates/docs/findings.md.tera"),
    ),
    (
        "architecture.md",
        include_str!("../../../templates/docs/architecture.md.tera"),
    ),
    (
        "compare.md",
        include_str!("../../../templates/docs/compare.md.tera"),
    ),
    (
        "verify.md",
        include_str!("../../../templates/docs/verify.md.tera"),
    ),
    (
        "page.html",
        include_str!("../../../templates/docs/page.html.tera"),
    ),
];

/// Where the HTML page puts the diagram.
const SVG_PLACEHOLDER: &str = "DAP-ARCHITECTURE-SVG";

fn tera() -> Result<Tera, DocsError> {
    let mut t = Tera::default();
    t.add_raw_templates(TEMPLATES.to_vec())
        .map_err(|e| report_error("templates/docs", &e))?;
    t.register_filter("cell", cell_filter);
    t.register_filter("code", code_filter);
    t.register_filter("number", number_filter);
    t.register_filter("breakable", breakable_filter);
    Ok(t)
}

fn report_error(template: &str, e: &tera::Error) -> DocsError {
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    DocsError::Report {
        template: template.to_owned(),
        message,
    }
}

/// Escape a value for a Markdown table cell.
fn cell_filter(v: &tera::Value, _: &HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
    let s = match v {
        tera::Value::String(s) => s.clone(),
        tera::Value::Null => String::new(),
        other => other.to_string(),
    };
    Ok(tera::Value::String(
        s.replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('|', "\\|")
            .replace('\n', "<br>"),
    ))
}

/// Escape a value for a code span inside a Markdown table cell: only the pipe.
fn code_filter(v: &tera::Value, _: &HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
    let s = match v {
        tera::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    Ok(tera::Value::String(
        s.replace('|', "\\|").replace('\n', " "),
    ))
}

/// A number (or a string holding one) as [`crate::format::number`] writes it: `1,000`; anything
/// else unchanged.
fn number_filter(v: &tera::Value, _: &HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
    let x = match v {
        tera::Value::Number(n) => n.as_f64(),
        tera::Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    Ok(match x {
        Some(x) => tera::Value::String(crate::format::number(x)),
        None => v.clone(),
    })
}

/// Where a long name may wrap in the HTML page: after these characters of an ARN, a path or an
/// identifier (`arn:aws:iam::1:role/x`, `access/GlueCleanRole#Sid`, `AWSReservedSSO_Data_1`).
const CODE_BREAKS: &[char] = &['/', ':', '#', '_', ',', '.', '='];
/// The same for running text in a table cell: only paths and identifiers.
const TEXT_BREAKS: &[char] = &['/', '_'];

/// HTML-escaped text with a line-break opportunity (`<wbr>`) after each of `after`, so a long
/// name wraps at its separators instead of widening its column or breaking mid-word.
fn breakable(s: &str, after: &[char]) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
        if after.contains(&c) {
            out.push_str("<wbr>");
        }
    }
    out
}

/// [`breakable`] for the HTML the templates write themselves (the heat maps).
fn breakable_filter(
    v: &tera::Value,
    _: &HashMap<String, tera::Value>,
) -> tera::Result<tera::Value> {
    let s = match v {
        tera::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    Ok(tera::Value::String(breakable(&s, CODE_BREAKS)))
}

fn render(t: &Tera, name: &str, ctx: &Value) -> Result<String, DocsError> {
    let context = tera::Context::from_value(ctx.clone()).map_err(|e| report_error(name, &e))?;
    let mut out = t
        .render(name, &context)
        .map_err(|e| report_error(name, &e))?;
    // One trailing newline, no trailing spaces: the files are committed and diffed.
    out = out
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n");
    while out.contains("\n\n\n") {
        out = out.replace("\n\n\n", "\n\n");
    }
    let mut out = out.trim().to_owned();
    out.push('\n');
    Ok(out)
}

/// Every file of one environment.
pub fn environment(m: &Model) -> Result<Docs, DocsError> {
    let t = tera()?;
    let env = &m.platform.env.name;
    let base = base_context(m);
    let mut docs = Docs::new();
    let mut sections = Vec::new();
    let svg = m.diagram.svg();
    for r in REPORTS {
        let mut ctx = base.clone();
        merge(&mut ctx, report_context(m, r.template));
        let md = render(&t, r.template, &ctx)?;
        docs.insert(format!("{env}/{}", r.file), md.into_bytes());
        ctx["html"] = json!(true);
        let for_page = render(&t, r.template, &ctx)?;
        let html = markdown_to_html(&for_page).replace(
            &format!("<p>{SVG_PLACEHOLDER}</p>"),
            &format!("<div class=\"diagram\">{svg}</div>"),
        );
        sections.push(json!({
            "id": r.file.trim_end_matches(".md"),
            "title": r.title,
            "html": html,
        }));
    }
    docs.insert(format!("{env}/architecture.svg"), svg.clone().into_bytes());
    let mut ctx = base;
    ctx["sections"] = json!(sections);
    let page = render(&t, "page.html", &ctx)?;
    docs.insert(format!("{env}/{env}.html"), page.into_bytes());
    Ok(docs)
}

/// The comparison file.
pub fn comparison(c: &Comparison) -> Result<Docs, DocsError> {
    let t = tera()?;
    let sections: Vec<Value> = SECTIONS
        .iter()
        .map(|s| {
            let diffs: Vec<&crate::compare::Difference> =
                c.differences.iter().filter(|d| d.section == *s).collect();
            json!({ "name": s, "differences": diffs })
        })
        .collect();
    let ctx = json!({
        "a": c.a,
        "b": c.b,
        "compared": c.compared,
        "total": c.differences.len(),
        "sections": sections,
    });
    let md = render(&t, "compare.md", &ctx)?;
    let mut docs = Docs::new();
    docs.insert(format!("compare-{}-{}.md", c.a, c.b), md.into_bytes());
    Ok(docs)
}

/// The evidence report of `dap verify --report`: `<env>/verify.md` and `<env>/verify.html`,
/// from the verification document (`dap verify --json`), its checks grouped by service.
pub fn evidence(v: &Value) -> Result<Docs, DocsError> {
    let t = tera()?;
    let env = v["environment"].as_str().unwrap_or("unknown").to_owned();
    let mut services: Vec<(String, Vec<Value>)> = Vec::new();
    for c in v["checks"].as_array().into_iter().flatten() {
        let s = c["service"].as_str().unwrap_or_default().to_owned();
        match services.iter_mut().find(|(n, _)| *n == s) {
            Some((_, list)) => list.push(c.clone()),
            None => services.push((s, vec![c.clone()])),
        }
    }
    let findings = v["summary"]["findings"].as_u64().unwrap_or(0);
    let mut ctx = v.clone();
    ctx["services"] = json!(services
        .iter()
        .map(|(name, checks)| json!({
            "name": name,
            "checks": checks,
            "failed": checks.iter().filter(|c| c["passed"] == false).count(),
        }))
        .collect::<Vec<_>>());
    ctx["result"] = json!(if findings == 0 {
        "live matches the model"
    } else {
        "live differs from the model"
    });
    ctx["summary_line"] = json!(format!(
        "{} checks, {} passed, {} failed",
        v["summary"]["checks"], v["summary"]["passed"], findings
    ));
    ctx["html"] = json!(false);
    let md = render(&t, "verify.md", &ctx)?;
    let mut docs = Docs::new();
    docs.insert(format!("{env}/verify.md"), md.clone().into_bytes());
    let page = json!({
        "env": { "name": env, "account": v["account_id"], "region": v["region"] },
        "page_title": format!("dap {env}: live verification"),
        "sections": [{ "id": "verify", "title": "Live verification", "html": markdown_to_html(&md) }],
    });
    let html = render(&t, "page.html", &page)?;
    docs.insert(format!("{env}/verify.html"), html.into_bytes());
    Ok(docs)
}

fn merge(into: &mut Value, from: Value) {
    if let (Value::Object(a), Value::Object(b)) = (into, from) {
        for (k, v) in b {
            a.insert(k, v);
        }
    }
}

/// Markdown to HTML, with GitHub-style ids on headings so the reports' links work in the page.
fn markdown_to_html(md: &str) -> String {
    use pulldown_cmark::{html, Event, Options, Parser, Tag, TagEnd};
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    let events: Vec<Event> = Parser::new_ext(md, opts).collect();
    let mut out_events = Vec::with_capacity(events.len());
    let mut used: Vec<String> = Vec::new();
    let mut in_table = false;
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading {
            level,
            classes,
            attrs,
            ..
        }) = &events[i]
        {
            let mut text = String::new();
            let mut j = i + 1;
            while j < events.len() && !matches!(events[j], Event::End(TagEnd::Heading(_))) {
                if let Event::Text(t) | Event::Code(t) = &events[j] {
                    text.push_str(t);
                }
                j += 1;
            }
            let mut id = slug(&text);
            let base = id.clone();
            let mut n = 1;
            while used.contains(&id) {
                id = format!("{base}-{n}");
                n += 1;
            }
            used.push(id.clone());
            out_events.push(Event::Start(Tag::Heading {
                level: *level,
                id: Some(id.into()),
                classes: classes.clone(),
                attrs: attrs.clone(),
            }));
        } else if let Event::Start(Tag::Table(_)) = &events[i] {
            // Each table scrolls on its own when wider than the page; the page never does.
            in_table = true;
            out_events.push(Event::Html("<div class=\"scroll\">".into()));
            out_events.push(events[i].clone());
        } else if let Event::End(TagEnd::Table) = &events[i] {
            in_table = false;
            out_events.push(events[i].clone());
            out_events.push(Event::Html("</div>\n".into()));
        } else if let Event::Code(t) = &events[i] {
            let code = format!("<code>{}</code>", breakable(t, CODE_BREAKS));
            out_events.push(Event::InlineHtml(code.into()));
        } else if let (Event::Text(t), true) = (&events[i], in_table) {
            out_events.push(Event::InlineHtml(breakable(t, TEXT_BREAKS).into()));
        } else {
            out_events.push(events[i].clone());
        }
        i += 1;
    }
    let mut out = String::new();
    html::push_html(&mut out, out_events.into_iter());
    out
}

/// GitHub's heading anchors: lowercase, punctuation dropped, spaces to hyphens.
fn slug(text: &str) -> String {
    text.to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

fn base_context(m: &Model) -> Value {
    let p = &m.platform;
    json!({
        "env": {
            "name": p.env.name,
            "account": p.env.account_id,
            "region": p.env.region,
            "prefix": p.env.prefix,
            "protection": p.manifest.protection,
            "termination_protection": p.manifest.termination_protection,
            "break_glass": p.env.principals.break_glass,
            "deploy_role": p.env.deploy_role.as_ref().map(|d| d.arn.clone()),
        },
        "html": false,
        "svg_placeholder": SVG_PLACEHOLDER,
        "stacks": p.manifest.stacks.iter().map(|s| json!({
            "name": s.name,
            "kind": s.kind,
            "resources": s.resources,
            "depends_on": s.depends_on.join(", "),
        })).collect::<Vec<_>>(),
    })
}

fn report_context(m: &Model, template: &str) -> Value {
    match template {
        "access.md" => access_context(m),
        "encryption.md" => json!({ "e": m.encryption }),
        "audit.md" => json!({ "a": m.audit }),
        "findings.md" => findings_context(m),
        "architecture.md" => architecture_context(m),
        _ => json!({}),
    }
}

fn group_title(m: &Model, group: &str) -> String {
    match group {
        "catalog" => "Glue Data Catalog".to_owned(),
        "query-keys-logs" => "Athena, keys and logs".to_owned(),
        zone => {
            let bucket = m
                .access
                .locations
                .iter()
                .find(|l| l.group == zone)
                .map(|l| match &l.kind {
                    LocationKind::S3 { bucket, .. } => bucket.clone(),
                    _ => String::new(),
                })
                .unwrap_or_default();
            format!("Bucket {zone} (`{bucket}`)")
        }
    }
}

/// The access report's context: principals, the matrix at a glance and per group, why each
/// cell has its level, and the statements cited.
fn access_context(m: &Model) -> Value {
    let a = &m.access;
    let pol = &m.policies;
    let principals = principal_rows(m);
    let glance = glance(a);
    let tables = group_tables(m);
    let why = cell_reasons(m);
    let statements = statement_appendix(m);
    let without_tls: Vec<String> = a
        .without_tls
        .iter()
        .map(|(p, l)| format!("{p} on {l}"))
        .collect();
    let why_cells: usize = why
        .iter()
        .map(|p| p["items"].as_array().map_or(0, Vec::len))
        .sum();
    json!({
        "principals": principals,
        "glance": glance,
        "tables": tables,
        "why": why,
        "why_cells": why_cells,
        "statements": statements,
        "without_tls": without_tls,
        "locations": a.locations.len(),
        "statement_count": pol.statements.len(),
    })
}

/// Each principal: its kind in words, who assumes it or what it assumes, its trust statements.
fn principal_rows(m: &Model) -> Vec<Value> {
    let a = &m.access;
    let pol = &m.policies;
    a.principals
        .iter()
        .map(|pr| {
            let kind = match pr.kind {
                PrincipalKind::Role => "IAM role",
                PrincipalKind::Assumer => "may assume roles",
                PrincipalKind::Service => "service (named in a resource or trust policy)",
                PrincipalKind::Account => "the account's administrators (IAM delegation)",
            };
            let who = if !pr.assumed_by.is_empty() {
                format!("assumed by {}", pr.assumed_by.join(", "))
            } else if !pr.assumes.is_empty() {
                format!("assumes {}", pr.assumes.join(", "))
            } else {
                String::new()
            };
            let trust: Vec<String> = pr.trust.iter().map(|i| pol.statements[*i].cite()).collect();
            json!({
                "label": pr.label,
                "kind": kind,
                "arn": pr.arn,
                "defined_in": pr.defined_in,
                "description": pr.description,
                "who": who,
                "trust": trust.join(", "),
            })
        })
        .collect()
}

/// The matrix at a glance: whole buckets and the other non-catalog locations as columns.
fn glance(a: &AccessMatrix) -> Value {
    let glance_cols: Vec<usize> = a
        .locations
        .iter()
        .enumerate()
        .filter(|(_, l)| match &l.kind {
            LocationKind::S3 { prefix, .. } => prefix.is_empty(),
            LocationKind::GlueDatabase { .. } | LocationKind::GlueTable { .. } => false,
            _ => true,
        })
        .map(|(i, _)| i)
        .collect();
    json!({
        "columns": glance_cols.iter().map(|i| {
            let l = &a.locations[*i];
            match &l.kind {
                LocationKind::S3 { .. } => l.group.clone(),
                _ => l.label.clone(),
            }
        }).collect::<Vec<_>>(),
        "rows": a.principals.iter().enumerate().map(|(pi, pr)| json!({
            "label": pr.label,
            "cells": glance_cols.iter().map(|li| cell(&a.cells[pi][*li])).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// One table per location group, with the principals that have some access there (roles
/// and assumers always).
fn group_tables(m: &Model) -> Vec<Value> {
    let a = &m.access;
    let mut groups: Vec<String> = Vec::new();
    for l in &a.locations {
        if !groups.contains(&l.group) {
            groups.push(l.group.clone());
        }
    }
    groups
        .iter()
        .map(|g| {
            let cols: Vec<usize> = a
                .locations
                .iter()
                .enumerate()
                .filter(|(_, l)| &l.group == g)
                .map(|(i, _)| i)
                .collect();
            let rows: Vec<Value> = a
                .principals
                .iter()
                .enumerate()
                .filter(|(pi, pr)| {
                    // Services and the account only where they have some access.
                    matches!(pr.kind, PrincipalKind::Role | PrincipalKind::Assumer)
                        || cols.iter().any(|li| a.cells[*pi][*li].level != Level::None)
                })
                .map(|(pi, pr)| {
                    json!({
                        "label": pr.label,
                        "cells": cols.iter().map(|li| cell(&a.cells[pi][*li])).collect::<Vec<_>>(),
                    })
                })
                .collect();
            json!({
                "title": group_title(m, g),
                "columns": cols.iter().map(|i| a.locations[*i].label.clone()).collect::<Vec<_>>(),
                "rows": rows,
            })
        })
        .collect()
}

/// Per principal, every location it reaches with the statements that give it that level.
fn cell_reasons(m: &Model) -> Vec<Value> {
    let a = &m.access;
    let pol = &m.policies;
    let mut why = Vec::new();
    for (pi, pr) in a.principals.iter().enumerate() {
        let mut items = Vec::new();
        for (li, loc) in a.locations.iter().enumerate() {
            let c = &a.cells[pi][li];
            if c.level == Level::None {
                continue;
            }
            // The statements of the cell's level; for an assumer, first the trust statements
            // that let it assume the roles.
            let mut cited: Vec<usize> = Vec::new();
            if pr.kind == PrincipalKind::Assumer {
                cited.extend(pr.trust.iter().copied());
            }
            if let Some(top) = c.grants.first() {
                cited.extend(top.statements.iter().copied());
            }
            let statements: Vec<Value> = cited
                .iter()
                .map(|i| {
                    let s = &pol.statements[*i];
                    json!({ "cite": s.cite(), "anchor": s.anchor() })
                })
                .collect();
            items.push(json!({
                "location": loc.name,
                "text": c.text(),
                "through": c.through.join(", "),
                "statements": statements,
            }));
        }
        if !items.is_empty() {
            why.push(json!({ "principal": pr.label, "kind": pr.kind, "items": items }));
        }
    }
    why
}

/// Every policy statement, for the appendix: cite, anchor, kind, what it is attached to, YAML.
fn statement_appendix(m: &Model) -> Vec<Value> {
    m.policies
        .statements
        .iter()
        .map(|s| {
            json!({
                "cite": s.cite(),
                "anchor": s.anchor(),
                "kind": s.kind.label(),
                "attached_to": s.attached_to.iter().map(|a| attached_label(m, a)).collect::<Vec<_>>().join(", "),
                "yaml": s.yaml.trim_end(),
            })
        })
        .collect()
}

/// A matrix cell: its words (`read (part; via Athena)`), its level (`read`, the heat map's
/// shade) and the notes after the level (`(part; via Athena)`).
fn cell(c: &Cell) -> Value {
    let text = c.text();
    let level = c.level.label();
    let note = text[level.len()..].trim().to_owned();
    json!({ "text": text, "level": level, "note": note })
}

/// A key's alias for its stand-in ARN; anything else as it is.
fn attached_label(m: &Model, a: &str) -> String {
    let p = &m.platform;
    p.of_type("AWS::KMS::Key")
        .find(|k| p.key_arn(&k.id) == a)
        .map(|k| format!("key {}", p.key_label(k)))
        .unwrap_or_else(|| a.to_owned())
}

fn architecture_context(m: &Model) -> Value {
    let d = &m.diagram;
    let per_stack: Vec<Value> = m
        .platform
        .stacks
        .iter()
        .map(|s| {
            let mut kinds: Vec<(String, usize)> = Vec::new();
            for r in &s.resources {
                let k = r.kind.trim_start_matches("AWS::").to_owned();
                match kinds.iter_mut().find(|(x, _)| *x == k) {
                    Some((_, n)) => *n += 1,
                    None => kinds.push((k, 1)),
                }
            }
            json!({
                "name": s.name,
                "kind": s.kind,
                "resources": kinds.iter().map(|(k, n)| format!("{n} × {k}")).collect::<Vec<_>>().join(", "),
                "shown": d.nodes.iter().filter(|n| n.stack == s.kind).map(|n| n.label.clone()).collect::<Vec<_>>().join(", "),
            })
        })
        .collect();
    json!({
        "mermaid": d.mermaid().trim_end(),
        "flow": d.flow(),
        "per_stack": per_stack,
        "nodes": d.nodes.len(),
        "edges": d.edges.len(),
    })
}

fn findings_context(m: &Model) -> Value {
    let r = &m.findings;
    let open: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .collect();
    let suppressed: Vec<_> = r
        .findings
        .iter()
        .filter_map(|f| {
            f.suppressed.as_ref().map(|s| {
                json!({
                    "code": f.code,
                    "rule": f.rule,
                    "stack": f.stack,
                    "logical_id": f.logical_id,
                    "reason": s.reason,
                    "source": s.source.to_string(),
                })
            })
        })
        .collect();
    json!({
        "rules": dap_rules::rules::all().len(),
        "templates": r.templates,
        "resources": r.resources,
        "open": open,
        "suppressed": suppressed,
    })
}
