//! What the environment adds when it is known (`check_rendered`): its facts (protection,
//! retention, region, bucket names) and its suppressions, each matched or reported.

use dap_config::{Environment, Suppression};
use dap_planner::Rendered;
use dap_rules::{
    check_rendered, check_sources, check_templates, Report, Source, SuppressionSource,
};

fn load(name: &str) -> (Environment, Rendered) {
    crate::common::shipped()
        .into_iter()
        .find(|(e, _)| e.name == name)
        .unwrap()
}

/// Replace `from` (which must be there) in a stack's rendered YAML (checked as text with
/// [`check_text`]).
fn edit(r: &mut Rendered, slug: &str, from: &str, to: &str) {
    let s = r.stacks.iter_mut().find(|s| s.kind.slug() == slug).unwrap();
    assert!(s.yaml.contains(from), "`{from}` not in {slug}");
    s.yaml = s.yaml.replacen(from, to, 1);
}

fn codes(report: &Report) -> Vec<(&str, &str, &str)> {
    report
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .map(|f| (f.code, f.slug.as_str(), f.logical_id.as_str()))
        .collect()
}

/// The rendered text checked with the environment, as `check_rendered` checks the trees.
fn check_text(env: &Environment, r: &Rendered) -> Report {
    let files = dap_rules::files(r);
    check_sources(&env.name, &dap_rules::sources(r, &files), Some(env)).unwrap()
}

/// The same text checked as a folder of templates, without the environment.
fn without_env(r: &Rendered) -> Report {
    let files = dap_rules::files(r);
    check_templates("folder", &dap_rules::sources(r, &files)).unwrap()
}

fn suppression(rule: &str, stack: &str, resource: &str) -> Suppression {
    Suppression {
        rule: rule.into(),
        stack: stack.into(),
        resource: resource.into(),
        reason: format!("accepted in this test ({rule})"),
    }
}

#[test]
fn a_short_log_retention_is_an_error_only_where_the_environment_is_strict() {
    let (env, mut r) = load("prod");
    edit(
        &mut r,
        "audit",
        "RetentionInDays: 731",
        "RetentionInDays: 90",
    );
    let report = check_text(&env, &r);
    assert_eq!(codes(&report), [("DAP-LOGS-002", "audit", "TrailLogGroup")]);
    assert!(report
        .findings
        .iter()
        .any(|f| f.message.contains("`strict`")));
    let folder = without_env(&r);
    assert_eq!(
        codes(&folder),
        [("DAP-LOGS-002", "audit", "TrailLogGroup")],
        "a folder of templates has no protection level, but the trail's log group needs 365 days"
    );
    assert!(
        folder
            .findings
            .iter()
            .all(|f| !f.message.contains("`strict`")),
        "{folder:#?}"
    );

    let (env, mut r) = load("dev");
    edit(&mut r, "audit", "RetentionInDays: 30", "RetentionInDays: 7");
    let report = check_text(&env, &r);
    assert_eq!(codes(&report), [("DAP-LOGS-002", "audit", "TrailLogGroup")]);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.message.contains("the environment's 30")),
        "{report:#?}"
    );
}

#[test]
fn a_folder_of_rendered_templates_needs_the_baseline_log_retention() {
    // Without the environment nothing says a shorter retention is accepted: the trail's log
    // group needs 365 days, the Glue ones 90. `dev`, `local` (30) and `staging` (90) say less
    // for the trail's, `dev` and `local` for the Glue ones too; `prod` (731) not.
    for (env, r) in crate::common::shipped() {
        let folder = without_env(&r);
        let days = env.retention.log_retention_days;
        let mut glue_groups = vec![("catalog".to_owned(), "CrawlerLogGroup".to_owned())];
        for dataset in env.datasets.keys() {
            for job in ["Clean", "Curate"] {
                for stream in ["Error", "Output"] {
                    glue_groups.push((
                        "analytics".to_owned(),
                        format!(
                            "{}{job}{stream}LogGroup",
                            dap_planner::names::id_part(dataset)
                        ),
                    ));
                }
            }
        }
        let mut expected: Vec<(&str, &str, &str)> = Vec::new();
        if days < 365 {
            expected.push(("DAP-LOGS-002", "audit", "TrailLogGroup"));
        }
        if days < 90 {
            expected.extend(
                glue_groups
                    .iter()
                    .map(|(stack, id)| ("DAP-LOGS-002", stack.as_str(), id.as_str())),
            );
        }
        assert_eq!(codes(&folder), expected, "{}: {folder:#?}", env.name);
        assert_eq!(
            folder.summary(),
            format!(
                "{} error{}, 0 warnings, 0 notes, 1 suppressed",
                expected.len(),
                if expected.len() == 1 { "" } else { "s" }
            ),
            "{}",
            env.name
        );
        assert!(
            codes(&check_text(&env, &r)).is_empty(),
            "{}: with the environment, its retention is accepted",
            env.name
        );
    }
}

#[test]
fn landing_objects_expire_after_the_environments_retention() {
    let (mut env, r) = load("dev");
    assert!(check_rendered(&env, &r)
        .findings
        .iter()
        .all(|f| f.suppressed.is_some()));
    env.retention.landing_expiry_days = 8;
    let report = check_rendered(&env, &r);
    assert_eq!(codes(&report), [("DAP-S3-006", "storage", "LandingBucket")]);
    assert!(report.findings.iter().any(|f| f
        .message
        .contains("after 7 days, but the environment says 8")));
}

#[test]
fn the_logs_service_grant_must_name_the_environments_region() {
    let (env, mut r) = load("staging");
    edit(
        &mut r,
        "security",
        "Service:\n            - logs.ca-central-1.amazonaws.com",
        "Service:\n            - logs.us-east-1.amazonaws.com",
    );
    let report = check_text(&env, &r);
    assert_eq!(codes(&report), [("DAP-KMS-004", "security", "LogsKey")]);
    let message = &report
        .findings
        .iter()
        .find(|f| f.code == "DAP-KMS-004")
        .unwrap()
        .message;
    assert!(
        message.contains("`dap-staging-audit/TrailLogGroup`"),
        "{message}"
    );
    assert!(
        message.contains("`dap-staging-catalog/GlueSecurityConfiguration`"),
        "{message}"
    );
    assert!(
        message.contains("logs.ca-central-1.amazonaws.com"),
        "{message}"
    );
}

#[test]
fn key_grants_are_followed_across_stacks_through_the_ssm_parameters() {
    let (env, mut r) = load("prod");
    edit(
        &mut r,
        "security",
        "            - cloudwatch.amazonaws.com\n",
        "",
    );
    let report = check_text(&env, &r);
    assert_eq!(
        codes(&report),
        [("DAP-KMS-004", "security", "LogsKey")],
        "{report:#?}"
    );
    let message = &report
        .findings
        .iter()
        .find(|f| f.code == "DAP-KMS-004")
        .unwrap()
        .message;
    assert!(
        message.contains("`dap-prod-monitoring/AlarmTopic`")
            && message.contains("cloudwatch.amazonaws.com"),
        "{message}"
    );
}

#[test]
fn the_trail_must_cover_every_data_zone() {
    let (env, mut r) = load("local");
    edit(
        &mut r,
        "audit",
        "          - arn:aws:s3:::dap-local-curated-123456789012-ca-central-1/\n",
        "",
    );
    let report = check_text(&env, &r);
    assert_eq!(codes(&report), [("DAP-CT-005", "audit", "Trail")]);
    let f = report
        .findings
        .iter()
        .find(|f| f.code == "DAP-CT-005")
        .unwrap();
    assert!(
        f.message
            .contains("dap-local-curated-123456789012-ca-central-1"),
        "{}",
        f.message
    );
}

#[test]
fn a_dropped_cis_filter_is_caught() {
    let (env, mut r) = load("dev");
    edit(
        &mut r,
        "monitoring",
        "($.eventName = StopLogging)",
        "($.eventName = StartLogging)",
    );
    let report = check_text(&env, &r);
    assert_eq!(codes(&report), [("DAP-CW-002", "audit", "Trail")]);
    let f = report
        .findings
        .iter()
        .find(|f| f.code == "DAP-CW-002")
        .unwrap();
    assert!(
        f.message
            .contains("4.5 CloudTrail configuration changes (no filter)"),
        "{}",
        f.message
    );
}

#[test]
fn an_environment_suppression_accepts_its_finding_and_says_why() {
    let (mut env, mut r) = load("prod");
    edit(
        &mut r,
        "audit",
        "RetentionInDays: 731",
        "RetentionInDays: 90",
    );
    env.suppressions
        .push(suppression("DAP-LOGS-002", "audit", "TrailLogGroup"));
    let report = check_text(&env, &r);
    assert!(!report.has_errors(), "{report:#?}");
    let f = report
        .findings
        .iter()
        .find(|f| f.code == "DAP-LOGS-002")
        .unwrap();
    let s = f.suppressed.as_ref().unwrap();
    assert_eq!(s.source, SuppressionSource::Environment { index: 0 });
    assert_eq!(s.reason, "accepted in this test (DAP-LOGS-002)");
    assert_eq!(report.suppressed(), 2);
}

#[test]
fn every_suppression_that_matches_nothing_is_an_error_saying_why() {
    let (mut env, r) = load("dev");
    env.suppressions = vec![
        suppression("DAP-S3-099", "storage", "RawBucket"),
        suppression("DAP-S3-007", "storage", "NoSuchBucket"),
        suppression("DAP-EC2-001", "reporting", "ReportingLaunchTemplate"),
        suppression("DAP-S3-007", "storage", "RawBucket"),
        // Redundant with the planner's metadata suppression, but it does match.
        suppression("DAP-S3-007", "storage", "AccessLogsBucket"),
    ];
    let report = check_rendered(&env, &r);
    assert!(report.has_errors());
    let sup: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.code == "DAP-SUP-001")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(sup.len(), 4, "{sup:#?}");
    let expect = [
        "(environment file `suppressions[0]`) names no rule: there is no `DAP-S3-099`",
        "(environment file `suppressions[1]`) names `NoSuchBucket`, which stack `dap-dev-storage` does not have",
        "(environment file `suppressions[2]`) names stack `reporting`, which is not checked here",
        "(environment file `suppressions[3]`) matches no finding: the rule finds nothing wrong with `RawBucket`",
    ];
    for e in expect {
        assert!(
            sup.iter().any(|m| m.contains(e)),
            "missing `{e}` in {sup:#?}"
        );
    }
}

#[test]
fn a_metadata_suppression_applies_to_its_own_resource_only() {
    let text = "Resources:
  RawBucket:
    Type: AWS::S3::Bucket
    Metadata:
      dap:
        suppress:
          - {rule: DAP-S3-004, reason: versioning is handled elsewhere in this test}
          - {rule: DAP-NOPE-001, reason: a typo}
    Properties: {BucketName: dap-dev-raw-111111111111-ca-central-1}
  CuratedBucket:
    Type: AWS::S3::Bucket
    Properties: {BucketName: dap-dev-curated-111111111111-ca-central-1}
";
    let source = Source {
        stack: "s",
        slug: "s",
        file: "s.yaml",
        text,
    };
    let report = check_templates("t", &[source]).unwrap();
    let versioning: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.code == "DAP-S3-004")
        .collect();
    assert_eq!(versioning.len(), 2);
    assert!(versioning[0].logical_id == "RawBucket" && versioning[0].suppressed.is_some());
    assert!(versioning[1].logical_id == "CuratedBucket" && versioning[1].suppressed.is_none());
    let typo = report
        .findings
        .iter()
        .find(|f| f.code == "DAP-SUP-001")
        .unwrap();
    assert_eq!(typo.logical_id, "RawBucket");
    assert!(
        typo.message.contains("there is no `DAP-NOPE-001`"),
        "{}",
        typo.message
    );
    // Findings come in resource order, then code order.
    let order: Vec<(&str, &str)> = report
        .findings
        .iter()
        .map(|f| (f.logical_id.as_str(), f.code))
        .collect();
    let mut sorted = order.clone();
    sorted.sort_by_key(|(id, code)| (*id != "RawBucket", *code));
    assert_eq!(order, sorted);
}
