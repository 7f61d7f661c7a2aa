//! A complete valid file and helpers to break it.

use dap_config::{ConfigErrors, Environment};

/// The file name every test file is parsed as (its stem matches `name: prod`).
pub const FILE: &str = "environments/prod.yaml";

/// A valid file that writes every key, so each test can break exactly one line.
pub const BASE: &str = r#"# a complete environment
name: prod
account_id: "333333333333"
region: ca-central-1
prefix: dap-prod
protection: strict
datasets:
  business-licences:
    years:
      - 2023
      - 2024
retention:
  landing_expiry_days: 90
  noncurrent_version_expiry_days: 365
  log_retention_days: 731
  athena_results_expiry_days: 30
principals:
  data_engineer:
    - arn:aws:iam::333333333333:role/aws-reserved/sso.amazonaws.com/ca-central-1/AWSReservedSSO_DataEngineer_0123456789abcdef
  analyst:
    - arn:aws:iam::333333333333:role/analyst
    - arn:aws:iam::444444444444:root
  auditor:
    - arn:aws:iam::333333333333:role/auditor
alarms:
  emails:
    - data-platform-alerts@vancouver.ca
budget:
  monthly_usd: 1000
  alert_thresholds_percent: [80, 100]
glue:
  worker_type: G.2X
  number_of_workers: 5
  timeout_minutes: 120
  max_retries: 2
  schedule: cron(0 9 * * ? *)
athena:
  bytes_scanned_cutoff: 107374182400
reporting_host:
  enabled: true
  instance_type: t3.small
  vpc_id: vpc-0a1b2c3d4e5f67890
  subnet_id: subnet-0123456789abcdef0
  allowed_cidrs:
    - 10.20.0.0/16
  image: resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64
tags:
  Project: data-analytics-platform
  Owner: data-platform-team@vancouver.ca
suppressions:
  - rule: DAP-IAM-002
    stack: reporting
    resource: ReportingHostRolePolicy
    reason: the report server's agent calls an API that takes no resource
usage:
  storage_gb:
    landing: 3
    raw: 4
    curated: 2
    athena_results: 1
    logs: 5
  requests_per_month:
    put: 20000
    get: 200000
  job_minutes_per_run: 12
  job_runs_per_month: 8
  queries_per_month: 2000
  mb_scanned_per_query: 100
  log_ingest_gb: 3
  kms_requests_per_month: 40000
  cloudtrail_data_events_per_month: 250000
  alarm_notifications_per_month: 40
"#;

/// `BASE` with `from` (which must occur exactly once) replaced by `to`.
pub fn edit(from: &str, to: &str) -> String {
    edit_text(BASE, from, to)
}

/// `text` with `from` (which must occur exactly once) replaced by `to`.
pub fn edit_text(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "`{from}` must occur exactly once"
    );
    text.replacen(from, to, 1)
}

/// Parses `text` as `FILE`, expecting success.
pub fn ok(text: &str) -> Environment {
    match dap_config::parse(FILE, text) {
        Ok(env) => env,
        Err(errors) => panic!("expected a valid file, got:\n{errors}"),
    }
}

/// Parses `text` as `FILE`, expecting errors.
pub fn errors(text: &str) -> ConfigErrors {
    match dap_config::parse(FILE, text) {
        Ok(env) => panic!("expected errors, got {env:#?}"),
        Err(errors) => errors,
    }
}

/// The 1-based line of the first line of `text` containing `needle`.
pub fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("`{needle}` not found"))
        + 1
}

/// The 1-based line of the last line of `text` containing `needle`.
pub fn last_line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .last()
        .unwrap_or_else(|| panic!("`{needle}` not found"))
        .0
        + 1
}
