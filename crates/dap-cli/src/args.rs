//! The command line, as clap derives it. Doc comments are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// dap: provisions the City of Vancouver's Data Analytical Platform on AWS from typed models.
///
/// Exit codes: 0 success (for `plan`: no changes), 1 error, 2 changes present (`plan`),
/// 3 blocked by a guard or a rule finding.
#[derive(Debug, Parser)]
#[command(name = "dap", version, about, long_about)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render an environment's CloudFormation templates and manifest into a folder.
    ///
    /// Writes `<out>/<env>/<stack>.yaml` for every stack and `<out>/<env>/manifest.json`
    /// (stack names, deployment order, dependencies, template sha256, sizes, resource
    /// counts), then prints a summary table. Rendering is pure and deterministic: the same
    /// environment file always gives the same bytes.
    Render(RenderArgs),
}

/// Which environment(s) a command works on.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct EnvSelection {
    /// The environment: the stem of a file in the environments folder (`prod` for
    /// `environments/prod.yaml`).
    #[arg(long, short = 'e', value_name = "NAME")]
    pub env: Option<String>,
    /// Every environment in the environments folder.
    #[arg(long)]
    pub all: bool,
}

/// `dap render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Which environments.
    #[command(flatten)]
    pub selection: EnvSelection,
    /// The folder holding the environment files.
    #[arg(long, value_name = "DIR", default_value = "environments")]
    pub env_dir: PathBuf,
    /// Where to write: templates go to `<DIR>/<env>/`.
    #[arg(long, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,
    /// Print the summary as JSON (the manifests) instead of a table.
    #[arg(long)]
    pub json: bool,
}
