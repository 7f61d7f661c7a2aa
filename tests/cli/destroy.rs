//! `dap destroy`: refuses strict environments; AWS errors as one line.

use crate::harness::{repo, Workspace};

/// An endpoint where nothing listens: any AWS call fails with "connection refused".
fn dead_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

#[test]
fn a_strict_environment_is_never_destroyed_and_refused_before_any_call() {
    let ws = Workspace::new();
    let local = std::fs::read_to_string(repo().join("environments/local.yaml")).unwrap();
    let vault = local
        .replace("name: local", "name: vault")
        .replace("prefix: dap-local", "prefix: dap-vault")
        .replace("protection: relaxed", "protection: strict")
        .replace("log_retention_days: 30", "log_retention_days: 365");
    ws.write_env("vault", &vault);
    // Against an endpoint where nothing listens: a call (even the lock) would fail otherwise.
    let output = ws
        .command_on(&dead_endpoint(), &["destroy", "--env", "vault", "--yes"])
        .output()
        .unwrap();
    let run = crate::harness::Run { output };
    assert_eq!(run.code(), 1, "{}", run.stdout());
    assert_eq!(
        run.stderr(),
        "error: environment `vault` has protection `strict`: `dap` never destroys its stacks\n"
    );
}

#[test]
fn an_unreachable_endpoint_is_one_line_naming_the_call_and_the_cause() {
    let ws = Workspace::new();
    let output = ws
        .command_on(&dead_endpoint(), &["plan", "--env", "local"])
        .output()
        .unwrap();
    let run = crate::harness::Run { output };
    assert_eq!(run.code(), 1, "{}", run.stdout());
    assert_eq!(
        run.stderr(),
        "error: `sts:GetCallerIdentity` failed: cannot connect to the endpoint (connection refused): is it running, and is the endpoint URL right?\n"
    );
    let output = ws
        .command_on(&dead_endpoint(), &["plan", "--env", "local", "-v"])
        .output()
        .unwrap();
    let run = crate::harness::Run { output };
    let stderr = run.stderr();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(lines[1].starts_with("detail: dispatch failure"), "{stderr}");
}

#[test]
fn a_usage_error_exits_64_and_help_exits_0() {
    let ws = Workspace::new();
    let run = ws.dap(&["plan", "--env", "local", "--no-such-flag"]);
    assert_eq!(run.code(), 64, "{}", run.stderr());
    assert!(run.stderr().contains("--no-such-flag"), "{}", run.stderr());
    let run = ws.dap(&["plan", "--help"]);
    assert_eq!(run.code(), 0);
    assert!(run.stdout().contains("Usage: dap plan"), "{}", run.stdout());
    assert_eq!(ws.dap(&["--version"]).code(), 0);
}

#[test]
fn a_renamed_prefix_lists_the_old_stacks_as_orphans_and_destroy_orphans_deletes_them() {
    let moto = crate::harness::moto();
    let ws = Workspace::new();
    let run = ws.dap_on(&moto, &["apply", "--env", "local", "--yes"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let local = std::fs::read_to_string(ws.path().join("environments/local.yaml")).unwrap();
    ws.write_env(
        "local",
        &local.replace("prefix: dap-local", "prefix: dap-city"),
    );

    let run = ws.dap_on(&moto, &["plan", "--env", "local"]);
    assert_eq!(run.code(), 2, "{}\n{}", run.stdout(), run.stderr());
    let out = run.stdout();
    assert!(
        out.contains("orphans: 7 deployed stacks tagged `dap:environment: local` are not in the model (a renamed prefix or a removed stack); apply leaves them:\n  ? dap-local-access (CREATE_COMPLETE)\n"),
        "{out}"
    );
    assert!(
        out.contains("`dap destroy --env local --orphans` deletes them"),
        "{out}"
    );
    let json = ws.dap_on(&moto, &["plan", "--env", "local", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout()).unwrap();
    assert_eq!(doc["orphans"].as_array().unwrap().len(), 7);

    let run = ws.dap_on(&moto, &["destroy", "--env", "local", "--orphans", "--yes"]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    let out = run.stdout();
    assert!(out.starts_with("destroy the orphans of `local`"), "{out}");
    // Dependents first: monitoring before audit before security.
    let at = |s: &str| {
        out.find(&format!("  - {s} "))
            .unwrap_or_else(|| panic!("{s}: {out}"))
    };
    assert!(at("dap-local-monitoring") < at("dap-local-audit"), "{out}");
    assert!(at("dap-local-audit") < at("dap-local-security"), "{out}");
    assert!(
        out.contains("left in place (DeletionPolicy: Retain):"),
        "{out}"
    );
    let left = moto.stack_names("ca-central-1").unwrap();
    assert!(left.is_empty(), "{left:?}");
    let run = ws.dap_on(&moto, &["plan", "--env", "local"]);
    assert!(!run.stdout().contains("orphans:"), "{}", run.stdout());
    let run = ws.dap_on(&moto, &["destroy", "--env", "local", "--orphans", "--yes"]);
    assert_eq!(run.code(), 0);
    assert!(run
        .stdout()
        .contains("`local` has no orphans: nothing to delete"));
}

#[test]
fn after_destroy_plan_proposes_importing_the_retained_data_and_apply_needs_import() {
    let moto = crate::harness::moto();
    let ws = Workspace::new();
    assert_eq!(
        ws.dap_on(&moto, &["apply", "--env", "local", "--yes"])
            .code(),
        0
    );
    let run = ws.dap_on(&moto, &["destroy", "--env", "local", "--yes"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let buckets = moto.bucket_names().unwrap();
    assert_eq!(buckets.len(), 7, "retained: {buckets:?}");

    let run = ws.dap_on(&moto, &["plan", "--env", "local"]);
    assert_eq!(run.code(), 2, "{}\n{}", run.stdout(), run.stderr());
    let out = run.stdout();
    for b in &buckets {
        assert!(
            out.contains(&format!(
                "(import: `{b}` exists outside any stack; adopt with `--import`)"
            )),
            "{b}: {out}"
        );
    }
    assert!(
        out.contains("  < AWS::Logs::LogGroup TrailLogGroup (import: `/dap-local/cloudtrail` exists outside any stack"),
        "{out}"
    );
    assert!(out.contains(", 13 to import\n"), "{out}");

    // Without `--import`: refused before any write (exit 3), nothing created.
    let run = ws.dap_on(&moto, &["apply", "--env", "local", "--yes"]);
    assert_eq!(run.code(), 3, "{}\n{}", run.stdout(), run.stderr());
    assert!(
        run.stderr().starts_with("error: 13 resources the model would create already exist outside any stack (listed as imports, `<`, above); adopt them with `--import`"),
        "{}",
        run.stderr()
    );
    assert!(moto.stack_names("ca-central-1").unwrap().is_empty());
    // (`--import` itself is tested with scripted responses: moto cannot import.)
}
