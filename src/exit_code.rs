//! Named exit codes: the contract CI relies on. This file is the one source of their meaning:
//! each command's `--help` ends with its [`help`] text, `dap --help` with [`overview`], and the
//! README's "Exit codes" section is `readme_section()` byte for byte (a test checks it).

/// Success; for `plan`, no changes.
pub const SUCCESS: i32 = 0;
/// An error: bad input, an AWS failure, a failed deploy.
pub const FAILURE: i32 = 1;
/// `plan` found changes.
pub const CHANGES: i32 = 2;
/// `verify` found the live account different from the model.
pub const DRIFT: i32 = 2;
/// Changes blocked by a guard, or an error-severity rule finding.
pub const BLOCKED: i32 = 3;
/// The command line cannot be understood: an unknown command or flag, a missing or bad
/// argument (`EX_USAGE` of sysexits.h). No command uses it for a result, so CI can tell a
/// typo in a pipeline from "changes present".
pub const USAGE: i32 = 64;

/// What each code means across commands: in short (for `dap --help`), and in full (README).
pub const GENERAL: &[(i32, &str, &str)] = &[
    (SUCCESS, "success (plan: no changes; verify: live matches the model)", "success (for `plan`: no changes; for `verify`: live matches the model)"),
    (FAILURE, "error", "error: bad input (every error of the file is listed with file, line and column), a failed call, a wrong account or region, no credentials, a stack that failed to deploy or delete, a confirmation refused, a saved plan that is out of date or edited, a run interrupted by SIGINT or SIGTERM"),
    (CHANGES, "changes present (plan), differences found (verify)", "`plan`: changes present; `verify`: differences between the live account and the model"),
    (BLOCKED, "blocked by the data-loss guard, an approval, or a rule finding", "blocked: the data-loss guard refused a replacement or removal (`plan`, `apply`), a broadening approved only by `--yes` in a `strict` environment (`apply`), existing resources to import without `--import` (`apply`), or a rule finding at error severity (`check`, and `plan`/`apply` before any AWS call)"),
    (USAGE, "usage error (the command line cannot be understood)", "usage error: an unknown command or flag, a missing or malformed argument (clap's message says which); no command uses 64 for a result, so a typo in a pipeline is never read as \"changes present\""),
];

/// Each command's codes and what they mean for it (64, the same for all, is added by [`help`]).
pub const COMMANDS: &[(&str, &[(i32, &str)])] = &[
    ("render", &[(SUCCESS, "written"), (FAILURE, "error (bad input, a file that cannot be written)")]),
    ("plan", &[
        (SUCCESS, "no changes"),
        (FAILURE, "error"),
        (CHANGES, "changes present"),
        (BLOCKED, "changes blocked by the data-loss guard, or a rule finding at error severity"),
    ]),
    ("apply", &[
        (SUCCESS, "applied, or nothing to do"),
        (FAILURE, "error, a failed stack, cancelled or interrupted"),
        (BLOCKED, "blocked: a guarded change, imports without `--import`, a broadening in a `strict` environment approved only by `--yes`, or a rule finding at error severity"),
    ]),
    ("destroy", &[(SUCCESS, "deleted"), (FAILURE, "error, a failed deletion, a `strict` environment, cancelled or interrupted")]),
    ("unlock", &[(SUCCESS, "released, or not held"), (FAILURE, "error or cancelled")]),
    ("verify", &[(SUCCESS, "live matches the model"), (FAILURE, "error"), (DRIFT, "differences found")]),
    ("docs", &[(SUCCESS, "written (with `--check`: current)"), (FAILURE, "error (with `--check`: stale files, listed)")]),
    ("check", &[
        (SUCCESS, "no unsuppressed error finding (warnings may be shown)"),
        (FAILURE, "input that cannot be read"),
        (BLOCKED, "an unsuppressed error finding"),
    ]),
    ("cost", &[(SUCCESS, "estimated (a budget over 80 % is a warning in the output)"), (FAILURE, "error (bad input, a resource without a price)")]),
];

fn codes(command: &str) -> &'static [(i32, &'static str)] {
    COMMANDS
        .iter()
        .find(|(c, _)| *c == command)
        .map(|(_, codes)| *codes)
        .unwrap_or_else(|| panic!("no exit codes for `{command}`"))
}

/// The `Exit codes:` block ending `dap <command> --help`.
pub fn help(command: &str) -> String {
    let mut out = String::from("Exit codes:\n");
    for (code, meaning) in codes(command) {
        out.push_str(&format!("  {code:<3}{meaning}\n"));
    }
    out.push_str(&format!(
        "  {USAGE:<3}usage error (the command line cannot be understood)\n"
    ));
    out
}

/// The `Exit codes:` block ending `dap --help`.
pub fn overview() -> String {
    let mut out = String::from("Exit codes:\n");
    for (code, short, _) in GENERAL {
        out.push_str(&format!("  {code:<3}{short}\n"));
    }
    out.push_str("Each command's --help gives its own.\n");
    out
}

/// The README's "Exit codes" tables.
#[cfg(test)]
pub fn readme_section() -> String {
    let mut out = String::from("| code | meaning |\n|---|---|\n");
    for (code, _, meaning) in GENERAL {
        out.push_str(&format!("| {code} | {meaning} |\n"));
    }
    out.push_str("\nPer command (each also exits 64 on a usage error; `dap <command> --help` prints the same):\n\n| command | exit codes |\n|---|---|\n");
    for (command, codes) in COMMANDS {
        let cells: Vec<String> = codes.iter().map(|(c, m)| format!("{c} {m}")).collect();
        out.push_str(&format!("| `{command}` | {} |\n", cells.join("; ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEGIN: &str = "<!-- exit codes: generated from src/exit_code.rs -->\n";
    const END: &str = "<!-- end of exit codes -->\n";

    /// The README's section is the table above; `DAP_UPDATE_DOCS=1` rewrites it.
    #[test]
    fn the_readme_states_the_exit_codes_this_file_defines() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
        let readme = std::fs::read_to_string(path).unwrap();
        let start = readme
            .find(BEGIN)
            .expect("the README marks its exit-code section")
            + BEGIN.len();
        let end = start + readme[start..].find(END).expect("and its end");
        let want = readme_section();
        if std::env::var_os("DAP_UPDATE_DOCS").is_some() {
            let updated = format!("{}{want}{}", &readme[..start], &readme[end..]);
            std::fs::write(path, updated).unwrap();
            return;
        }
        assert_eq!(
            readme[start..end],
            want,
            "README.md's exit codes differ from exit_code.rs: run `DAP_UPDATE_DOCS=1 cargo test -p dap --bins exit_code`"
        );
    }

    #[test]
    fn every_command_has_its_codes_and_no_command_uses_64_for_a_result() {
        use clap::CommandFactory;
        let cli = crate::args::Cli::command();
        let names: Vec<&str> = cli.get_subcommands().map(|c| c.get_name()).collect();
        let listed: Vec<&str> = COMMANDS.iter().map(|(c, _)| *c).collect();
        assert_eq!(names, listed);
        for (_, codes) in COMMANDS {
            assert!(codes.iter().all(|(c, _)| *c != USAGE));
            assert!(codes
                .iter()
                .all(|(c, _)| GENERAL.iter().any(|(g, _, _)| g == c)));
        }
    }
}
