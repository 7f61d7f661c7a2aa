//! `dap verify` against a moto server: the text, the JSON document, the evidence report and
//! the exit code (2: moto's CloudFormation leaves out what verify then reports missing).

use crate::harness::{moto, Workspace};

#[test]
fn verify_reports_what_moto_left_out_as_text_json_and_evidence() {
    let moto = moto();
    let ws = Workspace::new();
    let run = ws.dap_on(&moto, &["apply", "--env", "local", "--yes"]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());

    let run = ws.dap_on(&moto, &["verify", "--env", "local"]);
    assert_eq!(run.code(), 2, "{}\n{}", run.stdout(), run.stderr());
    let out = run.stdout();
    assert!(
        out.starts_with("verify `local` (account 123456789012, ca-central-1) as "),
        "{out}"
    );
    assert!(
        out.contains(
            "  HIGH LIVE-CT-001 dap-local-trail: exists (model: a trail; live: (no such trail))"
        ),
        "{out}"
    );
    assert!(out.contains("fixes:\n"), "{out}");
    assert!(
        out.contains("  LIVE-CT-001: run `dap apply` to create the trail again"),
        "{out}"
    );
    assert!(out.contains("AWS calls in "), "{out}");
    assert!(
        out.lines()
            .last()
            .is_some_and(|l| l.starts_with("live differs from the model: ")),
        "{out}"
    );

    let report = ws.path().join("evidence");
    let run = ws.dap_on(
        &moto,
        &[
            "verify",
            "--env",
            "local",
            "--json",
            "--report",
            report.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code(), 2, "{}", run.stderr());
    let doc: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["environment"], "local");
    assert_eq!(doc["account_id"], "123456789012");
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(
        findings.len() as u64,
        doc["summary"]["findings"].as_u64().unwrap()
    );
    assert!(findings.iter().any(|f| f["code"] == "LIVE-CT-001"
        && f["resource"] == "dap-local-trail"
        && f["severity"] == "high"));
    let checks = doc["checks"].as_array().unwrap();
    assert!(checks
        .iter()
        .any(|c| c["code"] == "LIVE-IAM-003" && c["passed"] == true));
    assert_eq!(doc["calls"]["iam:GetAccountAuthorizationDetails"], 1);
    let md = std::fs::read_to_string(report.join("local/verify.md")).unwrap();
    assert!(md.starts_with("# Live verification of `local`"), "{md}");
    assert!(
        md.contains("| Result | **live differs from the model**"),
        "{md}"
    );
    assert!(
        md.contains("| high | LIVE-CT-001 | `dap-local-trail` |"),
        "{md}"
    );
    let html = std::fs::read_to_string(report.join("local/verify.html")).unwrap();
    assert!(
        html.contains("<title>dap local: live verification</title>"),
        "{html}"
    );
    assert!(run.stderr().contains("wrote "), "{}", run.stderr());
}
