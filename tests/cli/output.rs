//! The output layer: `--quiet`, `--color` and `NO_COLOR`, decided once for every command.

use crate::harness::{moto, Workspace};

/// An ANSI escape: colour was written.
const ESC: char = '\u{1b}';

#[test]
fn quiet_leaves_the_result_and_errors_only() {
    let ws = Workspace::new();
    // `render`'s table only summarises the files it writes: gone under --quiet, files written.
    let run = ws.dap(&["render", "--all", "--quiet"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_eq!(run.stdout(), "");
    assert_eq!(run.stderr(), "");
    assert!(ws.path().join("out/prod/manifest.json").exists());
    // A result is still printed: the manifests as JSON, an estimate.
    let json = ws.dap(&["-q", "render", "--env", "dev", "--format", "json"]);
    assert!(json.stdout().starts_with('['), "{}", json.stdout());
    let cost = ws.dap(&["cost", "--env", "dev", "-q"]);
    assert!(cost.stdout().contains("cost of `dev`"), "{}", cost.stdout());
    // Errors are never silenced.
    let missing = ws.dap(&["render", "--env", "nowhere", "--quiet"]);
    assert_eq!(missing.code(), 1);
    assert!(
        missing.stderr().starts_with("error: "),
        "{}",
        missing.stderr()
    );
    // --quiet and --verbose contradict each other: a usage error.
    assert_eq!(ws.dap(&["render", "--all", "-q", "-v"]).code(), 64);
}

#[test]
fn colour_only_when_asked_or_on_a_terminal_without_no_color() {
    let ws = Workspace::new();
    // The harness sets NO_COLOR and the streams are pipes: plain text, as every other test
    // relies on.
    let plain = ws.dap(&["render", "--env", "nowhere"]);
    assert!(!plain.stderr().contains(ESC), "{:?}", plain.stderr());
    // `always` overrides both NO_COLOR and the pipe.
    let always = ws.dap(&["--color", "always", "render", "--env", "nowhere"]);
    assert!(
        always
            .stderr()
            .starts_with(&format!("{ESC}[1m{ESC}[31merror:")),
        "{:?}",
        always.stderr()
    );
    // Without colour the bytes are exactly the plain ones.
    let never = ws.dap(&["render", "--env", "nowhere", "--color", "never"]);
    assert_eq!(never.stderr(), plain.stderr());
    // An environment file's located diagnostics follow the same decision.
    ws.write_env("dev", "name: dev\naccount_id: \"12\"\n");
    let diag = ws.dap(&["render", "--env", "dev"]);
    assert_eq!(diag.code(), 1);
    assert!(!diag.stderr().contains(ESC), "{:?}", diag.stderr());
    let coloured = ws.dap(&["render", "--env", "dev", "--color=always"]);
    assert!(coloured.stderr().contains(ESC), "{:?}", coloured.stderr());
    assert_eq!(
        anstream::adapter::strip_str(&coloured.stderr())
            .to_string()
            .lines()
            .filter(|l| l.contains("account_id"))
            .count(),
        diag.stderr()
            .lines()
            .filter(|l| l.contains("account_id"))
            .count()
    );
    assert_eq!(
        ws.dap(&["render", "--all", "--color", "sometimes"]).code(),
        64
    );
}

#[test]
fn a_coloured_plan_marks_each_change_and_reads_the_same_without_its_colours() {
    let moto = moto();
    let ws = Workspace::new();
    let plain = ws.dap_on(&moto, &["plan", "--env", "local"]);
    assert_eq!(plain.code(), 2, "{}", plain.stderr());
    let coloured = ws.dap_on(&moto, &["plan", "--env", "local", "--color", "always"]);
    assert_eq!(coloured.code(), 2, "{}", coloured.stderr());
    assert!(
        coloured
            .stdout()
            .contains(&format!("  {ESC}[32m+{ESC}[0m AWS::")),
        "{}",
        coloured.stdout()
    );
    assert_eq!(
        anstream::adapter::strip_str(&coloured.stdout()).to_string(),
        plain.stdout()
    );
    // JSON is never coloured.
    let json = ws.dap_on(
        &moto,
        &[
            "plan", "--env", "local", "--color", "always", "--format", "json",
        ],
    );
    assert!(!json.stdout().contains(ESC));
}
