//! The environment lock, interrupted applies and (through a fault-injecting proxy) retries,
//! against a moto server.

use std::time::{Duration, Instant};

use crate::harness::{moto, repo, Workspace};

const REGION: &str = "ca-central-1";
const LOCK: &str = "dap-local-lock";
const ALICE: &str = "arn:aws:iam::123456789012:user/alice on laptop-7 pid 4242";
const SINCE: &str = "2026-11-27T08:15:00Z";

/// The stacks of `local` (and the lock, when it is held).
fn stacks(moto: &dap_moto::Moto) -> Vec<String> {
    moto.stack_names(REGION).unwrap()
}

#[test]
fn a_held_lock_refuses_apply_and_destroy_until_unlocked_and_is_released_after_each_run() {
    let moto = moto();
    let ws = Workspace::new();
    moto.cloudformation(
        REGION,
        "CreateStack",
        &[
            ("StackName", LOCK),
            (
                "TemplateBody",
                r#"{"Resources":{"Lock":{"Type":"AWS::CloudFormation::WaitConditionHandle"}}}"#,
            ),
            ("Tags.member.1.Key", "dap:lock-holder"),
            ("Tags.member.1.Value", ALICE),
            ("Tags.member.2.Key", "dap:lock-since"),
            ("Tags.member.2.Value", SINCE),
            ("Tags.member.3.Key", "dap:lock-operation"),
            ("Tags.member.3.Value", "apply"),
        ],
    )
    .unwrap();

    for verb in ["apply", "destroy"] {
        let run = ws.dap_on(&moto, &[verb, "--env", "local", "--yes"]);
        assert_eq!(run.code(), 1, "{verb}: {}\n{}", run.stdout(), run.stderr());
        let err = run.stderr();
        assert!(
            err.contains(&format!(
                "environment `local` is locked: `{ALICE}` has held it since {SINCE}"
            )),
            "{err}"
        );
        assert!(err.contains("dap unlock --env local"), "{err}");
        assert_eq!(stacks(&moto), [LOCK], "{verb} changed nothing");
    }
    // `plan` does not lock, and is not refused.
    assert_eq!(ws.dap_on(&moto, &["plan", "--env", "local"]).code(), 2);

    let run = ws.dap_on(&moto, &["unlock", "--env", "local"]);
    assert_eq!(run.code(), 1, "not confirmed without a terminal");
    assert!(run.stdout().contains(ALICE), "{}", run.stdout());
    assert_eq!(stacks(&moto), [LOCK]);
    let run = ws.dap_on(&moto, &["unlock", "--env", "local", "--yes"]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    let out = run.stdout();
    assert!(
        out.contains(&format!("`local` is locked by `{ALICE}` since {SINCE} (")),
        "{out}"
    );
    assert!(out.contains("ago), for `apply`"), "{out}");
    assert!(out.contains("released the lock of `local`"), "{out}");
    let run = ws.dap_on(&moto, &["unlock", "--env", "local", "--yes"]);
    assert_eq!(run.code(), 0);
    assert!(run.stdout().contains("not locked"), "{}", run.stdout());

    let run = ws.dap_on(&moto, &["apply", "--env", "local", "--yes"]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    assert_eq!(stacks(&moto).len(), 7);
    assert!(!stacks(&moto).contains(&LOCK.to_owned()), "released");

    // A failed run (not confirmed: an error after the lock was taken) releases it too.
    let local = std::fs::read_to_string(repo().join("environments/local.yaml")).unwrap();
    ws.write_env(
        "local",
        &local.replace("landing_expiry_days: 7", "landing_expiry_days: 14"),
    );
    let run = ws.dap_on(&moto, &["apply", "--env", "local"]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(run.stderr().contains("pass `--yes`"), "{}", run.stderr());
    assert!(!stacks(&moto).contains(&LOCK.to_owned()), "released");

    let run = ws.dap_on(&moto, &["destroy", "--env", "local", "--yes"]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    assert_eq!(stacks(&moto), Vec::<String>::new(), "destroy released it");
}

#[test]
fn an_apply_killed_midway_is_unlocked_and_rerun_to_the_same_stacks_without_leftovers() {
    let moto = moto();
    let ws = Workspace::new();
    let mut child = ws
        .command_on(moto.endpoint(), &["apply", "--env", "local", "--yes"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let at_kill = loop {
        let now = stacks(&moto);
        if now.iter().any(|s| s == "dap-local-storage") {
            break now;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "apply ended before it created `dap-local-storage`"
        );
        assert!(started.elapsed() < Duration::from_secs(120), "{now:?}");
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(
        child.try_wait().unwrap().is_none(),
        "apply still running when killed"
    );
    child.kill().unwrap(); // SIGKILL: no clean-up runs
    child.wait().unwrap();
    eprintln!("stacks when killed: {at_kill:?}");
    assert!(at_kill.len() < 8, "killed before the end: {at_kill:?}");
    assert!(stacks(&moto).contains(&LOCK.to_owned()), "the lock stays");

    let run = ws.dap_on(&moto, &["apply", "--env", "local", "--yes"]);
    assert_eq!(run.code(), 1, "still locked: {}", run.stderr());
    assert!(run.stderr().contains(" pid "), "{}", run.stderr());
    // A kill while planning leaves the change set being read: one like it, and one kept for a
    // saved plan, which must stay.
    for (name, description) in [
        ("dap-plan-storage-1", "dap plan (temporary)"),
        ("dap-plan-storage-2", "dap plan (kept for a saved plan)"),
    ] {
        moto.cloudformation(
            REGION,
            "CreateChangeSet",
            &[
                ("StackName", "dap-local-storage"),
                ("ChangeSetName", name),
                ("ChangeSetType", "UPDATE"),
                ("Description", description),
                ("UsePreviousTemplate", "true"),
            ],
        )
        .unwrap();
    }
    let run = ws.dap_on(&moto, &["unlock", "--env", "local", "--yes"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(
        run.stdout()
            .contains("deleted the change set `dap-plan-storage-1` left by an interrupted run"),
        "{}",
        run.stdout()
    );
    assert_eq!(
        moto.change_set_names(REGION, "dap-local-storage").unwrap(),
        ["dap-plan-storage-2"]
    );
    moto.cloudformation(
        REGION,
        "DeleteChangeSet",
        &[
            ("StackName", "dap-local-storage"),
            ("ChangeSetName", "dap-plan-storage-2"),
        ],
    )
    .unwrap();

    let run = ws.dap_on(&moto, &["apply", "--env", "local", "--yes"]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    let run = ws.dap_on(&moto, &["plan", "--env", "local"]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    let names = stacks(&moto);
    assert_eq!(names.len(), 7, "each stack once, no lock: {names:?}");
    let mut unique = names.clone();
    unique.dedup();
    assert_eq!(unique, names);
    for s in &names {
        assert_eq!(
            moto.change_set_names(REGION, s).unwrap(),
            Vec::<String>::new(),
            "no change set left on `{s}`"
        );
    }
}

#[test]
fn dap_apply_through_a_proxy_injecting_throttling_500s_and_resets_succeeds() {
    let moto = moto();
    let ws = Workspace::new();
    let proxy = dap_moto::FaultProxy::start(moto.port(), Default::default()).unwrap();
    let run = ws
        .command_on(&proxy.endpoint(), &["apply", "--env", "local", "--yes"])
        .output()
        .unwrap();
    let counts = proxy.counts();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{counts:?}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(counts.total_faults(), 6, "{counts:?}");
    assert_eq!(counts.requests, counts.forwarded + 6);
    let names = stacks(&moto);
    assert_eq!(names.len(), 7, "all stacks, the lock released: {names:?}");
    let run = ws.dap_on(&moto, &["plan", "--env", "local"]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
}

/// Whether a logged request changes something.
fn is_write(op: &str) -> bool {
    [
        "CreateStack",
        "UpdateStack",
        "DeleteStack",
        "CreateChangeSet",
        "ExecuteChangeSet",
        "DeleteChangeSet",
        "SetStackPolicy",
        "UpdateTerminationProtection",
        "S3 PUT",
        "S3 DELETE",
        "S3 POST",
    ]
    .iter()
    .any(|w| op.starts_with(w))
}

/// Send `signal` to an apply once `dap-local-storage` exists: the run starts nothing more,
/// waits for what is in progress, releases the lock last, and exits 1; a rerun converges.
fn signal_during_an_apply(signal: &str, said: &str) {
    let moto = moto();
    let ws = Workspace::new();
    let proxy = dap_moto::FaultProxy::start(
        moto.port(),
        dap_moto::Schedule {
            every: 0,
            kinds: Vec::new(),
            limit: 0,
            operations: Vec::new(),
        },
    )
    .unwrap();
    let mut child = ws
        .command_on(&proxy.endpoint(), &["apply", "--env", "local", "--yes"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !stacks(&moto).iter().any(|s| s == "dap-local-storage") {
        assert!(child.try_wait().unwrap().is_none(), "apply ended too soon");
        assert!(started.elapsed() < Duration::from_secs(120));
        std::thread::sleep(Duration::from_millis(10));
    }
    let sent = std::process::Command::new("sh")
        .args(["-c", &format!("kill -{signal} {}", child.id())])
        .status()
        .unwrap();
    assert!(sent.success());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(said), "{err}");
    assert!(
        err.contains("nothing in progress; releasing the lock of `local`")
            || (err.contains("starting nothing more; waiting for the stack")
                && err.contains(
                    "the stacks in progress finished and the lock of `local` is released"
                )),
        "{err}"
    );
    let at_exit = stacks(&moto);
    assert!(!at_exit.contains(&LOCK.to_owned()), "released: {at_exit:?}");
    assert!(at_exit.len() < 7, "stopped before the end: {at_exit:?}");

    // The lock's release is the run's last write.
    let log = proxy.log();
    let release = log
        .iter()
        .rposition(|op| op == "DeleteStack dap-local-lock")
        .unwrap_or_else(|| panic!("the lock was released: {log:#?}"));
    let after: Vec<&String> = log[release + 1..]
        .iter()
        .filter(|op| is_write(op))
        .collect();
    assert!(
        after.is_empty(),
        "writes after the lock's release: {after:?}\n{log:#?}"
    );
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(stacks(&moto), at_exit, "nothing changes once it ended");

    let run = ws.dap_on(&moto, &["apply", "--env", "local", "--yes"]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    assert_eq!(ws.dap_on(&moto, &["plan", "--env", "local"]).code(), 0);
    assert_eq!(stacks(&moto).len(), 7);
}

#[test]
fn ctrl_c_during_an_apply_finishes_what_runs_releases_the_lock_last_and_a_rerun_converges() {
    signal_during_an_apply("INT", "interrupted (SIGINT)");
}

#[test]
fn sigterm_during_an_apply_finishes_what_runs_releases_the_lock_last_and_a_rerun_converges() {
    signal_during_an_apply("TERM", "terminated (SIGTERM)");
}

#[test]
fn lost_answers_to_the_lock_a_stack_create_and_a_change_set_converge_in_the_same_run() {
    let moto = moto();
    let ws = Workspace::new();
    // moto performs each write; the proxy drops its answer; the SDK sends it again.
    let proxy = dap_moto::FaultProxy::start(
        moto.port(),
        dap_moto::Schedule::first_of(
            &[
                "CreateStack dap-local-lock",
                "CreateStack dap-local-security",
            ],
            dap_moto::Fault::LostResponse,
        ),
    )
    .unwrap();
    let run = ws
        .command_on(&proxy.endpoint(), &["apply", "--env", "local", "--yes"])
        .output()
        .unwrap();
    let run = crate::harness::Run { output: run };
    let log = proxy.log();
    assert_eq!(
        run.code(),
        0,
        "{}\n{}\n{log:#?}",
        run.stdout(),
        run.stderr()
    );
    assert!(
        run.stdout().contains("7 created, 0 updated"),
        "{}",
        run.stdout()
    );
    for stack in ["dap-local-lock", "dap-local-security"] {
        let lost = format!("CreateStack {stack} (fault: LostResponse)");
        let at = log
            .iter()
            .position(|op| *op == lost)
            .expect("the fault was injected");
        assert_eq!(
            log[at + 1],
            format!("CreateStack {stack}"),
            "retried: {log:#?}"
        );
    }
    assert_eq!(
        stacks(&moto).len(),
        7,
        "the lock is released, no stack twice"
    );
    assert_eq!(ws.dap_on(&moto, &["plan", "--env", "local"]).code(), 0);

    // A change set whose answer is lost: the retry makes a second one of the same name;
    // the plan deletes both.
    let text = std::fs::read_to_string(ws.path().join("environments/local.yaml")).unwrap();
    ws.write_env(
        "local",
        &text.replace("log_retention_days: 30", "log_retention_days: 60"),
    );
    let proxy = dap_moto::FaultProxy::start(
        moto.port(),
        dap_moto::Schedule::first_of(&["CreateChangeSet"], dap_moto::Fault::LostResponse),
    )
    .unwrap();
    let run = ws
        .command_on(&proxy.endpoint(), &["plan", "--env", "local"])
        .output()
        .unwrap();
    let run = crate::harness::Run { output: run };
    assert_eq!(run.code(), 2, "{}\n{}", run.stdout(), run.stderr());
    assert_eq!(proxy.counts().total_faults(), 1);
    for stack in stacks(&moto) {
        let left = moto.change_set_names(REGION, &stack).unwrap();
        assert!(left.is_empty(), "{stack}: {left:?}\n{:#?}", proxy.log());
    }
}
