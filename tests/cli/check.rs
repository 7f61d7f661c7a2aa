//! `dap check`.

use std::path::Path;

use crate::harness::{repo, Workspace};

const ENVS: [&str; 4] = ["dev", "local", "prod", "staging"];

#[test]
fn every_shipped_environment_is_clean_but_for_the_documented_exception() {
    let ws = Workspace::new();
    let run = ws.dap(&["check", "--all"]);
    assert_eq!(run.code(), 0, "{}{}", run.stdout(), run.stderr());
    let out = run.stdout();
    for env in ENVS {
        assert!(out.contains(&format!("{env}: ")), "{out}");
        assert!(
            out.contains(&format!(
                "suppressed DAP-S3-007 bucket-access-not-logged: dap-{env}-storage/AccessLogsBucket (storage.yaml:"
            )),
            "{out}"
        );
    }
    assert_eq!(
        out.matches("0 errors, 0 warnings, 0 notes, 1 suppressed")
            .count(),
        4,
        "{out}"
    );
    assert!(
        out.contains("reason (resource metadata): the access-log bucket"),
        "{out}"
    );
    // dev, staging and prod have a deploy role: their bootstrap templates are checked too,
    // clean but for the documented suppression of resources the deploy role cannot name.
    for env in ["dev", "staging", "prod"] {
        assert!(
            out.contains(&format!("{env} (bootstrap): 1 templates")),
            "{out}"
        );
        assert!(
            out.contains(&format!(
                "suppressed DAP-IAM-002 policy-allows-data-action-on-any-resource: dap-{env}-bootstrap/DeployPolicy1"
            )),
            "{out}"
        );
    }
    assert!(
        out.contains("reason (resource metadata): the deploy role creates the platform's resources through CloudFormation"),
        "{out}"
    );
    assert!(
        out.contains("7 targets checked: no error findings"),
        "{out}"
    );
}

/// Render an environment into `<ws>/<dir>/<env>/` and return that folder. The bootstrap
/// template `render` also writes (`<dir>/bootstrap/<env>.yaml`) is removed: these tests are
/// about the platform's stacks (`every_shipped_environment_is_clean_...` checks it).
fn render(ws: &Workspace, env: &str, dir: &str) -> std::path::PathBuf {
    let run = ws.dap(&["render", "--env", env, "--out", dir]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let bootstrap = ws.path().join(dir).join("bootstrap");
    if bootstrap.exists() {
        std::fs::remove_dir_all(bootstrap).unwrap();
    }
    ws.path().join(dir).join(env)
}

/// Replace the first occurrence of `from` (which must be there) in a template file.
fn break_file(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "`{from}` not in {file}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn a_hand_broken_copy_of_each_environment_is_caught_on_a_template_folder() {
    let ws = Workspace::new();
    for env in ENVS {
        let dir = render(&ws, env, "rendered");
        // The unbroken copy passes as a folder of templates, too, but for the log groups
        // where the environment keeps logs under what a folder of templates needs
        // (DAP-LOGS-002: 365 days for the trail's, 90 for the others; `dev` and `local` say
        // 30 days, so the trail's and the five Glue groups; `staging` 90, so the trail's).
        let clean = ws.dap(&["check", "--templates", dir.to_str().unwrap()]);
        let short_retention = env != "prod";
        assert_eq!(
            clean.code(),
            if short_retention { 3 } else { 0 },
            "{env}: {}{}",
            clean.stdout(),
            clean.stderr()
        );
        if short_retention {
            let out = clean.stdout();
            assert!(
                out.lines().any(|l| l.contains("  error DAP-LOGS-002 ")
                    && l.contains(&format!(": dap-{env}-audit/TrailLogGroup ("))),
                "{env}: {out}"
            );
            let summary = if env == "staging" {
                "1 error, 0 warnings, 0 notes, 1 suppressed"
            } else {
                "6 errors, 0 warnings, 0 notes, 1 suppressed"
            };
            assert!(out.contains(summary), "{env}: {out}");
        }
        // `dap render`'s manifest names the stacks (as `check --env` does); it is read, not
        // reported as a skipped file.
        assert!(
            !clean.stdout().contains("skipped"),
            "manifest.json is read for the stack names: {}",
            clean.stdout()
        );

        // A public bucket, an `s3:*` allow, a trail without validation, a key without
        // rotation, a log group without retention.
        break_file(
            &dir,
            "storage.yaml",
            "BlockPublicPolicy: true",
            "BlockPublicPolicy: false",
        );
        break_file(&dir, "access.yaml", "- s3:ListBucket", "- s3:*");
        break_file(
            &dir,
            "audit.yaml",
            "EnableLogFileValidation: true",
            "EnableLogFileValidation: false",
        );
        break_file(
            &dir,
            "security.yaml",
            "EnableKeyRotation: true",
            "EnableKeyRotation: false",
        );
        let audit = std::fs::read_to_string(dir.join("audit.yaml")).unwrap();
        let retention = audit
            .lines()
            .find(|l| l.trim_start().starts_with("RetentionInDays:"))
            .unwrap();
        break_file(&dir, "audit.yaml", &format!("{retention}\n"), "");

        let run = ws.dap(&["check", "--templates", dir.to_str().unwrap()]);
        assert_eq!(run.code(), 3, "{env}: {}{}", run.stdout(), run.stderr());
        let out = run.stdout();
        for (code, stack, id) in [
            ("DAP-S3-001", "storage", "LandingBucket"),
            ("DAP-IAM-001", "access", "GlueCleanRolePolicy"),
            ("DAP-CT-002", "audit", "Trail"),
            ("DAP-KMS-001", "security", "DataKey"),
            ("DAP-LOGS-002", "audit", "TrailLogGroup"),
        ] {
            let reported = out.lines().any(|l| {
                l.contains(&format!("  error {code} "))
                    && l.contains(&format!(": dap-{env}-{stack}/{id} ("))
            });
            assert!(
                reported,
                "{env}: {code} on {stack}/{id} not reported:\n{out}"
            );
        }
        // And in `dev` and `local`, the five Glue log groups kept 30 days.
        let summary = if env == "dev" || env == "local" {
            "10 errors, 0 warnings, 0 notes, 1 suppressed"
        } else {
            "5 errors, 0 warnings, 0 notes, 1 suppressed"
        };
        assert!(out.contains(summary), "{env}: {out}");
    }
}

#[test]
fn json_output_is_the_reports_as_data() {
    let ws = Workspace::new();
    let run = ws.dap(&["check", "--env", "prod", "--format", "json"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let v: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    let report = &v[0];
    assert_eq!(report["target"], "prod");
    assert_eq!(report["templates"], 8);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1);
    let f = &findings[0];
    assert_eq!(f["code"], "DAP-S3-007");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["stack"], "dap-prod-storage");
    assert_eq!(f["logical_id"], "AccessLogsBucket");
    assert_eq!(f["suppressed"]["source"]["kind"], "metadata");
    assert!(f["fix"].as_str().unwrap().contains("LoggingConfiguration"));
}

/// The SARIF 2.1.0 properties code-scanning tools require, checked on a log with an error
/// finding and a suppressed one.
#[test]
fn sarif_output_has_the_required_structure() {
    let ws = Workspace::new();
    let dir = render(&ws, "dev", "rendered");
    break_file(
        &dir,
        "security.yaml",
        "EnableKeyRotation: true",
        "EnableKeyRotation: false",
    );
    let run = ws.dap(&["check", "--templates", "rendered", "--format", "sarif"]);
    assert_eq!(run.code(), 3, "{}", run.stderr());
    let log: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"]
        .as_str()
        .unwrap()
        .contains("sarif-schema-2.1.0"));
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "dap");
    let rules = driver["rules"].as_array().unwrap();
    assert!(rules.len() >= 40);
    for r in rules {
        let id = r["id"].as_str().unwrap();
        assert!(id.starts_with("DAP-"), "{id}");
        assert!(
            !r["shortDescription"]["text"].as_str().unwrap().is_empty(),
            "{id}"
        );
        assert!(r["help"]["text"]
            .as_str()
            .unwrap()
            .contains(&format!("docs/rules/{id}.md")));
        assert!(r["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("## What it checks"));
        assert!(["error", "warning", "note"]
            .contains(&r["defaultConfiguration"]["level"].as_str().unwrap()));
    }
    let results = runs[0]["results"].as_array().unwrap();
    // The key without rotation, dev's six 30-day log groups (a folder of templates needs 365
    // days for the trail's, 90 for the Glue ones) and the suppressed access-log bucket.
    assert_eq!(results.len(), 8, "{results:#?}");
    assert!(
        results
            .iter()
            .any(|r| r["ruleId"] == "DAP-LOGS-002" && r["level"] == "error"),
        "{results:#?}"
    );
    for res in results {
        let id = res["ruleId"].as_str().unwrap();
        let index = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], id, "ruleIndex points at the rule");
        assert!(["error", "warning", "note"].contains(&res["level"].as_str().unwrap()));
        assert!(!res["message"]["text"].as_str().unwrap().is_empty());
        let loc = &res["locations"][0];
        let uri = loc["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(
            uri.starts_with("rendered/dev/") && uri.ends_with(".yaml"),
            "{uri}"
        );
        assert!(ws.path().join(uri).exists(), "{uri}");
        assert!(
            loc["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
                >= 1
        );
        assert!(loc["logicalLocations"][0]["name"].is_string());
    }
    let key = results
        .iter()
        .find(|r| r["ruleId"] == "DAP-KMS-001")
        .unwrap();
    assert_eq!(key["level"], "error");
    assert!(key.get("suppressions").is_none());
    let line = key["locations"][0]["physicalLocation"]["region"]["startLine"]
        .as_u64()
        .unwrap();
    let text = std::fs::read_to_string(dir.join("security.yaml")).unwrap();
    assert_eq!(
        text.lines().nth(line as usize - 1).unwrap().trim(),
        "DataKey:"
    );
    let logs = results
        .iter()
        .find(|r| r["ruleId"] == "DAP-S3-007")
        .unwrap();
    assert_eq!(logs["suppressions"][0]["kind"], "inSource");
    assert!(logs["suppressions"][0]["justification"]
        .as_str()
        .unwrap()
        .contains("cannot log to itself"));
}

#[test]
fn an_environment_suppression_is_shown_and_one_that_matches_nothing_blocks() {
    let ws = Workspace::new();
    let dev = std::fs::read_to_string(repo().join("environments/dev.yaml")).unwrap();
    let used = "\nsuppressions:\n  - rule: DAP-S3-007\n    stack: storage\n    resource: AccessLogsBucket\n    reason: also accepted by this environment\n";
    ws.write_env("dev", &format!("{dev}{used}"));
    let run = ws.dap(&["check", "--env", "dev"]);
    assert_eq!(run.code(), 0, "{}{}", run.stdout(), run.stderr());

    let stale = "  - rule: DAP-S3-007\n    stack: storage\n    resource: RawBucket\n    reason: the raw zone is written by Glue only\n  - rule: DAP-IAM-002\n    stack: reporting\n    resource: ReportingHostRolePolicy\n    reason: dev has no reporting host\n";
    ws.write_env("dev", &format!("{dev}{used}{stale}"));
    let run = ws.dap(&["check", "--env", "dev"]);
    assert_eq!(run.code(), 3, "{}{}", run.stdout(), run.stderr());
    let out = run.stdout();
    assert!(
        out.contains("error DAP-SUP-001 suppression-matches-nothing: dap-dev-storage/RawBucket"),
        "{out}"
    );
    assert!(
        out.contains("(environment file `suppressions[1]`) matches no finding"),
        "{out}"
    );
    assert!(
        out.contains("names stack `reporting`, which is not checked here"),
        "{out}"
    );
    assert!(
        out.contains("2 errors, 0 warnings, 0 notes, 1 suppressed"),
        "{out}"
    );
}

#[test]
fn an_empty_folder_is_an_error_and_each_unreadable_file_is_a_finding() {
    let ws = Workspace::new();
    std::fs::create_dir(ws.path().join("empty")).unwrap();
    let run = ws.dap(&["check", "--templates", "empty"]);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("no templates"), "{}", run.stderr());

    // A folder of dev's templates with one broken copy, a duplicated logical id, several
    // documents, binary bytes, a link out of the folder and a link loop: each bad file is a
    // finding, the good templates are still checked, the walk ends.
    let dir = render(&ws, "dev", "bad");
    std::fs::write(dir.join("broken.yaml"), "Resources: [unclosed\n").unwrap();
    std::fs::write(
        dir.join("twin.yaml"),
        "Resources:\n  Twin:\n    Type: AWS::SNS::Topic\n  Twin:\n    Type: AWS::S3::Bucket\n",
    )
    .unwrap();
    std::fs::write(dir.join("multi.yaml"), "a: 1\n---\nResources: {}\n").unwrap();
    std::fs::write(dir.join("bin.json"), [0xff_u8, 0xfe, 0x00, 0x41]).unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("/etc", dir.join("outside")).unwrap();
        std::os::unix::fs::symlink("..", dir.join("loop")).unwrap();
    }
    let run = ws.dap(&["check", "--templates", "bad", "--format", "json"]);
    assert_eq!(run.code(), 3, "{}", run.stderr());
    let reports: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    let report = &reports[0];
    assert_eq!(
        report["templates"], 7,
        "dev's seven stacks are still checked"
    );
    let unreadable: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "DAP-TPL-001")
        .collect();
    let files: Vec<&str> = unreadable
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    for bad in ["broken.yaml", "twin.yaml", "multi.yaml", "bin.json"] {
        assert!(files.iter().any(|f| f.ends_with(bad)), "{bad}: {files:?}");
    }
    let twin = unreadable
        .iter()
        .find(|f| f["file"].as_str().unwrap().ends_with("twin.yaml"))
        .unwrap();
    assert_eq!(twin["logical_id"], "Twin");
    assert_eq!(twin["line"], 4, "the duplicate's own line");
    #[cfg(unix)]
    assert!(
        report["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s.as_str().unwrap().contains("a link out of the folder")),
        "{report:#}"
    );

    let run = ws.dap(&["check"]);
    assert_eq!(
        run.code(),
        64,
        "clap refuses a missing selection (usage error)"
    );
}

/// With `--env`, findings point at the environment file without a line: the line a finding
/// carries is the rendered template's, which the environment file does not have.
#[test]
fn sarif_for_an_environment_points_at_its_file_without_a_template_line() {
    let ws = Workspace::new();
    let run = ws.dap(&["check", "--env", "dev", "--format", "sarif"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let log: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty(), "the suppressed access-log finding");
    for r in results {
        let physical = &r["locations"][0]["physicalLocation"];
        assert!(
            physical["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .ends_with("dev.yaml"),
            "{physical}"
        );
        assert!(physical.get("region").is_none(), "{physical}");
    }
}
