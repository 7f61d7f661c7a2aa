//! One table: for every rule, a failing fixture template that the rule flags with its exact
//! code on the named resource, and a passing fixture with the same resource done right that
//! it does not flag. Fixtures are `tests/fixtures/<code>/{fail,pass}.yaml`, checked as a
//! folder of templates would be (`dap check --templates`). A rule that needs an environment's
//! facts has a file `environment` beside its fixtures naming a shipped environment; its
//! fixtures are then checked with that environment (`dap check --env`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use dap_rules::{check_templates, Report, Source};

/// (rule code, the logical id its failing fixture is flagged on)
const TABLE: &[(&str, &str)] = &[
    ("DAP-S3-001", "LandingBucket"),
    ("DAP-S3-002", "RawBucket"),
    ("DAP-S3-003", "RawBucket"),
    ("DAP-S3-004", "CuratedBucket"),
    ("DAP-S3-005", "AssetsBucket"),
    ("DAP-S3-006", "LandingBucket"),
    ("DAP-S3-007", "TrailLogsBucket"),
    ("DAP-S3-008", "AssetsBucket"),
    ("DAP-KMS-001", "DataKey"),
    ("DAP-KMS-002", "DataKey"),
    ("DAP-KMS-003", "DataKey"),
    ("DAP-KMS-004", "LogsKey"),
    ("DAP-KMS-005", "LogsKey"),
    ("DAP-IAM-001", "DataEngineerRolePolicy"),
    ("DAP-IAM-002", "AuditorRole"),
    ("DAP-IAM-003", "DataEngineerRolePolicy"),
    ("DAP-IAM-004", "GlueCleanRole"),
    ("DAP-IAM-005", "ReportUploader"),
    ("DAP-IAM-006", "UploaderPolicy"),
    ("DAP-IAM-007", "AnalystRole"),
    ("DAP-IAM-008", "CuratedBucketPolicy"),
    ("DAP-IAM-009", "AnalystRolePolicy"),
    ("DAP-CT-001", "Trail"),
    ("DAP-CT-002", "Trail"),
    ("DAP-CT-003", "Trail"),
    ("DAP-CT-004", "Trail"),
    ("DAP-CT-005", "Trail"),
    ("DAP-CT-006", "Trail"),
    ("DAP-LOGS-001", "TrailLogGroup"),
    ("DAP-LOGS-002", "TrailLogGroup"),
    ("DAP-CW-001", "CisRootAccountUsageAlarm"),
    ("DAP-CW-002", "Trail"),
    ("DAP-SNS-001", "AlarmTopic"),
    ("DAP-SNS-002", "AlarmTopic"),
    ("DAP-GLUE-001", "BusinessLicencesCrawler"),
    ("DAP-GLUE-002", "GlueSecurityConfiguration"),
    ("DAP-GLUE-003", "BusinessLicencesCleanJob"),
    ("DAP-ATH-001", "Workgroup"),
    ("DAP-ATH-002", "Workgroup"),
    ("DAP-ATH-003", "Workgroup"),
    ("DAP-ATH-004", "Workgroup"),
    ("DAP-EC2-001", "ReportingLaunchTemplate"),
    ("DAP-EC2-002", "ReportingLaunchTemplate"),
    ("DAP-EC2-003", "ReportingLaunchTemplate"),
    ("DAP-EC2-004", "ReportingSecurityGroup"),
    ("DAP-DATA-001", "CuratedBucket"),
    ("DAP-TPL-001", "RawBucket"),
    ("DAP-SUP-001", "AccessLogsBucket"),
    ("DAP-SUP-002", "AccessLogsBucket"),
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn check_fixture(code: &str, which: &str) -> (String, Report) {
    let file = format!("{code}/{which}.yaml");
    let text =
        std::fs::read_to_string(fixtures().join(&file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    let source = Source {
        stack: &file,
        slug: which,
        file: &file,
        text: &text,
    };
    let env_file = fixtures().join(code).join("environment");
    let report = match std::fs::read_to_string(&env_file) {
        Ok(name) => {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(format!("../../environments/{}.yaml", name.trim()));
            let env = dap_config::parse(
                &path.to_string_lossy(),
                &std::fs::read_to_string(&path).unwrap(),
            )
            .unwrap_or_else(|e| panic!("{e}"));
            dap_rules::check_sources(&file, &[source], Some(&env))
        }
        Err(_) => check_templates(&file, &[source]),
    }
    .unwrap_or_else(|e| panic!("{e}"));
    // An unreadable file is a finding, not a template.
    let unreadable = report.findings.iter().any(|f| f.code == "DAP-TPL-001");
    assert_eq!(
        report.templates + usize::from(unreadable),
        1,
        "{file} is not a template"
    );
    (text, report)
}

#[test]
fn every_rule_flags_its_failing_fixture_and_not_its_passing_one() {
    for (code, id) in TABLE {
        let (_, fail) = check_fixture(code, "fail");
        let hit = fail
            .findings
            .iter()
            .find(|f| f.code == *code && f.logical_id == *id)
            .unwrap_or_else(|| {
                panic!(
                    "{code}: the failing fixture is not flagged on `{id}`: {:#?}",
                    fail.findings
                )
            });
        assert!(hit.suppressed.is_none(), "{code}");
        assert!(hit.line.is_some(), "{code}: no line for `{id}`");
        assert!(
            !hit.message.is_empty() && !hit.message.ends_with('.'),
            "{code}: {}",
            hit.message
        );
        let rule = dap_rules::rules::by_code(code).unwrap().meta();
        assert_eq!(hit.severity, rule.severity);
        assert_eq!(hit.fix, rule.fix);

        let (text, pass) = check_fixture(code, "pass");
        let wrong: Vec<_> = pass.findings.iter().filter(|f| f.code == *code).collect();
        assert!(
            wrong.is_empty(),
            "{code}: the passing fixture is flagged: {wrong:#?}"
        );
        assert!(
            text.contains(&format!("\n  {id}:\n")),
            "{code}: the passing fixture has no `{id}` to compare with"
        );
    }
}

#[test]
fn the_table_covers_every_rule_and_every_fixture() {
    let table: Vec<&str> = TABLE.iter().map(|(c, _)| *c).collect();
    let registry: Vec<&str> = dap_rules::rules::all()
        .iter()
        .map(|r| r.meta().code)
        .collect();
    assert_eq!(table, registry, "one row per rule, in code order");
    let dirs: BTreeSet<String> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let codes: BTreeSet<String> = table.iter().map(|c| (*c).to_owned()).collect();
    assert_eq!(dirs, codes, "a fixture folder per rule and no other");
}

#[test]
fn the_registry_matches_the_codes() {
    // Every code declared in `codes.rs` belongs to exactly one registered rule.
    let declared: Vec<&str> = include_str!("../src/codes.rs")
        .lines()
        .filter_map(|l| l.split('"').nth(1))
        .filter(|c| c.starts_with("DAP-"))
        .collect();
    let mut registered: Vec<&str> = dap_rules::rules::all()
        .iter()
        .map(|r| r.meta().code)
        .collect();
    let mut sorted = declared.clone();
    sorted.sort_unstable();
    registered.sort_unstable();
    assert_eq!(sorted, registered, "codes.rs and the registry disagree");
    let mut names = BTreeSet::new();
    for r in dap_rules::rules::all() {
        let m = r.meta();
        assert!(names.insert(m.name), "name `{}` used twice", m.name);
        assert!(
            m.name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{}",
            m.name
        );
        assert!(
            m.source
                .ends_with(&format!("{}.rs", m.name.replace('-', "_"))),
            "{}: one file per rule, named after it",
            m.source
        );
    }
}

#[test]
fn every_rule_doc_has_its_sections_in_order() {
    for r in dap_rules::rules::all() {
        let m = r.meta();
        let doc = m.doc_text();
        let mut at = 0;
        for s in dap_rules::docs::SECTIONS {
            let heading = format!("\n## {s}\n");
            let i = doc[at..]
                .find(&heading)
                .unwrap_or_else(|| panic!("{}: no `## {s}` after the previous section", m.code));
            at += i + heading.len();
            assert!(
                !m.section(s).unwrap().is_empty(),
                "{}: `{s}` is empty",
                m.code
            );
        }
        assert_eq!(
            doc.matches("\n## ").count(),
            dap_rules::docs::SECTIONS.len(),
            "{}: other sections",
            m.code
        );
        assert!(
            !m.summary().is_empty() && m.summary().len() < 250,
            "{}: summary",
            m.code
        );
        let example = m.section("Example").unwrap();
        assert!(
            example.matches("```yaml").count() >= 2,
            "{}: a failing and a passing example",
            m.code
        );
        for (i, block) in example.split("```yaml").skip(1).enumerate() {
            let yaml = block.split("```").next().unwrap();
            let parsed = serde_yaml::from_str::<serde_yaml::Value>(yaml);
            // The unreadable-template rule's failing example is, by design, not one document.
            if m.code == "DAP-TPL-001" && i == 0 {
                assert!(parsed.is_err(), "{}: the failing example parses", m.code);
                continue;
            }
            parsed.unwrap_or_else(|e| panic!("{}: example is not YAML: {e}\n{yaml}", m.code));
        }
    }
}
