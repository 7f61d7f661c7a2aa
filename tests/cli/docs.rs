//! `dap docs`.

use std::process::Command;

use crate::harness::{repo, Workspace};

#[test]
fn docs_writes_every_report_and_check_passes_after() {
    let ws = Workspace::new();
    let run = ws.dap(&["docs", "--env", "prod"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let dir = ws.path().join("docs/generated/prod");
    for f in [
        "access.md",
        "encryption.md",
        "audit.md",
        "architecture.md",
        "architecture.svg",
        "findings.md",
        "prod.html",
    ] {
        let bytes = std::fs::read(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert!(!bytes.is_empty(), "{f}");
        assert!(run.stdout().contains(f), "{}", run.stdout());
    }
    let check = ws.dap(&["docs", "--env", "prod", "--check"]);
    assert_eq!(check.code(), 0, "{}", check.stderr());
    assert!(
        check.stdout().contains("7 generated files are current"),
        "{}",
        check.stdout()
    );
}

#[test]
fn check_lists_changed_missing_and_extra_files_and_exits_1() {
    let ws = Workspace::new();
    assert_eq!(ws.dap(&["docs", "--env", "dev"]).code(), 0);
    let dir = ws.path().join("docs/generated/dev");
    std::fs::write(dir.join("access.md"), "edited by hand\n").unwrap();
    std::fs::remove_file(dir.join("audit.md")).unwrap();
    std::fs::write(dir.join("old-report.md"), "no longer generated\n").unwrap();
    std::fs::write(dir.join("notes.txt"), "not ours\n").unwrap();
    let run = ws.dap(&["docs", "--env", "dev", "--check"]);
    assert_eq!(run.code(), 1);
    let err = run.stderr();
    assert!(err.contains("dev/access.md: differs"), "{err}");
    assert!(err.contains("dev/audit.md: missing"), "{err}");
    assert!(
        err.contains("dev/old-report.md: not generated any more"),
        "{err}"
    );
    assert!(!err.contains("notes.txt"), "{err}");
    assert!(err.contains("run `dap docs --env dev`"), "{err}");
    // Writing again repairs it and removes the stale report, not other files.
    assert_eq!(ws.dap(&["docs", "--env", "dev"]).code(), 0);
    assert!(!dir.join("old-report.md").exists());
    assert!(dir.join("notes.txt").exists());
    assert_eq!(ws.dap(&["docs", "--env", "dev", "--check"]).code(), 0);
}

#[test]
fn a_changed_environment_makes_the_docs_stale() {
    let ws = Workspace::new();
    assert_eq!(ws.dap(&["docs", "--env", "staging"]).code(), 0);
    let path = ws.path().join("environments/staging.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    ws.write_env(
        "staging",
        &text.replace("log_retention_days: 90", "log_retention_days: 365"),
    );
    let run = ws.dap(&["docs", "--env", "staging", "--check"]);
    assert_eq!(run.code(), 1);
    assert!(
        run.stderr().contains("staging/audit.md: differs"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("staging/encryption.md: differs"),
        "{}",
        run.stderr()
    );
}

#[test]
fn compare_writes_the_promotion_review() {
    let ws = Workspace::new();
    let run = ws.dap(&["docs", "--compare", "staging", "prod", "--out", "review"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let text = std::fs::read_to_string(ws.path().join("review/compare-staging-prod.md")).unwrap();
    assert!(
        text.contains("| protection | standard | strict |"),
        "{text}"
    );
    let unknown = ws.dap(&["docs", "--compare", "staging", "qa"]);
    assert_eq!(unknown.code(), 1);
    assert!(
        unknown.stderr().contains("no environment `qa`"),
        "{}",
        unknown.stderr()
    );
}

#[test]
fn docs_needs_an_environment_or_all_or_compare() {
    let ws = Workspace::new();
    assert_eq!(ws.dap(&["docs"]).code(), 64, "clap usage error");
    assert_eq!(ws.dap(&["docs", "--env", "dev", "--all"]).code(), 64);
}

/// The committed docs are what `dap docs` generates now: stale docs never land.
#[test]
fn committed_generated_docs_are_current() {
    for args in [
        &["docs", "--all", "--check"][..],
        &["docs", "--compare", "staging", "prod", "--check"][..],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_dap"))
            .args(args)
            .current_dir(repo())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "`dap {}` found stale docs under docs/generated/:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
