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
    let snapshots = repo().join("crates/dap-planner/tests/planner/snapshots");
    let mut envs: Vec<String> = std::fs::read_dir(repo().join("environments"))
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            path.file_stem().unwrap().to_string_lossy().into_owned()
        })
        .collect();
    envs.sort();
    assert!(envs.len() >= 4, "{envs:?}");
    for env in &envs {
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
    // One flag for every command: `--format json` is the same document, `--json` its alias,
    // both at once a usage error; `cost` takes them too.
    let format = ws.dap(&["render", "--all", "--format", "json", "--out", "elsewhere"]);
    assert_eq!(format.stdout(), run.stdout());
    let both = ws.dap(&["render", "--all", "--json", "--format", "text"]);
    assert_eq!(both.code(), 64, "{}", both.stderr());
    let a = ws.dap(&["cost", "--env", "dev", "--json"]);
    let b = ws.dap(&["cost", "--env", "dev", "--format", "json"]);
    assert_eq!(a.code(), 0, "{}", a.stderr());
    assert_eq!(a.stdout(), b.stdout());
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

#[test]
fn environment_files_are_read_bounded_from_regular_files_only() {
    let ws = Workspace::new();
    let envs = ws.path().join("environments");
    std::os::unix::fs::symlink("/dev/zero", envs.join("zero.yaml")).unwrap();
    let fifo = std::process::Command::new("mkfifo")
        .arg(envs.join("fifo.yaml"))
        .status()
        .unwrap();
    assert!(fifo.success());
    for name in ["zero", "fifo"] {
        let run = ws.dap(&["render", "--env", name]);
        assert_eq!(run.code(), 1);
        assert_eq!(
            run.stderr(),
            format!("error: cannot read `environments/{name}.yaml`: it is not a regular file (a pipe, socket or device); environment files are regular files\n")
        );
    }
    // Over the limit: refused with the size, after reading one byte more than the limit.
    ws.write_env("big", &"k: 1\n".repeat(300_000));
    let run = ws.dap(&["render", "--env", "big"]);
    assert_eq!(run.code(), 1);
    assert!(
        run.stderr().contains(
            "the file is 1048577 bytes; environment files are limited to 1 MiB (1048576 bytes)"
        ),
        "{}",
        run.stderr()
    );
    // Many errors: all counted, 50 shown.
    let many: String = (0..2_000).map(|i| format!("k{i}: 1\n")).collect();
    ws.write_env("many", &many);
    let run = ws.dap(&["render", "--env", "many"]);
    assert_eq!(run.code(), 1);
    let err = run.stderr();
    assert!(
        err.contains("errors; nothing was rendered (the first 50 are shown; "),
        "{err}"
    );
    assert_eq!(err.matches("\nError: \n").count(), 50, "{err}");
    // Not UTF-8: the line, column and byte offset.
    std::fs::write(envs.join("bin.yaml"), b"name: bin\nregion: \xff\n").unwrap();
    let run = ws.dap(&["render", "--env", "bin"]);
    assert_eq!(run.code(), 1);
    assert!(
        run.stderr().contains("invalid byte 0xff at byte offset 18")
            && run.stderr().contains("environments/bin.yaml:2:9"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_reader_that_goes_away_ends_the_run_quietly_with_exit_0() {
    let ws = Workspace::new();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dap"))
        .args(["render", "--all", "--json"])
        .current_dir(ws.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // `dap render | head -0`: the reader is gone before a byte
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}
