//! No credentials anywhere: one line naming every source of the chain and the fixes, before
//! any call (the environment `dev` has no local endpoint, so the real chain runs).

use std::process::Command;

use crate::harness::Workspace;

/// `dap <args>` with an empty environment: no variables, a home without `.aws`.
fn bare(ws: &Workspace, args: &[&str], extra: &[(&str, &str)]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_dap"))
        .args(args)
        .current_dir(ws.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", ws.path())
        .envs(extra.iter().copied())
        .output()
        .unwrap()
}

#[test]
fn no_credentials_is_one_line_naming_the_chain_and_the_fixes() {
    let ws = Workspace::new();
    let run = bare(
        &ws,
        &["plan", "--env", "dev"],
        &[("AWS_EC2_METADATA_DISABLED", "true")],
    );
    assert_eq!(run.status.code(), Some(1));
    assert!(run.stdout.is_empty());
    let err = String::from_utf8(run.stderr)
        .unwrap()
        .replace(&ws.path().display().to_string(), "<home>");
    assert_eq!(err.lines().count(), 1, "{err}");
    insta::assert_snapshot!("no_credentials", err);

    // A profile that is not there is named with where it was looked for.
    let run = bare(
        &ws,
        &["plan", "--env", "dev", "--profile", "city-dev"],
        &[("AWS_EC2_METADATA_DISABLED", "true")],
    );
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("profile `city-dev` (--profile; neither "),
        "{err}"
    );
    // Environment variables half set say which half is missing.
    let run = bare(
        &ws,
        &["plan", "--env", "dev"],
        &[
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"),
        ],
    );
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("AWS_SECRET_ACCESS_KEY not set"), "{err}");
}
