//! `dap apply` (with `plan` and `destroy` around it) against a moto server.

use crate::harness::{moto, repo, Workspace};

// Long: one environment's life through the binary, read top to bottom (apply, no-op plan, one
// change, destroy); each step starts from the state the one before left.
#[test]
fn the_local_environment_from_nothing_to_no_changes_to_one_change_to_destroyed() {
    let moto = moto();
    let ws = Workspace::new();

    let run = ws.dap_on(&moto, &["apply", "--env", "local", "--yes"]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    let out = run.stdout();
    assert!(
        out.contains("dap-local-security: create (6 resources)"),
        "{out}"
    );
    assert!(out.contains("  + AWS::KMS::Key DataKey"), "{out}");
    assert!(
        out.contains("108 to add, 0 to change, 0 to remove"),
        "{out}"
    );
    assert!(
        out.contains("7 created, 0 updated, 0 unchanged, 0 failed, 0 skipped"),
        "{out}"
    );
    assert!(
        out.contains("LandingBucketName=dap-local-landing-123456789012-ca-central-1"),
        "{out}"
    );
    assert!(out.contains("uploaded"), "{out}");
    assert_eq!(
        run.stderr(),
        "",
        "no progress when stderr is not a terminal"
    );

    let run = ws.dap_on(&moto, &["plan", "--env", "local"]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    assert!(
        run.stdout().contains("dap-local-storage: no changes"),
        "{}",
        run.stdout()
    );
    assert!(
        run.stdout()
            .ends_with("0 to add, 0 to change, 0 to remove\n"),
        "{}",
        run.stdout()
    );

    let run = ws.dap_on(&moto, &["apply", "--env", "local"]);
    assert_eq!(run.code(), 0, "nothing to confirm: {}", run.stderr());
    assert!(
        run.stdout().contains("0 created, 0 updated, 7 unchanged"),
        "{}",
        run.stdout()
    );

    let local = std::fs::read_to_string(repo().join("environments/local.yaml")).unwrap();
    ws.write_env(
        "local",
        &local.replace("landing_expiry_days: 7", "landing_expiry_days: 14"),
    );
    let run = ws.dap_on(&moto, &["plan", "--env", "local"]);
    assert_eq!(run.code(), 2, "{}\n{}", run.stdout(), run.stderr());
    let plan = run.stdout();
    let changed: Vec<&str> = plan
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("dap-"))
        .collect();
    assert_eq!(changed.len(), 2, "{plan}");
    assert_eq!(changed[0], "  ~ AWS::S3::Bucket LandingBucket");
    assert!(
        changed[1].starts_with("      LifecycleConfiguration.Rules["),
        "{plan}"
    );
    assert!(
        changed[1].ends_with("].ExpirationInDays: 7 -> 14"),
        "{plan}"
    );
    assert!(plan.contains("dap-local-storage: update"), "{plan}");
    assert!(
        plan.ends_with("0 to add, 1 to change, 0 to remove\n"),
        "{plan}"
    );

    let run = ws.dap_on(&moto, &["apply", "--env", "local"]);
    assert_eq!(
        run.code(),
        1,
        "not confirmed without a terminal: {}",
        run.stdout()
    );
    assert!(run.stderr().contains("pass `--yes`"), "{}", run.stderr());
    assert_eq!(
        ws.dap_on(&moto, &["plan", "--env", "local"]).code(),
        2,
        "still planned"
    );

    let run = ws.dap_on(&moto, &["apply", "--env", "local", "--yes"]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    assert!(
        run.stdout().contains("0 created, 1 updated, 6 unchanged"),
        "{}",
        run.stdout()
    );
    assert_eq!(ws.dap_on(&moto, &["plan", "--env", "local"]).code(), 0);

    let before = moto.bucket_names().unwrap();
    assert_eq!(before.len(), 7, "{before:?}");
    assert_eq!(moto.stack_names("ca-central-1").unwrap().len(), 7);
    let run = ws.dap_on(&moto, &["destroy", "--env", "local", "--yes"]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    let out = run.stdout();
    assert!(out.contains("7 stacks to delete"), "{out}");
    assert!(out.contains("dap-local-monitoring deleted"), "{out}");
    assert!(
        out.contains("left in place (DeletionPolicy: Retain):"),
        "{out}"
    );
    assert!(
        out.contains("AWS::S3::Bucket LandingBucket dap-local-landing-123456789012-ca-central-1 (dap-local-storage)"),
        "{out}"
    );
    assert_eq!(
        moto.bucket_names().unwrap(),
        before,
        "the data buckets stay"
    );
    assert_eq!(
        moto.stack_names("ca-central-1").unwrap(),
        Vec::<String>::new()
    );

    let run = ws.dap_on(&moto, &["destroy", "--env", "local", "--yes"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(
        run.stdout().contains("nothing to delete"),
        "{}",
        run.stdout()
    );
}
