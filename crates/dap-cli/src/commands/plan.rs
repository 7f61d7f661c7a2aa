//! `dap plan`: what `apply` would change, per stack and resource; exit 0 none, 2 changes,
//! 3 changes blocked by the data-loss guard.

use std::io::Write;

use anyhow::{Context, Result};
use dap_applier::grants;
use dap_applier::guard::{self, Loss};
use dap_applier::{
    ChangeAction, Plan, PlanOptions, PropertyChange, SecurityChange, StackAction, Verdict,
};

use crate::args::PlanArgs;
use crate::exit_code;
use crate::session;

pub fn run(args: &PlanArgs, verbose: bool) -> crate::error::Result<i32> {
    let session = session::connect(&args.aws)?;
    let options = PlanOptions {
        refresh: args.refresh,
        ..PlanOptions::default()
    };
    let mut plan = session.runtime.block_on(session.applier.plan(options))?;
    session::allow(&mut plan, &args.guard);
    let mut out = std::io::stdout().lock();
    if let Some(path) = &args.out {
        session
            .runtime
            .block_on(session.applier.record_deployed(&mut plan))?;
        std::fs::write(path, plan_json(&plan)?)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    if args.json {
        out.write_all(&plan_json(&plan)?)?;
    } else {
        print_plan(&mut out, &plan, verbose)?;
    }
    out.flush()?;
    if !plan.blocked().is_empty() {
        return Err(session::blocked(&plan));
    }
    Ok(if plan.has_changes() {
        exit_code::CHANGES
    } else {
        exit_code::SUCCESS
    })
}

/// The plan document: pretty JSON with a final newline.
pub fn plan_json(plan: &Plan) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(plan)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Print a plan: a header, each stack with its resource changes, the one-line summary.
/// `verbose` lists every policy statement of new stacks too (they are summarised otherwise).
pub fn print_plan(out: &mut impl Write, plan: &Plan, verbose: bool) -> Result<()> {
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
                ChangeAction::Import => "<",
                ChangeAction::Other(_) => "*",
            };
            let mut line = format!("  {sign} {} {}", c.resource_type, c.logical_id);
            if c.action == ChangeAction::Import {
                line.push_str(&format!(
                    " (import: `{}` exists outside any stack{})",
                    c.physical_id.as_deref().unwrap_or("?"),
                    if plan.allow_import {
                        ""
                    } else {
                        "; adopt with `--import`"
                    }
                ));
            }
            if let ChangeAction::Other(a) = &c.action {
                line.push_str(&format!(" ({a})"));
            }
            if !c.replacement_reasons.is_empty() {
                line.push_str(" [replaced]");
            }
            if let Some(r) = &c.replacement {
                line.push_str(&format!(" [CloudFormation replacement: {r}]"));
            }
            if c.replacement_disagrees {
                line.push_str(" [prediction and CloudFormation disagree]");
            }
            match c.guard {
                Verdict::Blocked => line.push_str(" BLOCKED"),
                Verdict::Allowed => line.push_str(" (allowed)"),
                Verdict::Unguarded => {}
            }
            writeln!(out, "{line}")?;
            for p in &c.properties {
                let mark = if c.replacement_reasons.contains(&p.path) {
                    "  (create-only: forces replacement)"
                } else {
                    ""
                };
                writeln!(out, "      {}{mark}", property(p))?;
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
    print_security(out, plan, verbose)?;
    let blocked = plan.blocked();
    if !blocked.is_empty() {
        writeln!(
            out,
            "blocked: {} change{} would replace or remove data-bearing resources",
            blocked.len(),
            if blocked.len() == 1 { "" } else { "s" }
        )?;
        for (s, c) in &blocked {
            let flag = match guard::loss(c) {
                Some(Loss::Remove) => "--allow-remove",
                _ => "--allow-replace",
            };
            writeln!(
                out,
                "  ! {} {}/{}: allow with `{flag} {}/{}`",
                c.resource_type, s.name, c.logical_id, s.kind, c.logical_id
            )?;
        }
    }
    if !plan.orphans.is_empty() {
        let n = plan.orphans.len();
        writeln!(
            out,
            "orphans: {n} deployed stack{} tagged `dap:environment: {}` {} not in the model (a renamed prefix or a removed stack); apply leaves {}:",
            if n == 1 { "" } else { "s" },
            plan.environment,
            if n == 1 { "is" } else { "are" },
            if n == 1 { "it" } else { "them" },
        )?;
        for o in &plan.orphans {
            writeln!(out, "  ? {} ({})", o.name, o.status)?;
        }
        writeln!(
            out,
            "  `dap destroy --env {} --orphans` deletes {} (what {} retain, such as data buckets and keys, stays and is listed); resources the plan adds under new names do not reuse theirs",
            plan.environment,
            if n == 1 { "it" } else { "them" },
            if n == 1 { "it would" } else { "they would" },
        )?;
    }
    writeln!(out, "{}", plan.summary())?;
    Ok(())
}

/// The security diff: deployed stacks' statement changes one by one (broadening first), new
/// stacks' grants summarised per principal (every statement with `verbose`).
fn print_security(out: &mut impl Write, plan: &Plan, verbose: bool) -> Result<()> {
    let changed: Vec<_> = plan
        .stacks
        .iter()
        .filter(|s| s.action != StackAction::Create)
        .flat_map(|s| s.security.iter().map(move |c| (s, c)))
        .collect();
    if !changed.is_empty() {
        let broadening = changed.iter().filter(|(_, c)| c.broadening).count();
        writeln!(
            out,
            "security: {} policy statement change{} in deployed stacks, {broadening} broadening",
            changed.len(),
            plural(changed.len())
        )?;
        for (s, c) in &changed {
            print_statement(out, &s.name, c)?;
        }
    }
    let new: Vec<_> = plan
        .stacks
        .iter()
        .filter(|s| s.action == StackAction::Create && !s.security.is_empty())
        .collect();
    if new.is_empty() {
        return Ok(());
    }
    let statements: usize = new.iter().map(|s| s.security.len()).sum();
    let why = if plan.first_deploy() {
        "a first deploy: nothing deployed to broaden".to_owned()
    } else {
        let b = new
            .iter()
            .flat_map(|s| &s.security)
            .filter(|c| c.broadening)
            .count();
        format!(
            "{b} broadening: new access to the deployed platform{}",
            if verbose { "" } else { ", listed with `-v`" }
        )
    };
    writeln!(
        out,
        "grants of {} new stack{} ({statements} policy statements; {why}):",
        new.len(),
        plural(new.len())
    )?;
    for s in &new {
        let g = grants::summarise(&s.security);
        writeln!(
            out,
            "  {}: {} allow statement{} to {} principal{}, {} deny statement{}",
            s.name,
            g.allows(),
            plural(g.allows()),
            g.grants.len(),
            plural(g.grants.len()),
            g.deny_statements(),
            plural(g.deny_statements())
        )?;
        for p in &g.grants {
            let conditions = match p.conditional {
                0 => String::new(),
                n if n == p.statements => " (under conditions)".to_owned(),
                n => format!(" ({n} of {} under conditions)", p.statements),
            };
            writeln!(
                out,
                "    {}: {} on {}{conditions}",
                p.principal,
                first(&p.actions, 4),
                first(&p.resources, 3)
            )?;
        }
        for d in &g.denies {
            writeln!(out, "    denied by `{}` on {}", d.sid, first(&d.on, 4))?;
        }
        if verbose {
            for c in &s.security {
                print_statement(out, &s.name, c)?;
            }
        }
    }
    if !verbose {
        writeln!(
            out,
            "  (each statement: `-v`, or the plan document with `--json`)"
        )?;
    }
    Ok(())
}

fn print_statement(out: &mut impl Write, stack: &str, c: &SecurityChange) -> Result<()> {
    writeln!(
        out,
        "  {} {stack}/{} {} {} `{}` ({}): {}",
        if c.broadening {
            "BROADENING"
        } else {
            "narrowing"
        },
        c.logical_id,
        c.document,
        c.effect,
        c.sid,
        c.change,
        c.principals.join(", ")
    )?;
    for g in c.gained.iter().chain(&c.lost) {
        let wild = c.wildcards.iter().any(|w| g.ends_with(&format!(" {w}")));
        writeln!(out, "      {g}{}", if wild { "  <- wildcard" } else { "" })?;
    }
    Ok(())
}

/// The first `n` values, then how many more.
fn first(values: &[String], n: usize) -> String {
    let mut shown = values
        .iter()
        .take(n)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if values.len() > n {
        shown.push_str(&format!(" (+{} more)", values.len() - n));
    }
    shown
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
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
