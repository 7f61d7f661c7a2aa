//! `dap`: the command line. Only this crate knows about the terminal and exit codes.

mod args;
mod aws;
mod commands;
mod environments;
mod exit_code;
mod progress;

use clap::Parser;

use crate::args::{Cli, Command};

fn main() {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Render(a) => commands::render::run(a),
        Command::Plan(a) => commands::plan::run(a),
        Command::Apply(a) => commands::apply::run(a),
        Command::Destroy(a) => commands::destroy::run(a),
        Command::Unlock(a) => commands::unlock::run(a),
        Command::Verify(a) => commands::verify::run(a),
        Command::Docs(a) => commands::docs::run(a),
        Command::Check(a) => commands::check::run(a),
    };
    let code = match result {
        Ok(code) => code,
        Err(err) => {
            report(&err);
            if err.downcast_ref::<exit_code::Blocked>().is_some() {
                exit_code::BLOCKED
            } else {
                exit_code::FAILURE
            }
        }
    };
    std::process::exit(code);
}

/// Print an error: config errors as located miette diagnostics, others as `error: a: b`.
fn report(err: &anyhow::Error) {
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
}
