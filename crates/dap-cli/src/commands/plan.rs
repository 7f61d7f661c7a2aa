//! `dap plan`: what `apply` would change, per stack and resource; exit 0 none, 2 changes.

use std::io::Write;

use anyhow::Result;
use dap_applier::{ChangeAction, Plan, PlanOptions, PropertyChange, StackAction};

use crate::args::PlanArgs;
use crate::aws;
use crate::exit_code;

pub fn run(args: &PlanArgs) -> Result<i32> {
    let session = aws::connect(&args.aws)?;
    let options = PlanOptions {
        refresh: args.refresh,
        ..PlanOptions::default()
    };
    let plan = session.runtime.block_on(session.applier.plan(options))?;
    let mut out = std::io::stdout().lock();
    print_plan(&mut out, &plan)?;
    Ok(if plan.has_changes() {
        exit_code::CHANGES
    } else {
        exit_code::SUCCESS
    })
}

/// Print a plan: a header, each stack with its resource changes, the one-line summary.
pub fn print_plan(out: &mut impl Write, plan: &Plan) -> Result<()> {
    writeln!(
        out,
        "plan for `{}` (account {}, {})",
        plan.environment, plan.account_id, plan.region
    )?;
    for s in &plan.stacks {
        let head = match s.action {
            StackAction::Create => format!("create ({} resources)", s.changes.len()),
            StackAction::Update => "update".to_owned(),
            StackAction::None => "no changes".to_owned(),
        };
        writeln!(out, "{}: {head}", s.name)?;
        for c in &s.changes {
            let sign = match c.action {
                ChangeAction::Add => "+",
                ChangeAction::Modify => "~",
                ChangeAction::Remove => "-",
                ChangeAction::Other(_) => "*",
            };
            let mut line = format!("  {sign} {} {}", c.resource_type, c.logical_id);
            if let ChangeAction::Other(a) = &c.action {
                line.push_str(&format!(" ({a})"));
            }
            if let Some(r) = &c.replacement {
                line.push_str(&format!(" [replacement: {r}]"));
            }
            writeln!(out, "{line}")?;
            for p in &c.properties {
                writeln!(out, "      {}", property(p))?;
            }
            for cause in &c.causes {
                writeln!(out, "      because: {cause}")?;
            }
            if c.action == ChangeAction::Modify && c.properties.is_empty() && c.causes.is_empty() {
                writeln!(
                    out,
                    "      (no property of the template changed: a parameter value or a dependency did)"
                )?;
            }
        }
        for change in &s.stack_changes {
            writeln!(out, "  * {change}")?;
        }
    }
    writeln!(out, "{}", plan.summary())?;
    Ok(())
}

/// `path: before -> after`, values as compact JSON, long ones shortened.
fn property(p: &PropertyChange) -> String {
    let show = |v: &Option<serde_json::Value>| match v {
        None => "(none)".to_owned(),
        Some(v) => {
            let s = v.to_string();
            if s.chars().count() > 80 {
                format!("{}...", s.chars().take(77).collect::<String>())
            } else {
                s
            }
        }
    };
    format!("{}: {} -> {}", p.path, show(&p.before), show(&p.after))
}
