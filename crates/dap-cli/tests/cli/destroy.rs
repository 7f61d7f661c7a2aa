//! `dap destroy`: refuses strict environments.

use crate::harness::{moto, repo, Workspace};

#[test]
fn a_strict_environment_is_never_destroyed() {
    let moto = moto();
    let ws = Workspace::new();
    let local = std::fs::read_to_string(repo().join("environments/local.yaml")).unwrap();
    let vault = local
        .replace("name: local", "name: vault")
        .replace("prefix: dap-local", "prefix: dap-vault")
        .replace("protection: relaxed", "protection: strict")
        .replace("log_retention_days: 30", "log_retention_days: 365");
    ws.write_env("vault", &vault);
    let run = ws.dap_on(&moto, &["destroy", "--env", "vault", "--yes"]);
    assert_eq!(run.code(), 1, "{}", run.stdout());
    assert_eq!(
        run.stderr(),
        "error: environment `vault` has protection `strict`: `dap` never destroys its stacks\n"
    );
}
