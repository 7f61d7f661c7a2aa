//! The deploy role: `dap` assumes the environment's `deploy_role` with STS before anything
//! else, pins the account on the assumed identity, names the role when it cannot be assumed,
//! and the bootstrap template's permissions are enough for an apply through it.

use std::process::Command;

use crate::harness::{moto, repo, Workspace};

/// `local.yaml` renamed, in `account`, with a deploy role named `<name>-deploy` there (or
/// `role`, when given) trusted by the moto user `ci`.
fn env_text(name: &str, account: &str, role: Option<&str>) -> String {
    let local = std::fs::read_to_string(repo().join("environments/local.yaml")).unwrap();
    let mut text = local
        .replace(
            "arn:aws:iam::123456789012:",
            &format!("arn:aws:iam::{account}:"),
        )
        .replace("name: local", &format!("name: {name}"))
        .replace("prefix: dap-local", &format!("prefix: dap-{name}"))
        .replace(
            "account_id: \"123456789012\" # moto's default account",
            &format!("account_id: \"{account}\""),
        );
    if let Some(role) = role {
        text.push_str(&format!(
            "\ndeploy_role:\n  arn: arn:aws:iam::{account}:role/{role}\n  external_id: dap-test-{name}\n  trusted_principals:\n    - arn:aws:iam::123456789012:user/ci\n"
        ));
    }
    text
}

#[test]
fn the_account_pin_applies_to_the_assumed_identity_in_the_role_s_account() {
    let moto = moto();
    let ws = Workspace::new();
    // The credentials dap starts with are moto's default account (123456789012); the
    // environment lives in 210987654321. Without a deploy role the pin refuses it.
    ws.write_env("far", &env_text("far", "210987654321", None));
    let run = ws.dap_on(&moto, &["plan", "--env", "far"]);
    assert_eq!(run.code(), 1, "{}{}", run.stdout(), run.stderr());
    assert!(
        run.stderr().contains("wrong account")
            && run.stderr().contains("`123456789012`")
            && run.stderr().contains("`210987654321`"),
        "{}",
        run.stderr()
    );
    // With its deploy role, dap assumes it (moto answers AssumeRole as the role's account),
    // and the pin passes on the assumed identity: the plan is of an empty account.
    ws.write_env(
        "far",
        &env_text("far", "210987654321", Some("dap-far-deploy")),
    );
    let run = ws.dap_on(&moto, &["plan", "--env", "far"]);
    assert_eq!(run.code(), 2, "{}{}", run.stdout(), run.stderr());
    assert!(
        run.stdout()
            .contains("plan for `far` (account 210987654321, ca-central-1)"),
        "{}",
        run.stdout()
    );
    // Applied through the role, the stacks are in the role's account, not in the caller's.
    let run = ws.dap_on(&moto, &["apply", "--env", "far", "--yes"]);
    assert_eq!(run.code(), 0, "{}{}", run.stdout(), run.stderr());
    assert!(
        moto.stack_names("ca-central-1").unwrap().is_empty(),
        "nothing in the caller's account"
    );
    let run = ws.dap_on(&moto, &["plan", "--env", "far"]);
    assert_eq!(run.code(), 0, "{}{}", run.stdout(), run.stderr());
}

/// Turn moto's IAM authentication on or off (`/moto-api/reset-auth`).
fn authentication(moto: &dap_moto::Moto, on: bool) {
    let count = if on { "0" } else { "1000000000" };
    let out = Command::new(repo().join(".venv/bin/python"))
        .args([
            "-c",
            "import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1] + '/moto-api/reset-auth', data=sys.argv[2].encode(), method='POST', headers={'Content-Type': 'text/plain'}))",
            moto.endpoint(),
            count,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Create the bootstrap template's role, policies and a user `ci` in a fresh moto server.
/// Returns the user's access key and secret.
///
/// Moto's CloudFormation does not attach a role's managed policies, and its IAM evaluation
/// matches a statement's `Resource` only against `*`; so the role and its policies are made
/// through IAM, each `Allow` statement on `*`. Statements bound to `aws:CalledVia`
/// (CloudFormation's calls for the role) are left out: they cannot allow `dap`'s own calls
/// on AWS either; and moto names CloudWatch's actions `monitoring:`, so each `cloudwatch:`
/// action is granted under that name too. What this proves: the calls `dap` makes are
/// granted, each checked by moto against the role's policies.
fn bootstrap_in(
    moto: &dap_moto::Moto,
    template_json: &str,
    dir: &std::path::Path,
) -> (String, String) {
    let path = dir.join("bootstrap.json");
    std::fs::write(&path, template_json).unwrap();
    let script = r#"
import json, sys, urllib.request, boto3
endpoint, path = sys.argv[1], sys.argv[2]
kw = dict(endpoint_url=endpoint, region_name="ca-central-1",
          aws_access_key_id="testing", aws_secret_access_key="testing")
iam = boto3.client("iam", **kw)
resources = json.load(open(path))["Resources"]
role = resources["DeployRole"]["Properties"]
iam.create_role(RoleName=role["RoleName"],
                AssumeRolePolicyDocument=json.dumps(role["AssumeRolePolicyDocument"]))
for r in resources.values():
    if r["Type"] != "AWS::IAM::ManagedPolicy":
        continue
    statements = []
    for s in r["Properties"]["PolicyDocument"]["Statement"]:
        if s["Effect"] == "Allow":
            if any("aws:CalledVia" in keys for keys in s.get("Condition", {}).values()):
                continue
            # moto names CloudWatch's actions by its endpoint prefix, `monitoring:`.
            actions = s["Action"] + [a.replace("cloudwatch:", "monitoring:")
                                     for a in s["Action"] if a.startswith("cloudwatch:")]
            s = dict(s, Resource="*", Action=actions)
        statements.append(s)
    if not statements:
        continue
    arn = iam.create_policy(
        PolicyName=r["Properties"]["ManagedPolicyName"],
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
    )["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=role["RoleName"], PolicyArn=arn)
# A role `ci` may not assume: it trusts another user only.
iam.create_role(RoleName="dap-boot-untrusting", AssumeRolePolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
     "Principal": {"AWS": "arn:aws:iam::123456789012:user/someone-else"}}]}))
iam.create_user(UserName="ci")
key = iam.create_access_key(UserName="ci")["AccessKey"]
iam.put_user_policy(UserName="ci", PolicyName="assume-deploy-roles", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
print(key["AccessKeyId"], key["SecretAccessKey"])
"#;
    let out = Command::new(repo().join(".venv/bin/python"))
        .args(["-c", script, moto.endpoint(), path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut parts = text.split_whitespace();
    (
        parts.next().unwrap().to_owned(),
        parts.next().unwrap().to_owned(),
    )
}

#[test]
fn the_bootstrap_role_is_enough_to_apply_through_it_and_a_wrong_role_fails_first() {
    // A server of its own: IAM authentication stays on until it stops.
    let moto = dap_moto::Moto::start().unwrap_or_else(|e| panic!("{e}"));
    let ws = Workspace::new();
    let text = env_text("boot", "123456789012", Some("dap-boot-deploy"));
    ws.write_env("boot", &text);
    let env = dap_config::parse("boot.yaml", &text).unwrap();
    let rendered = dap_planner::render(&env).unwrap();
    let bootstrap = dap_planner::bootstrap::bootstrap(&env, &rendered).unwrap();
    let (key, secret) = bootstrap_in(&moto, &bootstrap.template.to_json(), ws.path());
    let as_ci = |args: &[&str]| {
        ws.command_on(moto.endpoint(), args)
            .env("AWS_ACCESS_KEY_ID", &key)
            .env("AWS_SECRET_ACCESS_KEY", &secret)
            .output()
            .unwrap()
    };
    // Deployed through the role with moto's authentication off: with it on, moto checks a
    // form-encoded request's signature against its own re-encoding of the parameters, with
    // `+` for spaces where the AWS SDK for Rust writes `%20`, so every CloudFormation write
    // whose values hold a space (a template, the lock's holder tag) is refused as
    // SignatureDoesNotMatch: a gap of moto, not of the permissions. That every operation
    // the applier calls is granted is `bootstrap::every_call_of_the_applier_is_granted`.
    let out = as_ci(&["apply", "--env", "boot", "--yes"]);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    authentication(&moto, true);
    // Authentication is on: the harness's placeholder keys are refused...
    let refused = ws.dap_on(&moto, &["plan", "--env", "boot"]);
    assert_eq!(refused.code(), 1, "{}", refused.stderr());
    // ...and through the deploy role, with only the bootstrap's permissions, a plan and the
    // whole live verification (IAM, KMS, CloudTrail, CloudWatch, Logs, SNS, S3 reads) go
    // through with moto checking each call against the role's policies.
    let out = as_ci(&["plan", "--env", "boot"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let out = as_ci(&["verify", "--env", "boot"]);
    assert!(
        matches!(out.status.code(), Some(0 | 2)),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("AccessDenied"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A role that does not trust the caller: one line naming it, before any other call (no
    // lock stack is taken).
    ws.write_env(
        "boot",
        &env_text("boot", "123456789012", Some("dap-boot-untrusting")),
    );
    let out = as_ci(&["apply", "--env", "boot", "--yes"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "cannot assume the deploy role `arn:aws:iam::123456789012:role/dap-boot-untrusting` of environment `boot`"
        ),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    // Authentication off again, to look: the platform's stacks, and no lock left behind.
    authentication(&moto, false);
    let stacks = moto.stack_names("ca-central-1").unwrap();
    assert_eq!(stacks.len(), rendered.stacks.len(), "{stacks:?}");
    assert!(!stacks.iter().any(|s| s.ends_with("-lock")), "{stacks:?}");
}
