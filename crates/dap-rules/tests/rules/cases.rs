//! One table: for every rule, a failing fixture template that the rule flags with its exact
//! code on the named resource, and a passing fixture with the same resource done right that
//! it does not flag. Fixtures are `tests/fixtures/<code>/{fail,pass}.yaml`, checked as a
//! folder of templates would be (`dap check --templates`). A rule that needs an environment's
//! facts has a file `environment` beside its fixtures naming a shipped environment; its
//! fixtures are then checked with that environment (`dap check --env`).
//!
//! Each row is its own test, named after the code (`dap_s3_001`), and snapshots the messages
//! its rule gives on the failing fixture in `tests/rules/snapshots/<code>.snap`, one
//! `<logical id>: <message>` a line, sorted. Review a change with `cargo insta review`; a
//! snapshot that no row produces fails `every_snapshot_belongs_to_a_rule_of_the_table`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use dap_rules::{check_templates, Report, Source};

/// One `#[test]` per row, named after the rule's code, and `TABLE`, the same rows as
/// (rule code, the logical id its failing fixture is flagged on) for the tests over all rules.
macro_rules! rule_cases {
    ($($test:ident: $code:literal on $id:literal),+ $(,)?) => {
        /// (rule code, the logical id its failing fixture is flagged on)
        const TABLE: &[(&str, &str)] = &[$(($code, $id)),+];

        $(
            #[test]
            fn $test() {
                assert_eq!(
                    stringify!($test),
                    $code.to_lowercase().replace('-', "_"),
                    "a test named after its code"
                );
                rule_flags_its_failing_fixture_and_not_its_passing_one($code, $id);
            }
        )+
    };
}

rule_cases! {
    dap_s3_001: "DAP-S3-001" on "LandingBucket",
    dap_s3_002: "DAP-S3-002" on "RawBucket",
    dap_s3_003: "DAP-S3-003" on "RawBucket",
    dap_s3_004: "DAP-S3-004" on "CuratedBucket",
    dap_s3_005: "DAP-S3-005" on "AssetsBucket",
    dap_s3_006: "DAP-S3-006" on "LandingBucket",
    dap_s3_007: "DAP-S3-007" on "TrailLogsBucket",
    dap_s3_008: "DAP-S3-008" on "AssetsBucket",
    dap_kms_001: "DAP-KMS-001" on "DataKey",
    dap_kms_002: "DAP-KMS-002" on "DataKey",
    dap_kms_003: "DAP-KMS-003" on "DataKey",
    dap_kms_004: "DAP-KMS-004" on "LogsKey",
    dap_kms_005: "DAP-KMS-005" on "LogsKey",
    dap_kms_006: "DAP-KMS-006" on "LogsKey",
    dap_iam_001: "DAP-IAM-001" on "DataEngineerRolePolicy",
    dap_iam_002: "DAP-IAM-002" on "AuditorRole",
    dap_iam_003: "DAP-IAM-003" on "DataEngineerRolePolicy",
    dap_iam_004: "DAP-IAM-004" on "GlueCleanRole",
    dap_iam_005: "DAP-IAM-005" on "ReportUploader",
    dap_iam_006: "DAP-IAM-006" on "UploaderPolicy",
    dap_iam_007: "DAP-IAM-007" on "AnalystRole",
    dap_iam_008: "DAP-IAM-008" on "CuratedBucketPolicy",
    dap_iam_009: "DAP-IAM-009" on "AnalystRolePolicy",
    dap_ct_001: "DAP-CT-001" on "Trail",
    dap_ct_002: "DAP-CT-002" on "Trail",
    dap_ct_003: "DAP-CT-003" on "Trail",
    dap_ct_004: "DAP-CT-004" on "Trail",
    dap_ct_005: "DAP-CT-005" on "Trail",
    dap_ct_006: "DAP-CT-006" on "Trail",
    dap_logs_001: "DAP-LOGS-001" on "TrailLogGroup",
    dap_logs_002: "DAP-LOGS-002" on "TrailLogGroup",
    dap_cw_001: "DAP-CW-001" on "CisRootAccountUsageAlarm",
    dap_cw_002: "DAP-CW-002" on "Trail",
    dap_sns_001: "DAP-SNS-001" on "AlarmTopic",
    dap_sns_002: "DAP-SNS-002" on "AlarmTopic",
    dap_glue_001: "DAP-GLUE-001" on "BusinessLicencesCrawler",
    dap_glue_002: "DAP-GLUE-002" on "GlueSecurityConfiguration",
    dap_glue_003: "DAP-GLUE-003" on "BusinessLicencesCleanJob",
    dap_glue_004: "DAP-GLUE-004" on "DataEngineerRolePolicy",
    dap_glue_005: "DAP-GLUE-005" on "BusinessLicencesCleanJob",
    dap_ath_001: "DAP-ATH-001" on "Workgroup",
    dap_ath_002: "DAP-ATH-002" on "Workgroup",
    dap_ath_003: "DAP-ATH-003" on "Workgroup",
    dap_ath_004: "DAP-ATH-004" on "Workgroup",
    dap_ec2_001: "DAP-EC2-001" on "ReportingLaunchTemplate",
    dap_ec2_002: "DAP-EC2-002" on "ReportingLaunchTemplate",
    dap_ec2_003: "DAP-EC2-003" on "ReportingLaunchTemplate",
    dap_ec2_004: "DAP-EC2-004" on "ReportingSecurityGroup",
    dap_data_001: "DAP-DATA-001" on "CuratedBucket",
    dap_tpl_001: "DAP-TPL-001" on "RawBucket",
    dap_sup_001: "DAP-SUP-001" on "AccessLogsBucket",
    dap_sup_002: "DAP-SUP-002" on "AccessLogsBucket",
}

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

/// The snapshots' settings: `tests/rules/snapshots/<code>.snap`, described by the fixture they come from.
fn snapshot_settings(code: &str) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("snapshots");
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s.set_description(format!(
        "{code} findings on tests/fixtures/{code}/fail.yaml, one `<logical id>: <message>` a line"
    ));
    s
}

/// The rule flags its failing fixture on `id` with its severity and fix, its messages there
/// are the snapshot `<code>`, and it does not flag its passing fixture, which has `id` too.
fn rule_flags_its_failing_fixture_and_not_its_passing_one(code: &str, id: &str) {
    let (_, fail) = check_fixture(code, "fail");
    let hit = fail
        .findings
        .iter()
        .find(|f| f.code == code && f.logical_id == id)
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

    let mut lines: Vec<String> = fail
        .findings
        .iter()
        .filter(|f| f.code == code)
        .map(|f| format!("{}: {}", f.logical_id, f.message))
        .collect();
    lines.sort();
    snapshot_settings(code).bind(|| insta::assert_snapshot!(code, lines.join("\n")));

    let (text, pass) = check_fixture(code, "pass");
    let wrong: Vec<_> = pass.findings.iter().filter(|f| f.code == code).collect();
    assert!(
        wrong.is_empty(),
        "{code}: the passing fixture is flagged: {wrong:#?}"
    );
    assert!(
        text.contains(&format!("\n  {id}:\n")),
        "{code}: the passing fixture has no `{id}` to compare with"
    );
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
    let declared: Vec<&str> = include_str!("../../src/codes.rs")
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

/// A rule file that is not registered is not even compiled: nothing else would notice it.
#[test]
fn every_rule_file_is_registered_and_every_group_has_a_title() {
    let registered: BTreeSet<String> = dap_rules::rules::all()
        .iter()
        .map(|r| {
            let source = r.meta().source;
            source.rsplit('/').next().unwrap_or(source).to_owned()
        })
        .collect();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
    let files: BTreeSet<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".rs") && f != "mod.rs")
        .collect();
    assert_eq!(
        files, registered,
        "every src/rules/<name>.rs is in `register!`"
    );
    for r in dap_rules::rules::all() {
        let m = r.meta();
        assert_ne!(
            dap_rules::docs::group_title(m.group()),
            "Other",
            "{}: give group `{}` a title in dap-rules' docs.rs (and a line in codes.rs)",
            m.code,
            m.group()
        );
    }
}
