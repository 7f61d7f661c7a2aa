//! `dap plan --format markdown`: a plan people read in a pull request.
//!
//! The summary line comes first (`N to add, N to change, N to remove`, then the blocked and
//! broadening counts), then a table of the stacks, then per stack a collapsible section with
//! its resource changes (replacement verdicts and guard verdicts), the changed properties, the
//! security diff (who gains or loses what on what) and the rule findings on it. The document
//! stays under GitHub's comment limit ([`LIMIT`]): whole blocks (a table, a list) are left out
//! from the end, never cut in the middle, and a note says what was left out and where the
//! whole plan is.

use dap_applier::{grants, ChangeAction, Plan, ResourceChange, StackAction, StackPlan, Verdict};
use dap_rules::Report;

/// GitHub's limit on a pull-request comment, in characters.
pub const LIMIT: usize = 65_536;

/// Room kept for the truncation note.
const NOTE_ROOM: usize = 600;

/// A collapsible section: its opening, its blocks (each a whole table or list), its closing.
pub struct Section {
    /// `<details><summary>...</summary>` and a blank line.
    pub open: String,
    /// Whole blocks, each ending with a blank line.
    pub blocks: Vec<String>,
    /// `</details>` and a blank line.
    pub close: String,
}

/// One environment's plan as markdown: the head (summary, stack table) and one section per
/// stack. `findings` are the rule findings of the rendered templates; `cost` a line on the
/// monthly cost change, when known.
pub fn environment(plan: &Plan, findings: &Report, cost: Option<&str>) -> (String, Vec<Section>) {
    let mut head = format!(
        "### `dap plan`: `{}` (account {}, {})\n\n**{}**{}\n\n",
        plan.environment,
        plan.account_id,
        plan.region,
        plan.summary(),
        counts(plan)
    );
    if let Some(cost) = cost {
        head.push_str(cost);
        head.push_str("\n\n");
    }
    head.push_str("| stack | action | add | change | remove | blocked | broadening |\n|---|---|--:|--:|--:|--:|--:|\n");
    for s in &plan.stacks {
        let n = |a: ChangeAction| s.changes.iter().filter(|c| c.action == a).count();
        head.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {} |\n",
            s.name,
            action(s),
            n(ChangeAction::Add) + n(ChangeAction::Import),
            n(ChangeAction::Modify),
            n(ChangeAction::Remove),
            s.changes
                .iter()
                .filter(|c| c.guard == Verdict::Blocked)
                .count(),
            s.security.iter().filter(|c| c.broadening).count()
        ));
    }
    head.push('\n');
    if !plan.orphans.is_empty() {
        head.push_str(&format!(
            "**Orphans**: {} (deployed stacks of this environment that the model no longer has; `apply` leaves them, `dap destroy --env {} --orphans` deletes them)\n\n",
            plan.orphans
                .iter()
                .map(|o| format!("`{}` ({})", o.name, o.status))
                .collect::<Vec<_>>()
                .join(", "),
            plan.environment
        ));
    }
    let sections = plan
        .stacks
        .iter()
        .filter(|s| {
            s.action != StackAction::None || findings.findings.iter().any(|f| f.stack == s.name)
        })
        .map(|s| stack_section(plan, s, findings))
        .collect();
    (head, sections)
}

/// `· N blocked · N broadening`, or nothing.
fn counts(plan: &Plan) -> String {
    let blocked = plan.blocked().len();
    let broadening = plan
        .stacks
        .iter()
        .flat_map(|s| &s.security)
        .filter(|c| c.broadening)
        .count();
    let mut out = String::new();
    if blocked > 0 {
        out.push_str(&format!(" · **{blocked} blocked** by the data-loss guard"));
    }
    if broadening > 0 && !plan.first_deploy() {
        out.push_str(&format!(" · **{broadening} broadening** access"));
    }
    out
}

fn action(s: &StackPlan) -> &'static str {
    match s.action {
        StackAction::Create => "create",
        StackAction::Update => "update",
        StackAction::None => "no changes",
    }
}

/// A stack's collapsible section: its changes, changed properties, stack settings, security
/// diff and rule findings, each a whole block.
fn stack_section(plan: &Plan, s: &StackPlan, findings: &Report) -> Section {
    let open = format!(
        "<details><summary><code>{}</code>: {} ({} resource change{})</summary>

",
        s.name,
        action(s),
        s.changes.len(),
        if s.changes.len() == 1 { "" } else { "s" }
    );
    let blocks = [
        changes_block(s),
        properties_block(s),
        settings_block(s),
        security_block(plan, s),
        findings_block(s, findings),
    ]
    .into_iter()
    .flatten()
    .collect();
    Section {
        open,
        blocks,
        close: "</details>\n\n".to_owned(),
    }
}

/// The table of resource changes: marker, type, logical id, replacement and the guard.
fn changes_block(s: &StackPlan) -> Option<String> {
    if s.changes.is_empty() {
        return None;
    }
    let mut t = String::from(
        "| | type | logical id | replacement | data-loss guard |\n|---|---|---|---|---|\n",
    );
    for c in &s.changes {
        let sign = match &c.action {
            ChangeAction::Add => "+",
            ChangeAction::Modify => "~",
            ChangeAction::Remove => "−",
            ChangeAction::Import => "<",
            ChangeAction::Other(_) => "*",
        };
        t.push_str(&format!(
            "| {sign} | `{}` | `{}` | {} | {} |\n",
            c.resource_type,
            c.logical_id,
            cell(&replacement_cell(c)),
            cell(&guard_cell(s, c))
        ));
    }
    t.push('\n');
    Some(t)
}

/// Whether and why a change replaces its resource (predicted, or as CloudFormation says).
fn replacement_cell(c: &ResourceChange) -> String {
    let mut replacement = if c.replacement_reasons.is_empty() {
        match c.replacement.as_deref() {
            Some("True") => "**replaced** (CloudFormation)".to_owned(),
            Some("Conditional") => "**maybe replaced** (CloudFormation: conditional)".to_owned(),
            _ if c.action == ChangeAction::Modify => "in place".to_owned(),
            _ => String::new(),
        }
    } else {
        format!(
            "**replaced**: {}",
            c.replacement_reasons
                .iter()
                .map(|r| format!("`{r}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    if c.replacement_disagrees {
        replacement.push_str(" (prediction and CloudFormation disagree)");
    }
    replacement
}

/// The data-loss guard's verdict on a change, with the flag that allows a blocked one.
fn guard_cell(s: &StackPlan, c: &ResourceChange) -> String {
    match c.guard {
        Verdict::Blocked => {
            let flag = match c.action {
                ChangeAction::Remove => "--allow-remove",
                _ => "--allow-replace",
            };
            format!(
                "**BLOCKED**: allow with `{flag} {}/{}`",
                s.kind, c.logical_id
            )
        }
        Verdict::Allowed => "allowed".to_owned(),
        Verdict::Unguarded => String::new(),
    }
}

/// Each changed property's old and new value.
fn properties_block(s: &StackPlan) -> Option<String> {
    let properties: Vec<String> = s
        .changes
        .iter()
        .flat_map(|c| {
            c.properties.iter().map(move |p| {
                let forces = if c.replacement_reasons.contains(&p.path) {
                    " (create-only: forces replacement)"
                } else {
                    ""
                };
                format!(
                    "- `{}` `{}`: {} → {}{forces}\n",
                    c.logical_id,
                    p.path,
                    value(&p.before),
                    value(&p.after)
                )
            })
        })
        .collect();
    (!properties.is_empty()).then(|| format!("Changed properties:\n\n{}\n", properties.concat()))
}

/// The stack's own settings that change (tags, policy, parameters).
fn settings_block(s: &StackPlan) -> Option<String> {
    (!s.stack_changes.is_empty()).then(|| {
        format!(
            "Stack settings:\n\n{}\n",
            s.stack_changes
                .iter()
                .map(|c| format!("- {c}\n"))
                .collect::<String>()
        )
    })
}

/// The rule findings on the stack's template, suppressed ones marked.
fn findings_block(s: &StackPlan, findings: &Report) -> Option<String> {
    let mine: Vec<_> = findings
        .findings
        .iter()
        .filter(|f| f.stack == s.name)
        .collect();
    if mine.is_empty() {
        return None;
    }
    let mut t = String::from(
        "Rule findings:\n\n| rule | severity | resource | finding |\n|---|---|---|---|\n",
    );
    for f in &mine {
        let severity = match &f.suppressed {
            Some(_) => format!("{} (suppressed)", f.severity),
            None => f.severity.to_string(),
        };
        t.push_str(&format!(
            "| [`{}`](docs/rules/{}.md) | {} | `{}` | {} |\n",
            f.code,
            f.code,
            severity,
            f.logical_id,
            cell(&f.message)
        ));
    }
    t.push('\n');
    Some(t)
}

/// Who gains or loses what on what: each statement change of a deployed stack; the grants
/// of a new stack summarised per principal.
fn security_block(plan: &Plan, s: &StackPlan) -> Option<String> {
    if s.security.is_empty() {
        return None;
    }
    let mut t = String::new();
    if s.action == StackAction::Create {
        let g = grants::summarise(&s.security);
        t.push_str(&format!(
            "Access granted by this new stack ({}):\n\n| principal | actions | on |\n|---|---|---|\n",
            if plan.first_deploy() {
                "a first deploy"
            } else {
                "new access to the deployed platform"
            }
        ));
        for p in &g.grants {
            t.push_str(&format!(
                "| `{}` | {} | {} |\n",
                p.principal,
                cell(&list(&p.actions, 6)),
                cell(&list(&p.resources, 4))
            ));
        }
        for d in &g.denies {
            t.push_str(&format!(
                "| (deny `{}`) | | {} |\n",
                d.sid,
                cell(&list(&d.on, 4))
            ));
        }
    } else {
        t.push_str(
            "Access changes:\n\n| | statement | principals | gained or lost |\n|---|---|---|---|\n",
        );
        let mut changes: Vec<_> = s.security.iter().collect();
        changes.sort_by_key(|c| !c.broadening);
        for c in changes {
            let what: Vec<String> = c
                .gained
                .iter()
                .map(|g| format!("+ {g}"))
                .chain(c.lost.iter().map(|l| format!("− {l}")))
                .collect();
            t.push_str(&format!(
                "| {} | `{}` `{}` ({}) | {} | {} |\n",
                if c.broadening {
                    "**broadening**"
                } else {
                    "narrowing"
                },
                c.logical_id,
                c.sid,
                c.change,
                cell(&c.principals.join(", ")),
                cell(&what.join("<br>"))
            ));
        }
    }
    t.push('\n');
    Some(t)
}

/// The first `n` values in backticks, then how many more.
fn list(values: &[String], n: usize) -> String {
    let mut shown = values
        .iter()
        .take(n)
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if values.len() > n {
        shown.push_str(&format!(" (+{} more)", values.len() - n));
    }
    shown
}

/// A value as compact JSON in backticks, long ones shortened.
fn value(v: &Option<serde_json::Value>) -> String {
    match v {
        None => "(none)".to_owned(),
        Some(v) => {
            let s = v.to_string();
            let s = if s.chars().count() > 120 {
                format!("{}…", s.chars().take(117).collect::<String>())
            } else {
                s
            };
            format!("`{}`", s.replace('`', "'"))
        }
    }
}

/// Text safe inside a table cell: pipes escaped, no line breaks.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Put a document together under [`LIMIT`]: the head, then the sections, whole blocks only;
/// what does not fit is named in a closing note that points at the whole plan.
pub fn assemble(head: &str, sections: Vec<Section>, whole_plan: &str) -> String {
    assemble_within(head, sections, whole_plan, LIMIT)
}

/// [`assemble`] with another limit (tests).
pub fn assemble_within(
    head: &str,
    sections: Vec<Section>,
    whole_plan: &str,
    limit: usize,
) -> String {
    let budget = limit.saturating_sub(NOTE_ROOM);
    let mut out = String::from(head);
    let total_sections = sections.len();
    let total_blocks: usize = sections.iter().map(|s| s.blocks.len()).sum();
    let (mut shown_sections, mut shown_blocks) = (0, 0);
    'sections: for s in sections {
        if out.len() + s.open.len() + s.close.len() > budget {
            break;
        }
        out.push_str(&s.open);
        shown_sections += 1;
        for b in s.blocks {
            if out.len() + b.len() + s.close.len() > budget {
                out.push_str("_(the rest of this stack is left out: see below)_\n\n");
                out.push_str(&s.close);
                break 'sections;
            }
            out.push_str(&b);
            shown_blocks += 1;
        }
        out.push_str(&s.close);
    }
    if shown_blocks < total_blocks || shown_sections < total_sections {
        out.push_str(&format!(
            "> **Truncated** to stay under GitHub's {LIMIT}-character comment limit: {} of {total_sections} stack sections and {} of {total_blocks} tables or lists are shown. The whole plan: {whole_plan}.\n",
            shown_sections, shown_blocks
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(i: usize, rows: usize) -> Section {
        let table: String = std::iter::once("| a | b |\n|---|---|\n".to_owned())
            .chain((0..rows).map(|r| format!("| row {r} | {} |\n", "x".repeat(80))))
            .collect();
        Section {
            open: format!("<details><summary>stack {i}</summary>\n\n"),
            blocks: vec![format!("{table}\n"), "- a list\n\n".to_owned()],
            close: "</details>\n\n".to_owned(),
        }
    }

    #[test]
    fn a_huge_plan_is_cut_between_whole_tables_with_a_note() {
        let sections: Vec<Section> = (0..200).map(|i| section(i, 20)).collect();
        let whole: usize = sections
            .iter()
            .map(|s| s.open.len() + s.blocks.concat().len() + s.close.len())
            .sum();
        assert!(whole > LIMIT, "the plan must be over the limit: {whole}");
        let doc = assemble("**summary**\n\n", sections, "`dap plan --env prod`");
        assert!(doc.chars().count() <= LIMIT, "{}", doc.len());
        assert!(doc.starts_with("**summary**"));
        assert!(doc.contains("> **Truncated**"), "{doc}");
        assert!(doc.contains("`dap plan --env prod`"));
        // Every table that starts also ends: no row is cut, every section is closed.
        assert_eq!(
            doc.matches("<details>").count(),
            doc.matches("</details>").count()
        );
        let last_table = doc.rfind("| a | b |").unwrap();
        assert!(doc[last_table..].contains("| row 19 |"), "a table was cut");
    }

    #[test]
    fn a_plan_under_the_limit_is_whole() {
        let sections: Vec<Section> = (0..3).map(|i| section(i, 2)).collect();
        let doc = assemble("**summary**\n\n", sections, "x");
        assert!(!doc.contains("Truncated"));
        assert_eq!(doc.matches("</details>").count(), 3);
        assert_eq!(doc.matches("- a list").count(), 3);
    }

    #[test]
    fn cells_escape_pipes_and_line_breaks() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
    }
}
