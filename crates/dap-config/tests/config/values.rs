//! Every kind of bad value produces exactly one error, located at the broken line and naming
//! the field; the messages are snapshotted.

use dap_config::ErrorKind;

use crate::common::{edit, errors, last_line_of, line_of};

/// One broken line: (case, text replaced in `BASE`, replacement, field reported).
type Case = (&'static str, &'static str, &'static str, &'static str);

/// Runs the cases: each yields exactly one error on the edited line, for `field`.
/// Returns the cases' error lines for the snapshot.
fn run(cases: &[Case]) -> String {
    let mut out = String::new();
    for (case, from, to, field) in cases {
        let text = edit(from, to);
        let errors = errors(&text);
        assert_eq!(
            errors.len(),
            1,
            "{case}: expected one error, got:\n{errors}"
        );
        let error = &errors.errors()[0];
        assert_eq!(error.field, *field, "{case}");
        if let Some(needle) = to.lines().last().map(str::trim) {
            assert_eq!(error.line, last_line_of(&text, needle), "{case}: {error}");
        }
        assert!(!error.message.ends_with('.'), "{case}: no final full stop");
        out.push_str(&format!("{case}:\n  {errors}\n"));
    }
    out
}

#[test]
fn identity_values() {
    insta::assert_snapshot!(run(&[
        ("name_uppercase", "name: prod", "name: Prod", "name"),
        (
            "name_too_long",
            "name: prod",
            "name: prodprodprodprod1",
            "name"
        ),
        ("name_not_file_name", "name: prod", "name: prod2", "name"),
        (
            "account_unquoted",
            "account_id: \"333333333333\"",
            "account_id: 333333333333",
            "account_id"
        ),
        (
            "account_short",
            "account_id: \"333333333333\"",
            "account_id: \"33333\"",
            "account_id"
        ),
        (
            "region_unknown",
            "region: ca-central-1",
            "region: ca-central-9",
            "region"
        ),
        (
            "prefix_underscore",
            "prefix: dap-prod",
            "prefix: dap_prod",
            "prefix"
        ),
        (
            "prefix_double_hyphen",
            "prefix: dap-prod",
            "prefix: dap--prod",
            "prefix"
        ),
        (
            "prefix_digit_first",
            "prefix: dap-prod",
            "prefix: 1dap",
            "prefix"
        ),
        (
            "prefix_bucket_too_long",
            "prefix: dap-prod",
            "prefix: dap-prod-analytics-platform",
            "prefix"
        ),
        (
            "endpoint_no_scheme",
            "protection: strict",
            "protection: strict\nendpoint_url: 127.0.0.1:5000",
            "endpoint_url"
        ),
        (
            "endpoint_no_host",
            "protection: strict",
            "protection: strict\nendpoint_url: http://:5000",
            "endpoint_url"
        ),
        (
            "protection_unknown",
            "protection: strict",
            "protection: extreme",
            "protection"
        ),
    ]));
}

#[test]
fn dataset_values() {
    insta::assert_snapshot!(run(&[
        (
            "dataset_name",
            "  business-licences:",
            "  Business_Licences:",
            "datasets.Business_Licences"
        ),
        (
            "year_too_early",
            "      - 2023",
            "      - 1996",
            "datasets.business-licences.years[0]"
        ),
        (
            "year_too_late",
            "      - 2024",
            "      - 2101",
            "datasets.business-licences.years[1]"
        ),
        (
            "year_repeated",
            "      - 2024",
            "      - 2023",
            "datasets.business-licences.years[1]"
        ),
        (
            "years_empty",
            "    years:\n      - 2023\n      - 2024",
            "    years: []",
            "datasets.business-licences.years"
        ),
        (
            "datasets_empty",
            "datasets:\n  business-licences:\n    years:\n      - 2023\n      - 2024",
            "datasets: {}",
            "datasets"
        ),
    ]));
}

#[test]
fn retention_values() {
    insta::assert_snapshot!(run(&[
        (
            "log_retention_not_accepted",
            "log_retention_days: 731",
            "log_retention_days: 366",
            "retention.log_retention_days"
        ),
        (
            "log_retention_short_for_strict",
            "log_retention_days: 731",
            "log_retention_days: 30",
            "retention.log_retention_days"
        ),
        (
            "landing_zero",
            "landing_expiry_days: 90",
            "landing_expiry_days: 0",
            "retention.landing_expiry_days"
        ),
        (
            "noncurrent_zero",
            "noncurrent_version_expiry_days: 365",
            "noncurrent_version_expiry_days: 0",
            "retention.noncurrent_version_expiry_days"
        ),
        (
            "athena_results_zero",
            "athena_results_expiry_days: 30",
            "athena_results_expiry_days: 0",
            "retention.athena_results_expiry_days"
        ),
    ]));
}

#[test]
fn strict_retention_depends_on_protection() {
    let text = edit("log_retention_days: 731", "log_retention_days: 30")
        .replace("protection: strict", "protection: standard");
    assert!(dap_config::parse(crate::common::FILE, &text).is_ok());
}

#[test]
fn principal_and_alarm_values() {
    insta::assert_snapshot!(run(&[
        (
            "principal_user",
            "role/auditor",
            "user/bob",
            "principals.auditor[0]"
        ),
        (
            "principal_bare_account",
            "    - arn:aws:iam::444444444444:root",
            "    - \"444444444444\"",
            "principals.analyst[1]"
        ),
        (
            "principal_other_partition",
            "arn:aws:iam::444444444444:root",
            "arn:aws-cn:iam::444444444444:root",
            "principals.analyst[1]"
        ),
        (
            "principal_short_account",
            "arn:aws:iam::444444444444:root",
            "arn:aws:iam::44444:root",
            "principals.analyst[1]"
        ),
        (
            "principal_repeated",
            "arn:aws:iam::444444444444:root",
            "arn:aws:iam::333333333333:role/analyst",
            "principals.analyst[1]"
        ),
        (
            "principals_empty",
            "  auditor:\n    - arn:aws:iam::333333333333:role/auditor",
            "  auditor: []",
            "principals.auditor"
        ),
        (
            "break_glass_in_another_account",
            "  auditor:\n    - arn:aws:iam::333333333333:role/auditor",
            "  auditor:\n    - arn:aws:iam::333333333333:role/auditor\n  break_glass: arn:aws:iam::444444444444:role/break-glass",
            "principals.break_glass"
        ),
        (
            "break_glass_account_root",
            "  auditor:\n    - arn:aws:iam::333333333333:role/auditor",
            "  auditor:\n    - arn:aws:iam::333333333333:role/auditor\n  break_glass: arn:aws:iam::333333333333:root",
            "principals.break_glass"
        ),
        (
            "email_no_domain",
            "    - data-platform-alerts@vancouver.ca",
            "    - data-platform-alerts",
            "alarms.emails[0]"
        ),
        (
            "emails_empty",
            "  emails:\n    - data-platform-alerts@vancouver.ca",
            "  emails: []",
            "alarms.emails"
        ),
    ]));
}

#[test]
fn budget_values() {
    insta::assert_snapshot!(run(&[
        (
            "budget_zero",
            "monthly_usd: 1000",
            "monthly_usd: 0",
            "budget.monthly_usd"
        ),
        (
            "threshold_too_high",
            "alert_thresholds_percent: [80, 100]",
            "alert_thresholds_percent: [80, 1001]",
            "budget.alert_thresholds_percent[1]"
        ),
        (
            "threshold_zero",
            "alert_thresholds_percent: [80, 100]",
            "alert_thresholds_percent: [0, 100]",
            "budget.alert_thresholds_percent[0]"
        ),
        (
            "threshold_repeated",
            "alert_thresholds_percent: [80, 100]",
            "alert_thresholds_percent: [80, 80]",
            "budget.alert_thresholds_percent[1]"
        ),
        (
            "thresholds_empty",
            "alert_thresholds_percent: [80, 100]",
            "alert_thresholds_percent: []",
            "budget.alert_thresholds_percent"
        ),
    ]));
}

#[test]
fn usage_values() {
    insta::assert_snapshot!(run(&[
        (
            "job_minutes_zero",
            "job_minutes_per_run: 12",
            "job_minutes_per_run: 0",
            "usage.job_minutes_per_run"
        ),
        (
            "job_minutes_over_two_days",
            "job_minutes_per_run: 12",
            "job_minutes_per_run: 2881",
            "usage.job_minutes_per_run"
        ),
    ]), @r"
    job_minutes_zero:
      environments/prod.yaml:65:24: field `usage.job_minutes_per_run`: `0` is out of range; allowed: 1 to 2880 minutes (Glue bills at least one minute a run; 48 hours is its longest timeout)
    job_minutes_over_two_days:
      environments/prod.yaml:65:24: field `usage.job_minutes_per_run`: `2881` is out of range; allowed: 1 to 2880 minutes (Glue bills at least one minute a run; 48 hours is its longest timeout)
    ");
}

#[test]
fn glue_and_athena_values() {
    insta::assert_snapshot!(run(&[
        (
            "worker_type_unknown",
            "worker_type: G.2X",
            "worker_type: G.3X",
            "glue.worker_type"
        ),
        (
            "workers_too_few",
            "number_of_workers: 5",
            "number_of_workers: 1",
            "glue.number_of_workers"
        ),
        (
            "workers_too_many",
            "number_of_workers: 5",
            "number_of_workers: 300",
            "glue.number_of_workers"
        ),
        (
            "timeout_too_long",
            "timeout_minutes: 120",
            "timeout_minutes: 2881",
            "glue.timeout_minutes"
        ),
        (
            "timeout_zero",
            "timeout_minutes: 120",
            "timeout_minutes: 0",
            "glue.timeout_minutes"
        ),
        (
            "retries_too_many",
            "max_retries: 2",
            "max_retries: 11",
            "glue.max_retries"
        ),
        (
            "cron_five_fields",
            "schedule: cron(0 9 * * ? *)",
            "schedule: cron(0 9 * * ?)",
            "glue.schedule"
        ),
        (
            "cron_hour_out_of_range",
            "schedule: cron(0 9 * * ? *)",
            "schedule: cron(0 24 * * ? *)",
            "glue.schedule"
        ),
        (
            "cron_no_question_mark",
            "schedule: cron(0 9 * * ? *)",
            "schedule: cron(0 9 * * * *)",
            "glue.schedule"
        ),
        (
            "cron_two_question_marks",
            "schedule: cron(0 9 * * ? *)",
            "schedule: cron(0 9 ? * ? *)",
            "glue.schedule"
        ),
        (
            "cron_bad_month_name",
            "schedule: cron(0 9 * * ? *)",
            "schedule: cron(0 9 1 FOO ? *)",
            "glue.schedule"
        ),
        (
            "cron_step_in_day_of_week",
            "schedule: cron(0 9 * * ? *)",
            "schedule: cron(0 9 ? * MON/2 *)",
            "glue.schedule"
        ),
        (
            "cron_year_out_of_range",
            "schedule: cron(0 9 * * ? *)",
            "schedule: cron(0 9 * * ? 1969)",
            "glue.schedule"
        ),
        (
            "rate_refused_by_glue",
            "schedule: cron(0 9 * * ? *)",
            "schedule: rate(1 day)",
            "glue.schedule"
        ),
        (
            "rate_plural_for_one",
            "schedule: cron(0 9 * * ? *)",
            "schedule: rate(1 days)",
            "glue.schedule"
        ),
        (
            "schedule_not_an_expression",
            "schedule: cron(0 9 * * ? *)",
            "schedule: daily",
            "glue.schedule"
        ),
        (
            "athena_cutoff_too_small",
            "bytes_scanned_cutoff: 107374182400",
            "bytes_scanned_cutoff: 1000",
            "athena.bytes_scanned_cutoff"
        ),
    ]));
}

#[test]
fn reporting_host_values() {
    insta::assert_snapshot!(run(&[
        ("instance_type_no_size", "instance_type: t3.small", "instance_type: t3", "reporting_host.instance_type"),
        ("vpc_id_short", "vpc_id: vpc-0a1b2c3d4e5f67890", "vpc_id: vpc-123", "reporting_host.vpc_id"),
        ("subnet_id_uppercase", "subnet_id: subnet-0123456789abcdef0", "subnet_id: subnet-0123456789ABCDEF0", "reporting_host.subnet_id"),
        ("subnet_id_missing", "  subnet_id: subnet-0123456789abcdef0\n", "", "reporting_host.subnet_id"),
        ("cidr_whole_internet", "    - 10.20.0.0/16", "    - 0.0.0.0/0", "reporting_host.allowed_cidrs[0]"),
        ("cidr_host_bits", "    - 10.20.0.0/16", "    - 10.20.1.0/16", "reporting_host.allowed_cidrs[0]"),
        ("cidr_malformed", "    - 10.20.0.0/16", "    - 10.20.0.300/32", "reporting_host.allowed_cidrs[0]"),
        ("cidr_repeated", "    - 10.20.0.0/16", "    - 10.20.0.0/16\n    - 10.20.0.0/16", "reporting_host.allowed_cidrs[1]"),
        ("egress_cidr_whole_internet", "  image: resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64\n", "  egress_cidrs: [0.0.0.0/0]\n", "reporting_host.egress_cidrs[0]"),
        ("egress_prefix_list_malformed", "  image: resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64\n", "  egress_prefix_lists: [pl-xyz]\n", "reporting_host.egress_prefix_lists[0]"),
        ("image_unknown", "image: resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64", "image: ubuntu-22.04", "reporting_host.image"),
    ]));
}

#[test]
fn a_missing_id_points_at_the_reporting_host() {
    let text = edit("  subnet_id: subnet-0123456789abcdef0\n", "");
    let errors = errors(&text);
    let error = &errors.errors()[0];
    assert_eq!(error.kind, ErrorKind::MissingKey);
    assert_eq!(
        (error.line, error.column),
        (line_of(&text, "reporting_host:"), 1)
    );
}

#[test]
fn tag_values() {
    let too_many: String = (0..41).map(|i| format!("  Extra{i}: x\n")).collect();
    let cases: Vec<Case> = vec![
        (
            "tag_key_reserved",
            "  Owner: data",
            "  aws:owner: data",
            "tags.\"aws:owner\"",
        ),
        (
            "tag_value_bad_character",
            "Owner: data-platform-team@vancouver.ca",
            "Owner: \"team <data>\"",
            "tags.Owner",
        ),
    ];
    let mut out = run(&cases);
    let long_value = "v".repeat(257);
    let text = edit(
        "Owner: data-platform-team@vancouver.ca",
        &format!("Owner: {long_value}"),
    );
    let found = errors(&text);
    assert_eq!(found.len(), 1);
    assert_eq!(found.errors()[0].field, "tags.Owner");
    out.push_str(&format!("tag_value_too_long:\n  {found}\n"));

    let text = edit("tags:\n", &format!("tags:\n{too_many}"));
    let errors = errors(&text);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors.errors()[0].field, "tags");
    assert_eq!(errors.errors()[0].line, line_of(&text, "tags:"));
    out.push_str(&format!("too_many_tags:\n  {errors}\n"));
    insta::assert_snapshot!(out);
}
