//! `dap`: the command line. Only this crate knows about the terminal and exit codes.

mod args;
mod commands;
mod environments;
mod error;
mod exit_code;
mod plan_markdown;
mod printer;
mod progress;
mod session;

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
    let printer = printer::Printer::new(cli.quiet, cli.verbose, cli.color);
    let result = match &cli.command {
        Command::Render(a) => commands::render::run(a, printer),
        Command::Plan(a) => commands::plan::run(a, printer),
        Command::Apply(a) => commands::apply::run(a, printer),
        Command::Destroy(a) => commands::destroy::run(a, printer),
        Command::Unlock(a) => commands::unlock::run(a, printer),
        Command::Verify(a) => commands::verify::run(a, printer),
        Command::Docs(a) => commands::docs::run(a, printer),
        Command::Check(a) => commands::check::run(a, printer),
        Command::Cost(a) => commands::cost::run(a, printer),
    };
    let code = match result {
        Ok(code) => code,
        Err(err) => {
            if !err.is_broken_pipe() {
                err.report(printer);
            }
            err.exit_code()
        }
    };
    std::process::exit(code);
}
