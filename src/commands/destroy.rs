//! `dap destroy`: delete the environment's stacks, dependents first; list what stays.

use std::io::Write;

use dap_applier::StackOutcome;

use crate::args::DestroyArgs;
use crate::exit_code;
use crate::printer::Printer;
use crate::progress::finished_line;
use crate::session;

pub fn run(args: &DestroyArgs, printer: Printer) -> crate::error::Result<i32> {
    // A `strict` environment is refused from its file, before any AWS call (the applier
    // refuses it too, for any other caller).
    let selection = crate::args::EnvSelection {
        env: Some(args.aws.env.clone()),
        all: false,
    };
    for loaded in crate::environments::load(&args.aws.env_dir, &selection)? {
        if loaded.env.protection == dap_config::Protection::Strict {
            return Err(dap_applier::Error::Protected {
                env: loaded.env.name,
            }
            .into());
        }
    }
    let session = session::connect(&args.aws, printer)?;
    session::locked(&session, "destroy", || destroy(args, &session))
}

/// List, confirm and delete, holding the lock.
fn destroy(args: &DestroyArgs, session: &session::Session) -> crate::error::Result<i32> {
    let plan = if args.orphans {
        session
            .runtime
            .block_on(session.applier.orphans_destroy_plan())?
    } else {
        session.runtime.block_on(session.applier.destroy_plan())?
    };
    let printer = session.printer;
    let mut out = printer.plan_stdout();
    writeln!(
        out,
        "destroy {}`{}` (account {}, {})",
        if plan.orphans { "the orphans of " } else { "" },
        session.env.name,
        session.env.account_id,
        session.env.region
    )?;
    if plan.stacks.is_empty() {
        if plan.orphans {
            writeln!(
                out,
                "`{}` has no orphans: nothing to delete",
                plan.environment
            )?;
        } else {
            writeln!(
                out,
                "no stacks of `{}` exist: nothing to delete",
                plan.environment
            )?;
        }
        return Ok(exit_code::SUCCESS);
    }
    for s in &plan.stacks {
        writeln!(out, "  - {} ({})", s.name, s.status)?;
    }
    let retained: usize = plan.stacks.iter().map(|s| s.retained.len()).sum();
    writeln!(
        out,
        "{} stacks to delete; {retained} retained resources stay in place",
        plan.stacks.len()
    )?;
    out.flush()?;
    let question = format!(
        "Delete these stacks of `{}` (account {}, {})?",
        session.env.name, session.env.account_id, session.env.region
    );
    if !session::confirm(session, &question, args.yes)? {
        printer.notice("destroy cancelled: nothing was deleted");
        return Ok(exit_code::FAILURE);
    }
    let observer = session::observer(session, &args.aws);
    let report = session
        .runtime
        .block_on(session.applier.destroy(&plan, observer))?;
    writeln!(out)?;
    for s in &report.stacks {
        writeln!(out, "{}", finished_line(&s.name, &s.outcome, s.elapsed))?;
    }
    if !report.retained.is_empty() {
        writeln!(out, "left in place (DeletionPolicy: Retain):")?;
        for r in &report.retained {
            writeln!(
                out,
                "  {} {} {} ({})",
                r.resource_type,
                r.logical_id,
                r.physical_id.as_deref().unwrap_or("-"),
                r.stack
            )?;
        }
    }
    if report.succeeded() {
        return Ok(exit_code::SUCCESS);
    }
    for s in &report.stacks {
        if let StackOutcome::Failed { .. } = s.outcome {
            printer.error(finished_line(&s.name, &s.outcome, s.elapsed));
        }
    }
    Ok(exit_code::FAILURE)
}
