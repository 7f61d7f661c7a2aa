//! `dap`: the command line. Only this crate knows about the terminal and exit codes.

mod args;
mod aws;
mod commands;
mod environments;
mod exit_code;
mod progress;

use clap::Parser as _;

use crate::args::{Cli, Command};

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with 0; a usage error to stderr with its own code.
            let code = if e.use_stderr() {
                exit_code::USAGE
            } else {
                exit_code::SUCCESS
            };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let result = match &cli.command {
        Command::Render(a) => commands::render::run(a),
        Command::Plan(a) => commands::plan::run(a, cli.verbose),
        Command::Apply(a) => commands::apply::run(a, cli.verbose),
        Command::Destroy(a) => commands::destroy::run(a),
        Command::Unlock(a) => commands::unlock::run(a),
        Command::Verify(a) => commands::verify::run(a),
        Command::Docs(a) => commands::docs::run(a),
        Command::Check(a) => commands::check::run(a),
    };
    let code = match result {
        Ok(code) => code,
        // The reader went away (`dap plan | head`): nothing more to say to anyone.
        Err(err) if is_broken_pipe(&err) => exit_code::SUCCESS,
        Err(err) => {
            report(&err, cli.verbose);
            if err.downcast_ref::<exit_code::Blocked>().is_some() {
                exit_code::BLOCKED
            } else {
                exit_code::FAILURE
            }
        }
    };
    std::process::exit(code);
}

/// Whether the error is a write to a closed pipe.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        let kind = e
            .downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind)
            .or_else(|| {
                e.downcast_ref::<serde_json::Error>()
                    .and_then(serde_json::Error::io_error_kind)
            });
        kind == Some(std::io::ErrorKind::BrokenPipe)
    })
}

/// Print an error: config errors as located miette diagnostics, others as `error: a: b` on
/// one line; with `-v`, an AWS error's whole chain follows.
fn report(err: &anyhow::Error, verbose: bool) {
    if let Some(config) = err.downcast_ref::<environments::ConfigReport>() {
        let summary = environments::Summary(&config.0);
        let handler = miette::GraphicalReportHandler::new();
        let mut rendered = String::new();
        if handler.render_report(&mut rendered, &summary).is_ok() {
            eprint!("{rendered}");
            return;
        }
    }
    eprintln!("error: {err:#}");
    let detail = err
        .chain()
        .find_map(|e| e.downcast_ref::<dap_applier::Error>())
        .and_then(dap_applier::Error::detail);
    if let (true, Some(detail)) = (verbose, detail) {
        eprintln!("detail: {detail}");
    }
}
