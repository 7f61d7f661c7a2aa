//! The data-loss guard through the binary: a removal of a data-bearing resource makes `plan`
//! exit 3 with a "blocked" section and `apply` refuse, until `--allow-remove` names it.

use std::process::Command;

use crate::harness::{moto, repo, Workspace};

/// Give the deployed audit stack an extra log group (and another template hash), as if an
/// earlier version of the platform had it: the new template removes it.
/// With `rename`, the deployed trail log group also has another name: the new template
/// changes a create-only property back.
fn deploy_an_extra_log_group(moto: &dap_moto::Moto, rename: bool) {
    let script = r#"
import sys, boto3, yaml
cfn = boto3.client("cloudformation", endpoint_url=sys.argv[1], region_name="ca-central-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
name = "dap-local-audit"
body = cfn.get_template(StackName=name)["TemplateBody"]
t = body if isinstance(body, dict) else yaml.safe_load(body)
t["Resources"]["OldAuditLogGroup"] = {"Type": "AWS::Logs::LogGroup", "DeletionPolicy": "Retain",
    "UpdateReplacePolicy": "Retain", "Properties": {"LogGroupName": "/dap-local/old-audit"}}
if sys.argv[2] == "rename":
    t["Resources"]["TrailLogGroup"]["Properties"]["LogGroupName"] = "/dap-local/old-trail"
stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
tags = [t2 if t2["Key"] != "dap:template-sha256" else {"Key": t2["Key"], "Value": "old"}
        for t2 in stack["Tags"]]
import json
cfn.update_stack(StackName=name, TemplateBody=json.dumps(t), Tags=tags,
                 Capabilities=["CAPABILITY_NAMED_IAM"])
"#;
    let out = Command::new(repo().join(".venv/bin/python"))
        .args([
            "-c",
            script,
            moto.endpoint(),
            if rename { "rename" } else { "keep" },
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn removing_a_log_group_is_blocked_with_exit_3_until_allowed() {
    let moto = moto();
    let ws = Workspace::new();
    let run = ws.dap_on(&moto, &["apply", "--env", "local", "--yes"]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    deploy_an_extra_log_group(&moto, false);

    let run = ws.dap_on(&moto, &["plan", "--env", "local"]);
    assert_eq!(run.code(), 3, "{}\n{}", run.stdout(), run.stderr());
    let out = run.stdout();
    assert!(
        out.contains("  - AWS::Logs::LogGroup OldAuditLogGroup BLOCKED\n"),
        "{out}"
    );
    assert!(
        out.contains("blocked: 1 change would replace or remove data-bearing resources\n  ! AWS::Logs::LogGroup dap-local-audit/OldAuditLogGroup: allow with `--allow-remove audit/OldAuditLogGroup`\n"),
        "{out}"
    );
    assert!(
        run.stderr()
            .starts_with("error: 1 change to data-bearing resources is blocked"),
        "{}",
        run.stderr()
    );

    let run = ws.dap_on(&moto, &["apply", "--env", "local", "--yes"]);
    assert_eq!(run.code(), 3, "{}\n{}", run.stdout(), run.stderr());
    assert!(!run.stdout().contains("created, "), "nothing was applied");

    // The wrong flag does not do, and is reported as naming nothing.
    let run = ws.dap_on(
        &moto,
        &[
            "plan",
            "--env",
            "local",
            "--allow-replace",
            "audit/OldAuditLogGroup",
        ],
    );
    assert_eq!(run.code(), 3, "{}", run.stdout());
    assert!(
        run.stderr()
            .contains("warning: `--allow-replace audit/OldAuditLogGroup` names no"),
        "{}",
        run.stderr()
    );

    let allow = ["--allow-remove", "dap-local-audit/OldAuditLogGroup"];
    let run = ws.dap_on(&moto, &[&["plan", "--env", "local"][..], &allow].concat());
    assert_eq!(run.code(), 2, "{}\n{}", run.stdout(), run.stderr());
    assert!(
        run.stdout()
            .contains("  - AWS::Logs::LogGroup OldAuditLogGroup (allowed)\n"),
        "{}",
        run.stdout()
    );
    let run = ws.dap_on(
        &moto,
        &[&["apply", "--env", "local", "--yes"][..], &allow].concat(),
    );
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    let run = ws.dap_on(&moto, &["plan", "--env", "local"]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
}

/// The plan document with what differs between runs (stack ids, times) replaced, and only
/// the stacks that change.
fn redacted_plan(json: &str) -> serde_json::Value {
    let mut doc: serde_json::Value = serde_json::from_str(json).unwrap();
    let stacks = doc["stacks"].as_array_mut().unwrap();
    stacks.retain(|s| s["action"] != "none");
    for s in stacks {
        if let Some(d) = s["deployed"].as_object_mut() {
            d.insert("id".into(), "[stack id]".into());
            d.insert("last_updated".into(), "[time]".into());
            d.insert("outputs".into(), "[outputs]".into());
        }
        s["template_sha256"] = "[sha256]".into();
    }
    doc
}

#[test]
fn the_plan_of_a_blocked_removal_as_text_and_as_json() {
    let moto = moto();
    let ws = Workspace::new();
    let run = ws.dap_on(&moto, &["apply", "--env", "local", "--yes"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    deploy_an_extra_log_group(&moto, true);
    let text = ws.dap_on(&moto, &["plan", "--env", "local"]);
    assert_eq!(text.code(), 3);
    let audit: String = text
        .stdout()
        .lines()
        .filter(|l| !l.ends_with(": no changes"))
        .map(|l| format!("{l}\n"))
        .collect();
    insta::assert_snapshot!("blocked_removal_text", audit);
    let json = ws.dap_on(&moto, &["plan", "--env", "local", "--json"]);
    assert_eq!(json.code(), 3, "{}", json.stderr());
    insta::assert_json_snapshot!("blocked_removal_json", redacted_plan(&json.stdout()));
}

#[test]
fn a_saved_plan_applies_once_and_is_refused_when_stacks_or_templates_changed() {
    let moto = moto();
    let ws = Workspace::new();
    let run = ws.dap_on(&moto, &["plan", "--env", "local", "--out", "plan.json"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stdout().starts_with("plan for `local`"),
        "text still printed"
    );
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ws.path().join("plan.json")).unwrap())
            .unwrap();
    assert_eq!(saved["format_version"], 1);
    assert_eq!(saved["account_id"], "123456789012");

    let run = ws.dap_on(&moto, &["apply", "--env", "local", "--yes", "plan.json"]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    assert!(
        run.stdout().contains("7 created, 0 updated"),
        "{}",
        run.stdout()
    );

    // The same plan again: every stack it saw absent now exists.
    let run = ws.dap_on(&moto, &["apply", "--env", "local", "--yes", "plan.json"]);
    assert_eq!(run.code(), 1, "{}", run.stdout());
    assert!(
        run.stderr().starts_with("error: the saved plan cannot be applied: deployed stack `dap-local-security` changed since (absent then, "),
        "{}",
        run.stderr()
    );

    // A plan made, then the environment file edited: the template hash differs.
    let run = ws.dap_on(&moto, &["plan", "--env", "local", "--out", "plan.json"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let text = std::fs::read_to_string(ws.path().join("environments/local.yaml")).unwrap();
    ws.write_env(
        "local",
        &text.replace("log_retention_days: 30", "log_retention_days: 60"),
    );
    let run = ws.dap_on(&moto, &["apply", "--env", "local", "--yes", "plan.json"]);
    assert_eq!(run.code(), 1, "{}", run.stdout());
    assert!(
        run.stderr().contains("the template of `dap-local-")
            && run.stderr().contains("changed since (sha256 "),
        "{}",
        run.stderr()
    );

    // Made after the edit, the plan of an update applies (its change sets left the stacks as
    // they were), and only once.
    let run = ws.dap_on(&moto, &["plan", "--env", "local", "--out", "update.json"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    let run = ws.dap_on(&moto, &["apply", "--env", "local", "--yes", "update.json"]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    assert!(run.stdout().contains(" updated, "), "{}", run.stdout());
    let run = ws.dap_on(&moto, &["apply", "--env", "local", "--yes", "update.json"]);
    assert_eq!(run.code(), 1, "{}", run.stdout());
    assert!(
        run.stderr()
            .contains("changed since (CREATE_COMPLETE updated "),
        "{}",
        run.stderr()
    );

    // Another region or account in the file is refused before anything is applied.
    ws.write_env("local", &text);
    let edited = std::fs::read_to_string(ws.path().join("plan.json"))
        .unwrap()
        .replace(
            "\"account_id\": \"123456789012\"",
            "\"account_id\": \"999999999999\"",
        );
    std::fs::write(ws.path().join("other.json"), edited).unwrap();
    let run = ws.dap_on(&moto, &["apply", "--env", "local", "--yes", "other.json"]);
    assert_eq!(run.code(), 1);
    assert!(
        run.stderr().contains("made for account `999999999999`"),
        "{}",
        run.stderr()
    );
}

/// Edit a saved plan document in place.
fn edit_plan(ws: &Workspace, file: &str, edit: impl FnOnce(&mut serde_json::Value)) {
    let path = ws.path().join(file);
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(&mut doc);
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
}

#[test]
fn a_saved_plan_edited_past_the_guard_is_refused_because_apply_plans_again() {
    let moto = moto();
    let ws = Workspace::new();

    // Against an empty account, a file claiming every stack is unchanged.
    let run = ws.dap_on(&moto, &["plan", "--env", "local", "--out", "none.json"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    edit_plan(&ws, "none.json", |doc| {
        for s in doc["stacks"].as_array_mut().unwrap() {
            s["action"] = "none".into();
            s["changes"] = serde_json::json!([]);
            s["security"] = serde_json::json!([]);
        }
    });
    let run = ws.dap_on(&moto, &["apply", "--env", "local", "--yes", "none.json"]);
    assert_eq!(run.code(), 1, "{}\n{}", run.stdout(), run.stderr());
    assert!(
        run.stderr().starts_with("error: the saved plan cannot be applied: stack `dap-local-security` in the file does not match what planning it now gives: the file says `none`, planning now gives `create`"),
        "{}",
        run.stderr()
    );
    assert!(!run.stdout().contains("unchanged"), "{}", run.stdout());

    let run = ws.dap_on(&moto, &["apply", "--env", "local", "--yes"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    deploy_an_extra_log_group(&moto, false);

    // A blocked removal saved, then deleted from the file's changes.
    let run = ws.dap_on(&moto, &["plan", "--env", "local", "--out", "p.json"]);
    assert_eq!(run.code(), 3, "{}", run.stderr());
    edit_plan(&ws, "p.json", |doc| {
        for s in doc["stacks"].as_array_mut().unwrap() {
            s["changes"]
                .as_array_mut()
                .unwrap()
                .retain(|c| c["logical_id"] != "OldAuditLogGroup");
        }
    });
    let run = ws.dap_on(&moto, &["apply", "--env", "local", "--yes", "p.json"]);
    assert_eq!(run.code(), 1, "{}\n{}", run.stdout(), run.stderr());
    assert!(
        run.stderr().contains("stack `dap-local-audit` in the file does not match what planning it now gives: the removal of `OldAuditLogGroup` (AWS::Logs::LogGroup) is missing from the file or differs there"),
        "{}",
        run.stderr()
    );

    // Its verdict edited to `allowed` instead: judged again, still blocked (exit 3).
    let run = ws.dap_on(&moto, &["plan", "--env", "local", "--out", "p.json"]);
    assert_eq!(run.code(), 3, "{}", run.stderr());
    edit_plan(&ws, "p.json", |doc| {
        for s in doc["stacks"].as_array_mut().unwrap() {
            for c in s["changes"].as_array_mut().unwrap() {
                c["guard"] = "allowed".into();
            }
        }
    });
    let run = ws.dap_on(&moto, &["apply", "--env", "local", "--yes", "p.json"]);
    assert_eq!(run.code(), 3, "{}\n{}", run.stdout(), run.stderr());

    // The log group is still deployed: a plain plan still wants to remove it.
    let run = ws.dap_on(&moto, &["plan", "--env", "local"]);
    assert_eq!(run.code(), 3, "{}", run.stderr());
    assert!(
        run.stdout().contains("OldAuditLogGroup BLOCKED"),
        "{}",
        run.stdout()
    );
}

/// Deploy the access stack with the Glue clean role's policy lacking its first statement and
/// the second one's actions cut to one: the new template broadens it back.
fn deploy_a_narrower_policy(moto: &dap_moto::Moto) {
    let script = r#"
import sys, json, boto3, yaml
cfn = boto3.client("cloudformation", endpoint_url=sys.argv[1], region_name="ca-central-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
name = "dap-local-access"
body = cfn.get_template(StackName=name)["TemplateBody"]
t = body if isinstance(body, dict) else yaml.safe_load(body)
doc = t["Resources"]["GlueCleanRolePolicy"]["Properties"]["PolicyDocument"]
doc["Statement"] = doc["Statement"][1:]
first = doc["Statement"][0]
if isinstance(first["Action"], list):
    first["Action"] = first["Action"][:1]
stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
tags = [x if x["Key"] != "dap:template-sha256" else {"Key": x["Key"], "Value": "old"}
        for x in stack["Tags"]]
cfn.update_stack(StackName=name, TemplateBody=json.dumps(t), Tags=tags,
                 Capabilities=["CAPABILITY_NAMED_IAM"])
"#;
    let out = Command::new(repo().join(".venv/bin/python"))
        .args(["-c", script, moto.endpoint()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_iam_broadening_is_listed_first_and_strict_needs_approve_broadening_with_yes() {
    let moto = moto();
    let ws = Workspace::new();
    let run = ws.dap_on(&moto, &["apply", "--env", "local", "--yes"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    deploy_a_narrower_policy(&moto);

    let run = ws.dap_on(&moto, &["plan", "--env", "local"]);
    assert_eq!(run.code(), 2, "{}\n{}", run.stdout(), run.stderr());
    let text: String = run
        .stdout()
        .lines()
        .filter(|l| !l.ends_with(": no changes"))
        .map(|l| format!("{l}\n"))
        .collect();
    insta::assert_snapshot!("iam_broadening_text", text);
    let json = ws.dap_on(&moto, &["plan", "--env", "local", "--json"]);
    assert_eq!(json.code(), 2, "{}", json.stderr());
    insta::assert_json_snapshot!("iam_broadening_json", redacted_plan(&json.stdout()));

    // strict: `--yes` alone is refused with exit 3 before anything is written
    let text = std::fs::read_to_string(ws.path().join("environments/local.yaml")).unwrap();
    ws.write_env(
        "local",
        &text
            .replace("protection: relaxed", "protection: strict")
            .replace("log_retention_days: 30", "log_retention_days: 365"),
    );
    let run = ws.dap_on(&moto, &["apply", "--env", "local", "--yes"]);
    assert_eq!(run.code(), 3, "{}\n{}", run.stdout(), run.stderr());
    assert!(
        run.stderr()
            .contains("`--yes` alone does not approve that; add `--approve-broadening`"),
        "{}",
        run.stderr()
    );
    assert!(!run.stdout().contains("created, "), "nothing was applied");

    // relaxed: `--yes` is enough
    ws.write_env("local", &text);
    let run = ws.dap_on(&moto, &["apply", "--env", "local", "--yes"]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    let run = ws.dap_on(&moto, &["plan", "--env", "local"]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
}

/// Delete one deployed stack behind dap's back (moto does not keep termination protection).
fn delete_stack(moto: &dap_moto::Moto, name: &str) {
    let script = r#"
import sys, boto3
cfn = boto3.client("cloudformation", endpoint_url=sys.argv[1], region_name="ca-central-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
cfn.delete_stack(StackName=sys.argv[2])
"#;
    let out = Command::new(repo().join(".venv/bin/python"))
        .args(["-c", script, moto.endpoint(), name])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_first_deploy_of_a_strict_environment_needs_no_broadening_approval_a_new_stack_later_does() {
    let moto = moto();
    let ws = Workspace::new();
    let text = std::fs::read_to_string(ws.path().join("environments/local.yaml")).unwrap();
    ws.write_env(
        "local",
        &text
            .replace("protection: relaxed", "protection: strict")
            .replace("log_retention_days: 30", "log_retention_days: 365"),
    );
    let run = ws.dap_on(&moto, &["plan", "--env", "local"]);
    assert_eq!(run.code(), 2, "{}\n{}", run.stdout(), run.stderr());
    assert!(
        run.stdout()
            .contains("policy statements; a first deploy: nothing deployed to broaden):"),
        "{}",
        run.stdout()
    );
    let run = ws.dap_on(&moto, &["apply", "--env", "local", "--yes"]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());

    // The monitoring stack is gone: planned again, its topic policy is new access to a
    // running platform, and strict wants it approved by name.
    delete_stack(&moto, "dap-local-monitoring");
    let run = ws.dap_on(&moto, &["plan", "--env", "local"]);
    assert_eq!(run.code(), 2, "{}\n{}", run.stdout(), run.stderr());
    assert!(
        run.stdout().contains(
            "grants of 1 new stack (2 policy statements; 1 broadening: new access to the deployed platform, listed with `-v`):"
        ),
        "{}",
        run.stdout()
    );
    let run = ws.dap_on(&moto, &["apply", "--env", "local", "--yes"]);
    assert_eq!(run.code(), 3, "{}\n{}", run.stdout(), run.stderr());
    assert!(
        run.stderr().contains("`--approve-broadening`"),
        "{}",
        run.stderr()
    );
    let run = ws.dap_on(
        &moto,
        &["apply", "--env", "local", "--yes", "--approve-broadening"],
    );
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
}

#[test]
fn the_plan_in_markdown_shows_every_kind_of_change_for_a_pull_request() {
    let moto = moto();
    let ws = Workspace::new();
    let run = ws.dap_on(&moto, &["apply", "--env", "local", "--yes"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    // A removal and a replacement the guard blocks, a broadening, a stack to create, and an
    // in-place change of every log group's retention.
    deploy_an_extra_log_group(&moto, true);
    deploy_a_narrower_policy(&moto);
    delete_stack(&moto, "dap-local-monitoring");
    let text = std::fs::read_to_string(ws.path().join("environments/local.yaml")).unwrap();
    ws.write_env(
        "local",
        &text.replace("log_retention_days: 30", "log_retention_days: 60"),
    );
    let run = ws.dap_on(&moto, &["plan", "--env", "local", "--format", "markdown"]);
    assert_eq!(run.code(), 3, "{}\n{}", run.stdout(), run.stderr());
    let md = run.stdout();
    // The summary line comes first, with the blocked and broadening counts.
    let summary = md.lines().nth(2).unwrap();
    assert!(
        summary.starts_with("**") && summary.contains("to add"),
        "{md}"
    );
    assert!(
        summary.contains("blocked") && summary.contains("broadening"),
        "{md}"
    );
    for kind in [
        "| + |",
        "| ~ |",
        "| − |",
        "**BLOCKED**",
        "**broadening**",
        "**replaced**",
    ] {
        assert!(md.contains(kind), "`{kind}` missing:\n{md}");
    }
    assert_eq!(
        md.matches("<details>").count(),
        md.matches("</details>").count()
    );
    insta::assert_snapshot!("every_kind_of_change_markdown", md);
    // `--json` and `--format json` are one document.
    let a = ws.dap_on(&moto, &["plan", "--env", "local", "--json"]);
    let b = ws.dap_on(&moto, &["plan", "--env", "local", "--format", "json"]);
    assert_eq!(redacted_plan(&a.stdout()), redacted_plan(&b.stdout()));
    // Both at once is a usage error.
    let both = ws.dap_on(
        &moto,
        &["plan", "--env", "local", "--json", "--format", "text"],
    );
    assert_eq!(both.code(), 64, "{}", both.stderr());
}
