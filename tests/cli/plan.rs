//! `dap plan`: exit codes, the account pin, help.

use crate::harness::{moto, repo, Workspace};

#[test]
fn a_plan_from_nothing_lists_every_creation_and_exits_2() {
    let moto = moto();
    let ws = Workspace::new();
    let run = ws.dap_on(&moto, &["plan", "--env", "local"]);
    assert_eq!(run.code(), 2, "{}\n{}", run.stdout(), run.stderr());
    let out = run.stdout();
    assert!(
        out.starts_with("plan for `local` (account 123456789012, ca-central-1)\n"),
        "{out}"
    );
    assert!(
        out.contains("dap-local-monitoring: create (39 resources)"),
        "{out}"
    );
    assert!(
        out.ends_with("108 to add, 0 to change, 0 to remove\n"),
        "{out}"
    );
    // A first deploy's policies read as who is granted what, one line per principal; nothing
    // is "broadening" when nothing is deployed.
    let grants = &out[out.find("grants of ").expect("a grants section")..];
    insta::assert_snapshot!("first_deploy_grants", grants);
    assert!(!out.contains("BROADENING"), "{out}");
    assert!(out.lines().count() < 160, "{out}");
    // `-v` lists every statement as well.
    let verbose = ws.dap_on(&moto, &["plan", "--env", "local", "-v"]);
    assert_eq!(verbose.code(), 2, "{}", verbose.stderr());
    let statements = verbose
        .stdout()
        .lines()
        .filter(|l| l.starts_with("  narrowing dap-local-"))
        .count();
    assert_eq!(statements, 102, "{}", verbose.stdout());
}

#[test]
fn another_account_is_refused_naming_both_and_nothing_is_created() {
    let other = dap_moto::Moto::start_with(&dap_moto::Options {
        account_id: Some("210987654321".to_owned()),
        ..Default::default()
    })
    .unwrap();
    let ws = Workspace::new();
    for verb in [
        &["plan", "--env", "local"][..],
        &["apply", "--env", "local", "--yes"],
    ] {
        let run = ws.dap_on(&other, verb);
        assert_eq!(run.code(), 1, "{}", run.stdout());
        let err = run.stderr();
        assert!(err.starts_with("error: wrong account:"), "{err}");
        assert!(
            err.contains("`210987654321`") && err.contains("`123456789012`"),
            "{err}"
        );
        assert_eq!(run.stdout(), "");
    }
    assert!(
        other.stack_names("ca-central-1").unwrap().is_empty(),
        "nothing was written"
    );
    assert!(
        other.bucket_names().unwrap().is_empty(),
        "nothing was written"
    );
}

#[test]
fn an_endpoint_from_the_environment_file_is_used_when_the_chain_has_none() {
    let moto = moto();
    let ws = Workspace::new();
    let local = std::fs::read_to_string(repo().join("environments/local.yaml")).unwrap();
    ws.write_env(
        "local",
        &local.replace("http://127.0.0.1:5000", moto.endpoint()),
    );
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_dap"))
        .args(["plan", "--env", "local"])
        .current_dir(ws.path())
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_REGION")
        .env("AWS_CONFIG_FILE", ws.path().join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", ws.path().join("none"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

#[test]
fn plan_help_documents_the_exit_codes() {
    let ws = Workspace::new();
    let run = ws.dap(&["plan", "--help"]);
    assert_eq!(run.code(), 0);
    assert!(
        run.stdout()
            .contains("Exit codes:\n  0  no changes\n  1  error\n  2  changes present\n  3  "),
        "{}",
        run.stdout()
    );
}

#[test]
fn an_error_rule_finding_blocks_plan_and_apply_with_exit_3_before_any_aws_call() {
    // No endpoint and no server: reaching AWS would fail with exit 1, so exit 3 proves the
    // rules ran first. A suppression that matches nothing is itself an error finding.
    let ws = Workspace::new();
    let dev = std::fs::read_to_string(repo().join("environments/dev.yaml")).unwrap();
    ws.write_env(
        "dev",
        &format!(
            "{dev}\nsuppressions:\n  - rule: DAP-S3-001\n    stack: storage\n    resource: NoSuchBucket\n    reason: a stale exception\n"
        ),
    );
    for verb in ["plan", "apply"] {
        let run = ws.dap(&[verb, "--env", "dev", "--yes"][..if verb == "plan" { 3 } else { 4 }]);
        assert_eq!(run.code(), 3, "{verb}: {}\n{}", run.stdout(), run.stderr());
        let err = run.stderr();
        assert!(err.contains("DAP-SUP-001"), "{verb}: {err}");
        assert!(
            err.contains("rule findings at error severity"),
            "{verb}: {err}"
        );
    }
}

/// `plan --all`: dev, staging and prod, each in its own account through its deploy role (moto
/// answers `AssumeRole` as the role's account), concurrently; `local` (a local endpoint) is
/// left out; one table; the worst exit code.
#[test]
fn plan_all_plans_each_environment_in_its_own_account_and_exits_with_the_worst() {
    let moto = moto();
    let ws = Workspace::new();
    let run = ws.dap_on(&moto, &["plan", "--all"]);
    assert_eq!(run.code(), 2, "{}\n{}", run.stdout(), run.stderr());
    let out = run.stdout();
    for (env, account) in [
        ("dev", "111111111111"),
        ("staging", "222222222222"),
        ("prod", "333333333333"),
    ] {
        let row = out
            .lines()
            .find(|l| l.starts_with(&format!("{env} ")))
            .unwrap_or_else(|| panic!("no row for {env}: {out}"));
        assert!(row.contains(account) && row.ends_with("changes"), "{row}");
    }
    assert!(
        out.contains("not planned (a local endpoint; plan with `--env`): local"),
        "{out}"
    );
    assert!(
        out.contains("3 environments planned; exit code 2 (changes)"),
        "{out}"
    );

    let json = ws.dap_on(&moto, &["plan", "--all", "--format", "json"]);
    assert_eq!(json.code(), 2, "{}", json.stderr());
    let doc: serde_json::Value = serde_json::from_str(&json.stdout()).unwrap();
    assert_eq!(doc["exit_code"], 2);
    let envs = doc["environments"].as_array().unwrap();
    assert_eq!(envs.len(), 3);
    for e in envs {
        assert_eq!(e["exit_code"], 2);
        assert_eq!(e["plan"]["account_id"], e["account_id"]);
    }

    let md = ws.dap_on(&moto, &["plan", "--all", "--format", "markdown"]);
    assert_eq!(md.code(), 2, "{}", md.stderr());
    let md = md.stdout();
    assert!(
        md.starts_with("<!-- dap-plan -->\n## `dap plan --all`: changes (3 environments)"),
        "{md}"
    );
    assert!(md.chars().count() <= 65_536);
    assert_eq!(
        md.matches("<details>").count(),
        md.matches("</details>").count()
    );

    // One environment that cannot be planned makes the whole run an error, the others still
    // planned: staging without its deploy role is refused by its account pin.
    let text = std::fs::read_to_string(ws.path().join("environments/staging.yaml")).unwrap();
    let mut in_block = false;
    let without_role: String = text
        .lines()
        .filter(|l| {
            if l.starts_with("deploy_role:") {
                in_block = true;
                return false;
            }
            if in_block && (l.starts_with(' ') || l.is_empty()) {
                return false;
            }
            in_block = false;
            true
        })
        .map(|l| format!("{l}\n"))
        .collect();
    ws.write_env("staging", &without_role);
    let run = ws.dap_on(&moto, &["plan", "--all"]);
    assert_eq!(run.code(), 1, "{}\n{}", run.stdout(), run.stderr());
    let row = run
        .stdout()
        .lines()
        .find(|l| l.starts_with("staging "))
        .unwrap()
        .to_owned();
    assert!(row.contains("error: wrong account"), "{row}");
    assert!(run
        .stdout()
        .lines()
        .any(|l| l.starts_with("prod ") && l.ends_with("changes")));
}
