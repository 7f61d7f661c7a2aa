//! `dap apply`: plan, confirm, deploy; a table of the stacks and their outputs.

use std::io::Write;

use anyhow::{Context, Result};
use dap_applier::{ApplyReport, BroadeningApproval, PlanOptions, StackOutcome};

use crate::args::ApplyArgs;
use crate::commands::plan::print_plan;
use crate::exit_code;
use crate::printer::Printer;
use crate::progress::finished_line;
use crate::session;

/// The largest saved plan `apply` reads (a plan of every stack with every change is a few MB).
const MAX_PLAN_BYTES: usize = 64 << 20;

pub fn run(args: &ApplyArgs, printer: Printer) -> crate::error::Result<i32> {
    let session = session::connect(&args.aws, printer)?;
    session::locked(&session, "apply", || apply(args, &session))
}

/// Plan, confirm and deploy, holding the lock.
fn apply(args: &ApplyArgs, session: &session::Session) -> crate::error::Result<i32> {
    let printer = session.printer;
    let plan = match &args.plan {
        Some(path) => {
            if !args.guard.allow_replace.is_empty()
                || !args.guard.allow_remove.is_empty()
                || args.guard.import
            {
                crate::error::fail!("a saved plan carries the allowances it was made with: pass `--allow-replace`/`--allow-remove`/`--import` to `dap plan --out`, not to `apply`");
            }
            let bytes = crate::environments::read_bounded(path, MAX_PLAN_BYTES)?;
            if bytes.len() >= MAX_PLAN_BYTES {
                crate::error::fail!(
                    "`{}` is larger than a plan document can be ({} MiB)",
                    path.display(),
                    MAX_PLAN_BYTES >> 20
                );
            }
            let saved: dap_applier::Plan = serde_json::from_slice(&bytes)
                .with_context(|| format!("`{}` is not a plan document", path.display()))?;
            session
                .runtime
                .block_on(session.applier.check_saved(saved))?
        }
        None => {
            let mut plan = session
                .runtime
                .block_on(session.applier.plan(PlanOptions::default()))?;
            session::allow(&mut plan, &args.guard, printer);
            plan
        }
    };
    let mut out = printer.plan_stdout();
    print_plan(&mut out, &plan, printer.verbose(), None)?;
    out.flush()?;
    if !plan.blocked().is_empty() {
        return Err(session::blocked(&plan));
    }
    if !plan.imports().is_empty() && !plan.allow_import {
        return Err(session::imports_not_allowed(&plan));
    }
    let approval =
        plan.broadening_approval(session.env.protection, args.yes, args.approve_broadening);
    match approval {
        BroadeningApproval::Approved => {}
        BroadeningApproval::Refused { statements } => {
            return Err(crate::error::CliError::Blocked(format!(
                "the plan broadens access ({statements} statement{}, marked BROADENING under \"security\" above or counted under \"grants of new stacks\"; `-v` lists each) in `strict` environment `{}`: `--yes` alone does not approve that; add `--approve-broadening`",
                if statements == 1 { "" } else { "s" },
                session.env.name
            )));
        }
        BroadeningApproval::Ask { statements } => {
            let question = format!(
                "The plan broadens access ({statements} statement{}, marked BROADENING under \"security\" above or counted under \"grants of new stacks\"; `-v` lists each). Approve the broadening?",
                if statements == 1 { "" } else { "s" }
            );
            if !session::confirm(session, &question, false)? {
                printer.notice("apply cancelled: nothing was changed");
                return Ok(exit_code::FAILURE);
            }
        }
    }
    if plan.has_changes() {
        let question = format!(
            "Apply these changes to `{}` (account {}, {})?",
            session.env.name, session.env.account_id, session.env.region
        );
        if !session::confirm(session, &question, args.yes)? {
            printer.notice("apply cancelled: nothing was changed");
            return Ok(exit_code::FAILURE);
        }
    }
    let observer = session::observer(session, &args.aws);
    let report = session
        .runtime
        .block_on(session.applier.apply(&plan, observer))?;
    print_report(&mut out, &report)?;
    if report.succeeded() {
        return Ok(exit_code::SUCCESS);
    }
    for s in report.failed() {
        if let StackOutcome::Failed { status, reason } = &s.outcome {
            printer.error(format_args!(
                "stack `{}` failed{}: {reason}",
                s.name,
                status
                    .as_deref()
                    .map(|st| format!(" ({st})"))
                    .unwrap_or_default()
            ));
        }
    }
    let with = |pick: fn(&StackOutcome) -> bool| -> Vec<&str> {
        report
            .stacks
            .iter()
            .filter(|s| pick(&s.outcome))
            .map(|s| s.name.as_str())
            .collect()
    };
    let skipped = with(|o| matches!(o, StackOutcome::Skipped { .. }));
    if !skipped.is_empty() {
        printer.notice(format_args!(
            "not attempted (they depend on a failed stack): {}",
            skipped.join(", ")
        ));
    }
    let not_started = with(|o| matches!(o, StackOutcome::NotStarted));
    if !not_started.is_empty() {
        printer.notice(format_args!(
            "not started (the run was interrupted): {}",
            not_started.join(", ")
        ));
    }
    Ok(exit_code::FAILURE)
}

/// The final table: one row per stack with its result and time, then its outputs.
fn print_report(out: &mut impl Write, report: &ApplyReport) -> Result<()> {
    writeln!(out)?;
    // The assets (Glue scripts) first: they are uploaded before the stacks that run them.
    for a in &report.assets {
        writeln!(
            out,
            "asset {} ({} bytes): {}",
            a.key,
            a.bytes,
            if a.uploaded {
                "uploaded"
            } else {
                "already there"
            }
        )?;
    }
    if !report.assets.is_empty() {
        writeln!(out)?;
    }
    writeln!(
        out,
        "{:<28} {:<10} {:>7}  outputs",
        "stack", "result", "time"
    )?;
    for s in &report.stacks {
        let time = if s.elapsed.is_zero() {
            "-".to_owned()
        } else {
            format!("{:.1}s", s.elapsed.as_secs_f64())
        };
        let mut outputs = s.outputs.iter().map(|o| format!("{}={}", o.key, o.value));
        writeln!(
            out,
            "{:<28} {:<10} {:>7}  {}",
            s.name,
            s.outcome.label(),
            time,
            outputs.next().unwrap_or_else(|| "-".to_owned())
        )?;
        for o in outputs {
            writeln!(out, "{:<49}{o}", "")?;
        }
        if !s.outcome.ok() {
            writeln!(out, "    {}", finished_line(&s.name, &s.outcome, s.elapsed))?;
        }
    }
    let count = |label: &str| {
        report
            .stacks
            .iter()
            .filter(|s| s.outcome.label() == label)
            .count()
    };
    write!(
        out,
        "{} created, {} updated, {} unchanged, {} failed, {} skipped",
        count("created"),
        count("updated"),
        count("unchanged"),
        count("failed"),
        count("skipped")
    )?;
    match count("not-started") {
        0 => writeln!(out)?,
        n => writeln!(out, ", {n} not started (interrupted)")?,
    }
    Ok(())
}
