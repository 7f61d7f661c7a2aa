//! `dap render`.

use crate::harness::{repo, Workspace};

#[test]
fn render_writes_every_stack_and_the_manifest() {
    let ws = Workspace::new();
    let run = ws.dap(&["render", "--env", "prod"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let out = ws.path().join("out/prod");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let stacks = manifest["stacks"].as_array().unwrap();
    assert_eq!(stacks.len(), 8);
    for s in stacks {
        let file = out.join(s["template"].as_str().unwrap());
        let bytes = std::fs::read(&file).unwrap();
        assert_eq!(bytes.len() as u64, s["bytes"].as_u64().unwrap());
    }
    assert_eq!(manifest["account_id"], "333333333333");
    assert!(
        run.stdout().contains("dap-prod-storage"),
        "{}",
        run.stdout()
    );
    assert!(run.stdout().contains("8 stacks"), "{}", run.stdout());
}

#[test]
fn render_output_matches_the_planner_snapshots() {
    let ws = Workspace::new();
    assert_eq!(ws.dap(&["render", "--all"]).code(), 0);
    let snapshots = repo().join("crates/dap-planner/tests/snapshots");
    for env in ["dev", "local", "prod", "staging"] {
        let snap = std::fs::read_to_string(snapshots.join(format!("{env}-storage.snap"))).unwrap();
        let body = snap.splitn(3, "---\n").nth(2).unwrap();
        let file =
            std::fs::read_to_string(ws.path().join(format!("out/{env}/storage.yaml"))).unwrap();
        assert_eq!(body.trim_end(), file.trim_end(), "{env}");
    }
}

#[test]
fn render_json_prints_the_manifests() {
    let ws = Workspace::new();
    let run = ws.dap(&["render", "--all", "--json", "--out", "elsewhere"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let v: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    let envs: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["environment"].as_str().unwrap())
        .collect();
    assert_eq!(envs, ["dev", "local", "prod", "staging"]);
    assert!(ws.path().join("elsewhere/local/security.yaml").exists());
}

#[test]
fn an_unknown_environment_names_the_known_ones() {
    let ws = Workspace::new();
    let run = ws.dap(&["render", "--env", "qa"]);
    assert_eq!(run.code(), 1);
    assert!(
        run.stderr().contains("no environment `qa`"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("dev, local, prod, staging"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_bad_environment_file_reports_every_error_with_its_location_and_writes_nothing() {
    let ws = Workspace::new();
    let prod = std::fs::read_to_string(repo().join("environments/prod.yaml")).unwrap();
    let broken = prod
        .replace("account_id: \"333333333333\"", "account_id: \"33333\"")
        .replace("log_retention_days: 731", "log_retention_days: 366")
        .replace("protection: strict", "protection: strict\ncolour: blue");
    ws.write_env("prod", &broken);
    let run = ws.dap(&["render", "--env", "prod"]);
    assert_eq!(run.code(), 1);
    let err = run.stderr();
    assert!(err.contains("environments/prod.yaml:5:"), "{err}");
    assert!(err.contains("account_id"), "{err}");
    assert!(err.contains("log_retention_days"), "{err}");
    assert!(err.contains("colour"), "{err}");
    assert!(!ws.path().join("out").exists());
}

#[test]
fn help_documents_the_exit_codes() {
    let ws = Workspace::new();
    let run = ws.dap(&["--help"]);
    assert_eq!(run.code(), 0);
    assert!(run.stdout().contains("Exit codes"), "{}", run.stdout());
}
