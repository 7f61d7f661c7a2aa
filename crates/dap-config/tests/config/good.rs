//! Files that parse.

use dap_config::{bucket_name, Environment, Protection, BUCKET_ZONES};

use crate::common::{edit, ok, BASE, FILE};

#[test]
fn base_file_parses_with_its_values() {
    let env = ok(BASE);
    assert_eq!(env.name, "prod");
    assert_eq!(env.account_id, "333333333333");
    assert_eq!(env.protection, Protection::Strict);
    assert_eq!(env.datasets["business-licences"].years, [2023, 2024]);
    assert_eq!(env.retention.log_retention_days, 731);
    assert_eq!(env.principals.analyst.len(), 2);
    assert_eq!(env.budget.alert_thresholds_percent, [80, 100]);
    assert_eq!(env.glue.worker_type, "G.2X");
    assert_eq!(env.athena.bytes_scanned_cutoff, 107_374_182_400);
    assert!(env.reporting_host.enabled);
    assert_eq!(env.reporting_host.allowed_cidrs, ["10.20.0.0/16"]);
    assert_eq!(env.tags["Owner"], "data-platform-team@vancouver.ca");
    assert_eq!(env.suppressions.len(), 1);
    assert_eq!(env.suppressions[0].rule, "DAP-IAM-002");
    assert_eq!(env.suppressions[0].stack, "reporting");
    assert_eq!(env.suppressions[0].resource, "ReportingHostRolePolicy");
    assert_eq!(env.usage.storage_gb.logs, 5);
    assert_eq!(env.usage.requests_per_month.get, 200_000);
    assert_eq!(env.usage.job_minutes_per_run, 12);
    assert_eq!(env.usage.cloudtrail_data_events_per_month, 250_000);
}

const MINIMAL: &str = r#"
name: dev
account_id: "111111111111"
region: ca-central-1
prefix: dap-dev
protection: relaxed
datasets:
  business-licences:
    years: [2024]
principals:
  data_engineer: [arn:aws:iam::111111111111:role/data-engineer]
  analyst: [arn:aws:iam::111111111111:role/analyst]
  auditor: [arn:aws:iam::111111111111:root]
alarms:
  emails: [a@vancouver.ca]
budget:
  monthly_usd: 100
"#;

#[test]
fn omitted_keys_take_the_defaults_from_code() {
    let env = dap_config::parse("dev.yaml", MINIMAL).unwrap();
    assert_eq!(env.retention, dap_config::Retention::default());
    assert_eq!(env.glue, dap_config::Glue::default());
    assert_eq!(env.athena, dap_config::Athena::default());
    assert_eq!(env.usage, dap_config::Usage::default());
    assert_eq!(env.usage.storage_gb.landing, 2);
    assert_eq!(env.usage.job_minutes_per_run, 5);
    assert_eq!(env.reporting_host, dap_config::ReportingHost::default());
    assert_eq!(env.reporting_host.instance_type, "t3.small");
    assert_eq!(
        env.reporting_host.image,
        "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
    );
    assert_eq!(env.budget.alert_thresholds_percent, [80, 100]);
    assert_eq!(env.endpoint_url, None);
    assert!(env.tags.is_empty());
    assert!(env.suppressions.is_empty());
}

#[test]
fn the_defaults_themselves_are_valid() {
    // A disabled reporting host is not checked, so enable it with only the required ids.
    let text = format!(
        "{MINIMAL}reporting_host:\n  enabled: true\n  vpc_id: vpc-01234567\n  subnet_id: subnet-89abcdef\n"
    );
    let env = dap_config::parse("dev.yaml", &text).unwrap();
    assert_eq!(env.reporting_host.instance_type, "t3.small");
}

#[test]
fn a_partial_usage_section_keeps_the_other_defaults() {
    let text = format!("{MINIMAL}usage:\n  storage_gb:\n    raw: 40\n  queries_per_month: 0\n");
    let usage = dap_config::parse("dev.yaml", &text).unwrap().usage;
    let defaults = dap_config::Usage::default();
    assert_eq!(usage.storage_gb.raw, 40);
    assert_eq!(usage.storage_gb.landing, defaults.storage_gb.landing);
    assert_eq!(usage.queries_per_month, 0);
    assert_eq!(usage.requests_per_month, defaults.requests_per_month);
    assert_eq!(usage.job_minutes_per_run, defaults.job_minutes_per_run);
}

#[test]
fn yaml_variants_are_accepted() {
    // Flow style, quoted strings, comments, `!!str`, CRLF line endings, a document marker.
    let text = BASE
        .replace("name: prod", "name: 'prod' # quoted")
        .replace("region: ca-central-1", "region: !!str ca-central-1")
        .replace("  enabled: true", "  enabled: True")
        .replace('\n', "\r\n");
    let env = ok(&format!("---\r\n{text}...\r\n"));
    assert_eq!(env, ok(BASE));
}

#[test]
fn a_disabled_reporting_host_is_not_checked() {
    let text = edit("  enabled: true", "  enabled: false")
        .replace("  vpc_id: vpc-0a1b2c3d4e5f67890\n", "  vpc_id: not-a-vpc\n");
    assert!(!ok(&text).reporting_host.enabled);
}

#[test]
fn file_names_without_directories_work() {
    assert!(dap_config::parse("prod.yaml", BASE).is_ok());
    assert!(dap_config::parse("prod.yml", BASE).is_ok());
    assert!(dap_config::parse(FILE, BASE).is_ok());
}

#[test]
fn bucket_names() {
    let env = ok(BASE);
    let names: Vec<String> = BUCKET_ZONES.iter().map(|z| bucket_name(&env, z)).collect();
    assert_eq!(
        names,
        [
            "dap-prod-landing-333333333333-ca-central-1",
            "dap-prod-raw-333333333333-ca-central-1",
            "dap-prod-curated-333333333333-ca-central-1",
            "dap-prod-athena-results-333333333333-ca-central-1",
            "dap-prod-assets-333333333333-ca-central-1",
            "dap-prod-trail-logs-333333333333-ca-central-1",
            "dap-prod-access-logs-333333333333-ca-central-1",
        ]
    );
    // The longest prefix that still fits: 63 - len("-athena-results-333333333333-ca-central-1").
    let longest = "a".repeat(22);
    let env = ok(&edit("prefix: dap-prod", &format!("prefix: {longest}")));
    assert_eq!(bucket_name(&env, "athena-results").len(), 63);
}

fn shipped(name: &str) -> Environment {
    let e = dap_testkit::shipped_named(name);
    match dap_config::parse(&e.file, &e.text) {
        Ok(env) => env,
        Err(errors) => panic!("{} is invalid:\n{errors}", e.file),
    }
}

#[test]
fn shipped_environments_parse() {
    // Every file in environments/ is valid; the four below are checked field by field.
    for e in dap_testkit::shipped() {
        shipped(&e.name);
    }
    let prod = shipped("prod");
    let staging = shipped("staging");
    let dev = shipped("dev");
    let local = shipped("local");

    let summary: Vec<_> = [&dev, &staging, &prod, &local]
        .iter()
        .map(|e| {
            (
                e.name.as_str(),
                e.account_id.as_str(),
                e.prefix.as_str(),
                e.protection,
                e.budget.monthly_usd,
                e.reporting_host.enabled,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "dev",
                "111111111111",
                "dap-dev",
                Protection::Relaxed,
                100,
                false
            ),
            (
                "staging",
                "222222222222",
                "dap-staging",
                Protection::Standard,
                200,
                true
            ),
            (
                "prod",
                "333333333333",
                "dap-prod",
                Protection::Strict,
                1000,
                true
            ),
            (
                "local",
                "123456789012",
                "dap-local",
                Protection::Relaxed,
                50,
                false
            ),
        ]
    );
    for env in [&dev, &staging, &prod, &local] {
        assert_eq!(env.region, "ca-central-1");
        assert_eq!(env.datasets["business-licences"].years, [2023, 2024]);
        assert_eq!(env.tags["Project"], "data-analytics-platform");
    }
    assert_eq!(local.endpoint_url.as_deref(), Some("http://127.0.0.1:5000"));
    assert_eq!(prod.endpoint_url, None);
    assert_eq!(prod.retention.log_retention_days, 731);
    assert_eq!(prod.retention.noncurrent_version_expiry_days, 365);
    assert_eq!(prod.retention.landing_expiry_days, 90);
    assert_eq!(
        (prod.glue.worker_type.as_str(), prod.glue.number_of_workers),
        ("G.2X", 5)
    );
    assert_eq!(dev.retention.log_retention_days, 30);
    assert_eq!(dev.retention.landing_expiry_days, 7);
    assert_eq!(dev.retention.noncurrent_version_expiry_days, 30);
    assert!(dev.glue.number_of_workers <= prod.glue.number_of_workers);
}

#[test]
fn shipped_files_hold_one_year_per_line() {
    for e in dap_testkit::shipped() {
        assert!(
            e.text.contains("    years:\n      - 2023\n      - 2024\n"),
            "{}: adding a year must stay a one-line change",
            e.file
        );
    }
}
