//! `dap unlock`: show who holds the environment's lock and since when, release it, and delete
//! the temporary change sets a killed run left behind.

use std::io::Write;

use anyhow::Result;

use crate::args::UnlockArgs;
use crate::exit_code;
use crate::printer::Printer;
use crate::session;

pub fn run(args: &UnlockArgs, printer: Printer) -> crate::error::Result<i32> {
    let session = session::connect(&args.aws, printer)?;
    let mut out = printer.stdout();
    let Some(info) = session.runtime.block_on(session.applier.lock_info())? else {
        writeln!(
            out,
            "`{}` is not locked: nothing to release",
            session.env.name
        )?;
        sweep(&session, &mut out)?;
        return Ok(exit_code::SUCCESS);
    };
    let age = info
        .age
        .map(|a| format!(" ({} ago)", human(a.as_secs())))
        .unwrap_or_default();
    writeln!(
        out,
        "`{}` is locked by `{}` since {}{age}, for `{}` (lock stack `{}`)",
        session.env.name, info.holder, info.since, info.operation, info.stack
    )?;
    out.flush()?;
    let question = format!(
        "Release it? Only do so if that run has ended (killed or crashed): a running `{}` would then share `{}` with the next one.",
        info.operation, session.env.name
    );
    if !session::confirm(&session, &question, args.yes)? {
        printer.notice("unlock cancelled: the lock is still held");
        return Ok(exit_code::FAILURE);
    }
    session.runtime.block_on(session.applier.unlock())?;
    writeln!(out, "released the lock of `{}`", session.env.name)?;
    sweep(&session, &mut out)?;
    Ok(exit_code::SUCCESS)
}

/// Delete the change sets a killed `plan` or `apply` left, and list them.
fn sweep(session: &session::Session, out: &mut impl Write) -> Result<()> {
    let swept = session
        .runtime
        .block_on(session.applier.sweep_change_sets())?;
    for name in &swept {
        writeln!(
            out,
            "deleted the change set `{name}` left by an interrupted run"
        )?;
    }
    Ok(())
}

/// `3h 12m`, `5m 3s`, `42s`.
fn human(secs: u64) -> String {
    match secs {
        s if s >= 3600 => format!("{}h {}m", s / 3600, s % 3600 / 60),
        s if s >= 60 => format!("{}m {}s", s / 60, s % 60),
        s => format!("{s}s"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ages() {
        assert_eq!(super::human(42), "42s");
        assert_eq!(super::human(303), "5m 3s");
        assert_eq!(super::human(11_520), "3h 12m");
    }
}
