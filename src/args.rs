//! The command line, as clap derives it. Doc comments are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// dap: provisions the City of Vancouver's Data Analytical Platform on AWS from typed models.
#[derive(Debug, Parser)]
#[command(name = "dap", version, after_help = crate::exit_code::overview())]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
    /// More detail: on an error, everything known about it (an AWS error's whole chain); in a
    /// plan, every policy statement of the stacks it creates (summarised per principal otherwise).
    #[arg(long, short = 'v', global = true, conflicts_with = "quiet")]
    pub verbose: bool,
    /// Only the result and errors: no progress display, no status lines on stderr, no summary
    /// of the files `render` and `docs` write. Warnings and the notices of a cancelled or
    /// interrupted run are still printed.
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    /// When to colour the output: `auto` colours a stream that is a terminal unless
    /// `NO_COLOR` is set (`CLICOLOR_FORCE` forces it); `always` and `never` override both.
    #[arg(long, value_name = "WHEN", value_enum, default_value_t, global = true)]
    pub color: crate::printer::ColorChoice,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render an environment's CloudFormation templates and manifest into a folder.
    ///
    /// Writes `<out>/<env>/<stack>.yaml` for every stack and `<out>/<env>/manifest.json`
    /// (stack names, deployment order, dependencies, template sha256, sizes, resource
    /// counts), then prints a summary table. An environment with a `deploy_role` also gets
    /// `<out>/bootstrap/<env>.yaml`: the deploy role, to deploy once per account. Rendering is
    /// pure and deterministic: the same environment file always gives the same bytes.
    #[command(after_help = crate::exit_code::help("render"))]
    Render(RenderArgs),
    /// Show what `apply` would change in the environment's AWS account, per stack and resource.
    ///
    /// Verifies the account first (`sts:GetCallerIdentity` must return the environment's
    /// account; the region must match), reads the deployed stacks with one `DescribeStacks`,
    /// and creates a change set (deleted afterwards) for each stack whose template or settings
    /// differ. Prints each added (+), changed (~), removed (-) and imported (<) resource with
    /// its type, logical id and the changed property values, the environment's orphan stacks,
    /// then `N to add, N to change, N to remove`.
    #[command(after_help = crate::exit_code::help("plan"))]
    Plan(PlanArgs),
    /// Deploy the environment: show the plan, confirm, upload the Glue scripts, then create or
    /// update the stacks in dependency order (independent ones in parallel).
    ///
    /// Progress goes to stderr (one line per stack with [n/N], status and elapsed time) when it
    /// is a terminal; the final table of stacks and their outputs goes to stdout. If a stack
    /// fails, the stacks that depend on it are not attempted, and the failing stack and its
    /// reason are reported. SIGINT or SIGTERM starts nothing more, waits for the stacks in
    /// progress, then releases the lock.
    #[command(after_help = crate::exit_code::help("apply"))]
    Apply(ApplyArgs),
    /// Delete the environment's stacks, dependents first, after confirmation.
    ///
    /// Refuses environments whose protection is `strict`. Resources with
    /// `DeletionPolicy: Retain` (data buckets, keys, the Glue catalog, logs, the trail) are left
    /// in place and listed at the end. `--orphans` deletes instead the stacks tagged with the
    /// environment that the model no longer has.
    #[command(after_help = crate::exit_code::help("destroy"))]
    Destroy(DestroyArgs),
    /// Release the environment's lock left by a killed `apply` or `destroy`.
    ///
    /// `apply` and `destroy` hold a lock (the stack `<prefix>-lock`) while they run, so that a
    /// second run of the same environment is refused. A run that was killed leaves it behind:
    /// this shows who held it, since when and for how long, and deletes it after confirmation,
    /// then deletes the temporary change sets an interrupted run left on the environment's
    /// stacks.
    #[command(after_help = crate::exit_code::help("unlock"))]
    Unlock(UnlockArgs),
    /// Prove the live account matches the model: read roles, managed policies, keys, the
    /// trail, log groups, metric filters, alarms, the alarm topic's subscriptions and the
    /// buckets back through IAM, KMS, CloudTrail, CloudWatch, CloudWatch Logs, SNS and S3, and
    /// compare each with the rendered templates; then evaluate the live policies and report
    /// any principal that can do more on a data location than the access matrix shows.
    ///
    /// Reads only, after the same account and region pin as `plan`. Prints each finding
    /// (code, severity, resource, what the model says, what is live, the fix) and a summary
    /// with the number of AWS calls; codes are explained in docs/verify.md. `--json` prints
    /// the versioned document instead; `--report DIR` also writes `DIR/<env>/verify.md` and
    /// `verify.html`, the evidence for auditors.
    #[command(after_help = crate::exit_code::help("verify"))]
    Verify(VerifyArgs),
    /// Generate the reports for auditors and the architecture diagram into `docs/generated/`.
    ///
    /// From the same templates `render` produces: `<out>/<env>/access.md` (who may do what on
    /// every data location, computed by evaluating the generated policies), `encryption.md`,
    /// `audit.md`, `findings.md` (rule findings and suppressions), `architecture.md` (Mermaid),
    /// `architecture.svg` and `<env>.html` (all of it
    /// in one self-contained, printable page). `--compare A B` writes `<out>/compare-A-B.md`
    /// for a promotion review. With `--check`, writes nothing and exits 1 listing stale files.
    #[command(after_help = crate::exit_code::help("docs"))]
    Docs(DocsArgs),
    /// Run the platform's security rules over an environment's rendered templates, or over a
    /// folder of templates, and print the findings.
    ///
    /// Each finding names the rule code (`docs/rules/<code>.md`), severity, stack, logical id,
    /// what is wrong and the fix. Suppressions (the environment file's `suppressions`, or a
    /// resource's `Metadata.dap.suppress`) are shown with their reason; one that matches
    /// nothing is itself an error.
    #[command(after_help = crate::exit_code::help("check"))]
    Check(CheckArgs),
    /// Estimate an environment's monthly AWS cost, per stack and resource, and compare it
    /// with its budget.
    ///
    /// Prices each rendered resource from the price table shipped in the repository
    /// (`crates/dap-cost/data/prices-ca-central-1.json`: ca-central-1 on-demand prices, each
    /// with its source and date) and the environment file's `usage` assumptions (data volume
    /// per zone, job minutes, queries and data scanned; documented defaults). Each line says
    /// how its quantity was derived; resources AWS does not charge for are listed with why.
    /// Warns when the estimate is over 80 % of `budget.monthly_usd`. Reads no AWS account.
    /// See docs/cost.md.
    #[command(after_help = crate::exit_code::help("cost"))]
    Cost(CostArgs),
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

/// `--env-dir`, declared once for every command that reads environment files.
#[derive(Debug, Args)]
pub struct EnvDir {
    /// The folder holding the environment files.
    #[arg(long = "env-dir", value_name = "DIR", default_value = "environments")]
    pub path: PathBuf,
}

impl std::ops::Deref for EnvDir {
    type Target = std::path::Path;

    fn deref(&self) -> &std::path::Path {
        &self.path
    }
}

/// `dap render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Which environments.
    #[command(flatten)]
    pub selection: EnvSelection,
    /// The folder holding the environment files.
    #[command(flatten)]
    pub env_dir: EnvDir,
    /// Where to write: templates go to `<DIR>/<env>/`.
    #[arg(long, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,
    /// `text`: a summary table; `json`: the manifests.
    #[command(flatten)]
    pub output: Output,
}

/// `--profile` and `--no-progress`, declared once for every command that talks to AWS.
#[derive(Clone, Debug, Args)]
pub struct Connection {
    /// The AWS profile to use (otherwise `AWS_PROFILE`, then the default chain). Region and
    /// endpoint also come from the standard chain (`AWS_REGION`, `AWS_ENDPOINT_URL`); the
    /// environment file's `endpoint_url` applies when the chain names none.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// No progress display on stderr (it is off anyway when stderr is not a terminal).
    #[arg(long)]
    pub no_progress: bool,
}

/// Which environment, and how to reach its AWS account.
#[derive(Debug, Args)]
pub struct AwsArgs {
    /// The environment: the stem of a file in the environments folder (`prod` for
    /// `environments/prod.yaml`).
    #[arg(long, short = 'e', value_name = "NAME")]
    pub env: String,
    /// The folder holding the environment files.
    #[command(flatten)]
    pub env_dir: EnvDir,
    /// How to reach the account.
    #[command(flatten)]
    pub connection: Connection,
}

/// `dap plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Which environment, or every environment (`--all`: each in its own account, planned
    /// concurrently, one table; the exit code is the worst of them). `--all` leaves out
    /// environments with an `endpoint_url` (local endpoints; plan them with `--env`).
    #[command(flatten)]
    pub selection: EnvSelection,
    /// The folder holding the environment files.
    #[command(flatten)]
    pub env_dir: EnvDir,
    /// How to reach the account.
    #[command(flatten)]
    pub connection: Connection,
    /// Also create change sets for stacks whose recorded template hash matches, to find
    /// changes from outside the template (such as a new value of an SSM parameter it reads).
    #[arg(long)]
    pub refresh: bool,
    /// What to print: `text`, `json` (the plan document, docs/plan-format.md) or `markdown`
    /// (for a pull-request comment: summary first, a collapsible section per stack, kept
    /// under GitHub's 65,536-character limit).
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
    /// The same as `--format json`.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Also save the plan as a JSON document, for `dap apply <FILE>` (one environment only).
    #[arg(long, value_name = "FILE", conflicts_with = "all")]
    pub out: Option<PathBuf>,
    /// Allowances for the data-loss guard.
    #[command(flatten)]
    pub guard: GuardArgs,
}

impl PlanArgs {
    /// The output format, `--json` included.
    pub fn format(&self) -> PlanFormat {
        if self.json {
            PlanFormat::Json
        } else {
            self.format
        }
    }

    /// The AWS arguments of one environment of this run.
    pub fn aws(&self, env: &str) -> AwsArgs {
        AwsArgs {
            env: env.to_owned(),
            env_dir: EnvDir {
                path: self.env_dir.path.clone(),
            },
            connection: self.connection.clone(),
        }
    }
}

/// `--format text|json` (and `--json`, the same as `--format json`), for the commands whose
/// output is a text or a JSON document.
#[derive(Debug, Args)]
pub struct Output {
    /// What to print: `text` for people, `json` for programs.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// The same as `--format json`.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
}

impl Output {
    /// Whether JSON was asked for, either way.
    pub fn json(&self) -> bool {
        self.json || self.format == Format::Json
    }
}

/// Text or JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    Text,
    /// For programs.
    Json,
}

/// What `dap plan` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// Each stack with its resource changes, the security diff, the summary line.
    Text,
    /// The plan document (docs/plan-format.md); with `--all`, one per environment.
    Json,
    /// Markdown for a pull-request comment.
    Markdown,
}

/// `dap cost`.
#[derive(Debug, Args)]
pub struct CostArgs {
    /// Which environments.
    #[command(flatten)]
    pub selection: EnvSelection,
    /// The folder holding the environment files.
    #[command(flatten)]
    pub env_dir: EnvDir,
    /// `text`: a table per stack; `json`: per environment, the budget check and every stack,
    /// resource and cost line.
    #[command(flatten)]
    pub output: Output,
}

/// The data-loss guard's allowances, shared by `plan` and `apply`.
#[derive(Debug, Args)]
pub struct GuardArgs {
    /// Allow the replacement of this data-bearing resource (bucket, key, alias, Glue database
    /// or table, log group, trail), named `<stack>/<logical id>`; the stack by name
    /// (`dap-dev-storage`) or kind (`storage`). Repeat for each.
    #[arg(long, value_name = "STACK/LOGICAL_ID")]
    pub allow_replace: Vec<String>,
    /// Allow the removal of this data-bearing resource, named as for `--allow-replace`.
    #[arg(long, value_name = "STACK/LOGICAL_ID")]
    pub allow_remove: Vec<String>,
    /// Adopt the resources `plan` lists as imports (`<`): buckets, log groups, the trail and
    /// keys that already exist outside any stack under the names the model gives them (kept
    /// after a `destroy`, or built by hand). They are imported into their stack as they are
    /// (a CloudFormation resource import), then updated to the template; nothing is
    /// replaced. Without it, `apply` refuses a plan with imports (exit 3).
    #[arg(long)]
    pub import: bool,
}

/// `dap apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Environment and AWS access.
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Apply without asking (for CI). Without it, `apply` asks on the terminal and refuses
    /// when standard input is not one.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Apply exactly this saved plan (`dap plan --out FILE`), refused if the account, region,
    /// a template or a deployed stack changed since it was made. Its allowances are those
    /// it was made with.
    #[arg(value_name = "PLAN")]
    pub plan: Option<PathBuf>,
    /// Approve policy changes that broaden access. In `strict` environments `--yes` alone
    /// does not: a plan that broadens access needs this flag too.
    #[arg(long)]
    pub approve_broadening: bool,
    /// Allowances for the data-loss guard.
    #[command(flatten)]
    pub guard: GuardArgs,
}

/// `dap verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Environment and AWS access.
    #[command(flatten)]
    pub aws: AwsArgs,
    /// `text`: each finding and a summary; `json`: the verification document (docs/verify.md).
    #[command(flatten)]
    pub output: Output,
    /// Also write the evidence report for auditors: `<DIR>/<env>/verify.md` and
    /// `<DIR>/<env>/verify.html`.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    /// Print every check, not only the findings.
    #[arg(long)]
    pub all_checks: bool,
}

/// `dap destroy`.
#[derive(Debug, Args)]
pub struct DestroyArgs {
    /// Environment and AWS access.
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Destroy without asking. Without it, `destroy` asks on the terminal and refuses when
    /// standard input is not one.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Delete the environment's orphans instead: deployed stacks tagged with the environment
    /// that the model no longer has (a renamed prefix, a removed stack), as `plan` lists them.
    /// What they retain (data buckets, keys, logs) stays in place and is listed.
    #[arg(long)]
    pub orphans: bool,
}

/// `dap unlock`.
#[derive(Debug, Args)]
pub struct UnlockArgs {
    /// Environment and AWS access.
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Release without asking.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// `dap docs`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["env", "all", "compare"])))]
pub struct DocsArgs {
    /// The environment: the stem of a file in the environments folder.
    #[arg(long, short = 'e', value_name = "NAME")]
    pub env: Option<String>,
    /// Every environment in the environments folder.
    #[arg(long)]
    pub all: bool,
    /// Compare two environments (settings, stacks, protection, audit, access).
    #[arg(long, num_args = 2, value_names = ["A", "B"])]
    pub compare: Option<Vec<String>>,
    /// The folder holding the environment files.
    #[command(flatten)]
    pub env_dir: EnvDir,
    /// Where to write: reports go to `<DIR>/<env>/`, comparisons to `<DIR>/`.
    #[arg(long, value_name = "DIR", default_value = "docs/generated")]
    pub out: PathBuf,
    /// Write nothing; compare with the files in the folder and exit 1 listing the stale ones.
    #[arg(long)]
    pub check: bool,
}

/// `dap check`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["env", "all", "templates"])))]
pub struct CheckArgs {
    /// The environment: the stem of a file in the environments folder. Its templates are
    /// rendered in memory and checked with its facts and suppressions.
    #[arg(long, short = 'e', value_name = "NAME")]
    pub env: Option<String>,
    /// Every environment in the environments folder.
    #[arg(long)]
    pub all: bool,
    /// Check the CloudFormation templates (YAML or JSON, short-form intrinsics allowed) under
    /// this folder, recursively, as one set, instead of rendering an environment. Only the
    /// suppressions in the templates' metadata apply.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// The folder holding the environment files.
    #[command(flatten)]
    pub env_dir: EnvDir,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
}

/// What `dap check` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// One block per finding, then a summary per target.
    Text,
    /// The reports as JSON: target, counts, and each finding with its suppression.
    Json,
    /// SARIF 2.1.0, for code-scanning tools.
    Sarif,
}

#[cfg(test)]
mod workflow_tests {
    use clap::Parser as _;

    /// Every `dap …` command line of the GitHub workflows parses with this command line (a
    /// renamed flag fails here, not in the team's CI).
    #[test]
    fn every_dap_line_of_the_workflows_parses() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".github/workflows");
        let mut lines = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            for line in text.lines() {
                let line = line.trim();
                let line = line.strip_prefix("run: ").unwrap_or(line);
                if let Some(rest) = line.strip_prefix("dap ") {
                    let args = rest.split(" > ").next().unwrap();
                    lines.push((path.clone(), args.to_owned()));
                }
            }
        }
        assert!(lines.len() >= 8, "the workflows' dap lines: {lines:?}");
        for (path, args) in &lines {
            let argv = std::iter::once("dap").chain(args.split_whitespace());
            if let Err(e) = super::Cli::try_parse_from(argv) {
                panic!("{}: `dap {args}` does not parse:\n{e}", path.display());
            }
        }
    }
}
