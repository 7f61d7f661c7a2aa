//! The session of a command that talks to AWS (`plan`, `apply`, `destroy`, `unlock`,
//! `verify`): load the environment, render it, run the rules, start the runtime, connect to
//! its pinned account, hold its lock, and ask for confirmation. The name says what it is;
//! the AWS calls themselves are the applier's.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use dap_applier::{Applier, ConnectOptions, Observer};

use crate::args::{AwsArgs, EnvSelection};
use crate::environments;
use crate::error::CliError;
use crate::printer::Printer;
use crate::progress::Progress;

/// A connected environment.
pub struct Session {
    /// Runs the applier's calls.
    pub runtime: tokio::runtime::Runtime,
    /// The verified applier.
    pub applier: Applier,
    /// The environment.
    pub env: dap_config::Environment,
    /// Where the session's messages go.
    pub printer: Printer,
}

/// Load, render and connect. Fails before any AWS call on a bad file or a wrong region, and
/// after one (`sts:GetCallerIdentity`) on a wrong account.
pub fn connect(args: &AwsArgs, printer: Printer) -> crate::error::Result<Session> {
    let selection = EnvSelection {
        env: Some(args.env.clone()),
        all: false,
    };
    let loaded = environments::load(&args.env_dir, &selection)?
        .pop()
        .expect("one environment");
    let rendered = dap_planner::render(&loaded.env)
        .with_context(|| format!("cannot render `{}`", loaded.path.display()))?;
    // The platform's rules run before any AWS call: an unsuppressed error finding blocks.
    let findings = dap_rules::check_rendered(&loaded.env, &rendered);
    if findings.has_errors() {
        crate::commands::check::print_report(&mut printer.raw_stderr(), &findings)?;
        return Err(CliError::Blocked(format!(
            "`{}` has rule findings at error severity (above); fix them or add a suppression with its reason, then run again (`dap check --env {}`)",
            loaded.path.display(),
            loaded.env.name
        )));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let options = ConnectOptions {
        profile: args.connection.profile.clone(),
    };
    let env = loaded.env;
    let applier = runtime.block_on(async {
        let clients = dap_applier::load_clients(&env, &options).await;
        Applier::connect(clients, &env, rendered, Default::default()).await
    })?;
    Ok(Session {
        runtime,
        applier,
        env,
        printer,
    })
}

/// Run `body` holding the environment's lock (`apply`, `destroy`): refused with the
/// holder and time when another run holds it; released at the end whether `body` succeeded
/// or not. A killed run leaves it behind for `dap unlock`.
///
/// SIGINT (Ctrl-C) and SIGTERM (what CI runners and `timeout` send) stop the run cleanly: no
/// stack is started after the signal, those in progress are named and waited for, then the
/// lock is released and the run ends with exit 1. With nothing in progress that happens at
/// once. A second signal leaves immediately, naming the stacks still in progress and keeping
/// the lock (they are still changing; `dap unlock` once they are done).
pub fn locked<T>(
    session: &Session,
    operation: &str,
    body: impl FnOnce() -> crate::error::Result<T>,
) -> crate::error::Result<T> {
    session.runtime.block_on(session.applier.lock(operation))?;
    let printer = session.printer;
    let watcher = session.runtime.spawn(watch_signals(
        printer,
        session.applier.clone(),
        session.env.name.clone(),
        session.env.prefix.clone(),
    ));
    let result = release_on_panic(body, || {
        watcher.abort();
        printer.error(format_args!(
            "dap panicked: releasing the lock of `{}` before stopping",
            session.env.name
        ));
        if let Err(e) = session.runtime.block_on(session.applier.unlock()) {
            printer.error(format_args!(
                "cannot release the lock ({e}); release it with `dap unlock --env {}`",
                session.env.name
            ));
        }
    });
    watcher.abort();
    let released = session.runtime.block_on(session.applier.unlock());
    if session.applier.interrupted() && released.is_ok() {
        printer.notice(format_args!(
            "interrupted: the stacks in progress finished and the lock of `{}` is released; run the command again to converge",
            session.env.name
        ));
    }
    match (result, released) {
        (Ok(value), Ok(_)) => Ok(value),
        (Ok(_), Err(e)) => Err(CliError::aws(
            e,
            format!(
                "cannot release the lock of `{}`; release it with `dap unlock --env {}`",
                session.env.name, session.env.name
            ),
        )),
        (Err(e), Ok(_)) => Err(e),
        (Err(e), Err(release)) => {
            printer.error(format_args!(
                "cannot release the lock of `{}` ({release}); release it with `dap unlock --env {}`",
                session.env.name, session.env.name
            ));
            Err(e)
        }
    }
}

/// The next SIGINT or SIGTERM, by name; pending forever where signals cannot be watched.
async fn next_signal(
    int: &mut Option<tokio::signal::unix::Signal>,
    term: &mut Option<tokio::signal::unix::Signal>,
) -> &'static str {
    async fn recv(s: &mut Option<tokio::signal::unix::Signal>) {
        match s {
            Some(s) => {
                s.recv().await;
            }
            None => std::future::pending().await,
        }
    }
    tokio::select! {
        _ = recv(int) => "interrupted (SIGINT)",
        _ = recv(term) => "terminated (SIGTERM)",
    }
}

/// Wait for signals while the lock is held: the first stops new work, the second leaves.
async fn watch_signals(
    printer: Printer,
    applier: dap_applier::Applier,
    env: String,
    prefix: String,
) {
    use tokio::signal::unix::{signal, SignalKind};
    let mut int = signal(SignalKind::interrupt()).ok();
    let mut term = signal(SignalKind::terminate()).ok();
    let first = next_signal(&mut int, &mut term).await;
    let running = applier.interrupt();
    if running.is_empty() {
        printer.notice(format_args!("\n{first}: nothing in progress; releasing the lock of `{env}` and stopping; run the command again to converge"));
        if let Err(e) = applier.unlock().await {
            printer.error(format_args!(
                "cannot release the lock ({e}); release it with `dap unlock --env {env}`"
            ));
        }
        std::process::exit(crate::exit_code::FAILURE);
    }
    printer.notice(format_args!(
        "\n{first}: starting nothing more; waiting for the stack{} in progress to finish: {}; the lock is released after them (signal again to leave now)",
        if running.len() == 1 { "" } else { "s" },
        running.join(", ")
    ));
    let second = next_signal(&mut int, &mut term).await;
    let left = applier.in_progress();
    if left.is_empty() {
        printer.notice(format_args!("\n{second} again: leaving now; nothing is in progress; the lock `{prefix}-lock` stays: release it with `dap unlock --env {env}`"));
    } else {
        printer.notice(format_args!(
            "\n{second} again: leaving now; still in progress in CloudFormation: {}; the lock `{prefix}-lock` stays: once they are done, release it with `dap unlock --env {env}` and run the command again",
            left.join(", ")
        ));
    }
    std::process::exit(crate::exit_code::FAILURE);
}

/// Run `body`; when it panics, run `release` and let the panic go on (a bug must not leave
/// the environment locked).
fn release_on_panic<T>(body: impl FnOnce() -> T, release: impl FnOnce()) -> T {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        Ok(value) => value,
        Err(panic) => {
            release();
            std::panic::resume_unwind(panic)
        }
    }
}

/// The progress display for this run: drawn on stderr only when it is a terminal and
/// neither `--quiet` nor `--no-progress` was given.
pub fn observer(session: &Session, args: &AwsArgs) -> Arc<dyn Observer> {
    if session.printer.progress(args.connection.no_progress) {
        Arc::new(Progress::new())
    } else {
        Arc::new(dap_applier::Quiet)
    }
}

/// Ask before changing anything. `--yes` answers for the user; without it the question needs
/// a terminal on standard input, so that CI never hangs and never proceeds by accident.
pub fn confirm(session: &Session, question: &str, yes: bool) -> Result<bool> {
    if yes {
        return Ok(true);
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        bail!("not confirmed: standard input is not a terminal; pass `--yes` to proceed without asking");
    }
    let mut prompt = session.printer.raw_stderr();
    write!(prompt, "{question} Only `yes` is accepted: ")?;
    prompt.flush()?;
    drop(prompt);
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer)?;
    Ok(answer.trim() == "yes")
}

/// Judge a plan with the run's `--allow-replace`/`--allow-remove`; warn on stderr about
/// allowances that name no guarded change.
pub fn allow(plan: &mut dap_applier::Plan, args: &crate::args::GuardArgs, printer: Printer) {
    let allowances = dap_applier::Allowances {
        replace: args.allow_replace.iter().cloned().collect(),
        remove: args.allow_remove.iter().cloned().collect(),
    };
    plan.allow_import = args.import;
    for unused in plan.allow(&allowances) {
        printer.warning(format_args!(
            "`{unused}` names no replacement or removal of a data-bearing resource in this plan"
        ));
    }
}

/// The error that ends a run whose plan imports existing resources without `--import`
/// (exit code 3).
pub fn imports_not_allowed(plan: &dap_applier::Plan) -> CliError {
    let n = plan.imports().len();
    CliError::Blocked(format!(
        "{n} resource{} the model would create already exist{} outside any stack (listed as imports, `<`, above); adopt {} with `--import`, or remove {} first",
        if n == 1 { "" } else { "s" },
        if n == 1 { "s" } else { "" },
        if n == 1 { "it" } else { "them" },
        if n == 1 { "it" } else { "them" },
    ))
}

/// The error that ends a run whose plan has blocked changes (exit code 3).
pub fn blocked(plan: &dap_applier::Plan) -> CliError {
    let n = plan.blocked().len();
    CliError::Blocked(format!(
        "{n} change{} to data-bearing resources {} blocked (see \"blocked\" above); name each one with `--allow-replace` or `--allow-remove` to proceed",
        if n == 1 { "" } else { "s" },
        if n == 1 { "is" } else { "are" },
    ))
}

#[cfg(test)]
mod tests {
    use super::release_on_panic;
    use std::cell::Cell;

    #[test]
    fn a_panic_releases_then_goes_on() {
        let released = Cell::new(false);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            release_on_panic(|| -> u8 { panic!("a bug") }, || released.set(true))
        }));
        assert!(outcome.is_err(), "the panic goes on");
        assert!(released.get(), "the lock was released first");
        let released = Cell::new(false);
        assert_eq!(release_on_panic(|| 7, || released.set(true)), 7);
        assert!(!released.get(), "no panic, no early release");
    }
}
