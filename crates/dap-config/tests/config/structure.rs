//! Keys and types: unknown, repeated and missing keys, wrong types, several errors at once.

use dap_config::ErrorKind;

use crate::common::{edit, edit_text, errors, last_line_of, line_of, BASE};

/// (line, column, field, kind) of every error.
fn located(text: &str) -> Vec<(usize, usize, String, ErrorKind)> {
    errors(text)
        .errors()
        .iter()
        .map(|e| (e.line, e.column, e.field.clone(), e.kind))
        .collect()
}

#[test]
fn unknown_top_level_key() {
    let text = edit(
        "region: ca-central-1\n",
        "region: ca-central-1\nregon: ca-central-1\n",
    );
    let line = line_of(&text, "regon:");
    assert_eq!(
        located(&text),
        [(line, 1, "regon".to_owned(), ErrorKind::UnknownKey)]
    );
    insta::assert_snapshot!(errors(&text).to_string(), @"environments/prod.yaml:5:1: field `regon`: unknown key `regon` (did you mean `region`?); allowed: name, account_id, region, prefix, endpoint_url, deploy_role, protection, datasets, retention, principals, alarms, budget, usage, glue, athena, reporting_host, tags, suppressions");
}

#[test]
fn unknown_nested_keys_are_all_reported_with_their_locations() {
    let text = edit(
        "  log_retention_days: 731\n",
        "  log_retention_days: 731\n  log_retention: 30\n",
    );
    let text = edit_text(&text, "      - 2024\n", "      - 2024\n    yeras: [2025]\n");
    let text = edit_text(
        &text,
        "  image: resolve",
        "  ami: ami-12345678\n  image: resolve",
    );
    let text = edit_text(&text, "  emails:\n", "  email: a@b.ca\n  emails:\n");
    let text = format!("{text}colour: blue\n");
    assert_eq!(
        located(&text),
        [
            (
                line_of(&text, "yeras:"),
                5,
                "datasets.business-licences.yeras".to_owned(),
                ErrorKind::UnknownKey
            ),
            (
                line_of(&text, "log_retention:"),
                3,
                "retention.log_retention".to_owned(),
                ErrorKind::UnknownKey
            ),
            (
                line_of(&text, "email:"),
                3,
                "alarms.email".to_owned(),
                ErrorKind::UnknownKey
            ),
            (
                line_of(&text, "ami:"),
                3,
                "reporting_host.ami".to_owned(),
                ErrorKind::UnknownKey
            ),
            (
                line_of(&text, "colour:"),
                1,
                "colour".to_owned(),
                ErrorKind::UnknownKey
            ),
        ]
    );
    insta::assert_snapshot!(errors(&text).to_string());
}

#[test]
fn usage_keys_and_types_are_located() {
    // A misspelt zone, a fraction where a whole number goes, a number quoted, a scalar where
    // a mapping goes: each reported on its own line with its field.
    let text = edit("    curated: 2\n", "    curatd: 2\n");
    let text = edit_text(&text, "  log_ingest_gb: 3\n", "  log_ingest_gb: 0.5\n");
    let text = edit_text(
        &text,
        "  queries_per_month: 2000\n",
        "  queries_per_month: \"2000\"\n",
    );
    let text = edit_text(
        &text,
        "  requests_per_month:\n    put: 20000\n    get: 200000\n",
        "  requests_per_month: 5\n",
    );
    assert_eq!(
        located(&text),
        [
            (
                line_of(&text, "curatd:"),
                5,
                "usage.storage_gb.curatd".to_owned(),
                ErrorKind::UnknownKey
            ),
            (
                line_of(&text, "requests_per_month:"),
                23,
                "usage.requests_per_month".to_owned(),
                ErrorKind::Type
            ),
            (
                line_of(&text, "queries_per_month:"),
                22,
                "usage.queries_per_month".to_owned(),
                ErrorKind::Type
            ),
            (
                line_of(&text, "log_ingest_gb:"),
                18,
                "usage.log_ingest_gb".to_owned(),
                ErrorKind::Type
            ),
        ]
    );
    insta::assert_snapshot!(errors(&text).to_string(), @r"
    environments/prod.yaml:59:5: field `usage.storage_gb.curatd`: unknown key `curatd` (did you mean `curated`?); allowed: landing, raw, curated, athena_results, logs
    environments/prod.yaml:62:23: field `usage.requests_per_month`: expected a mapping, found the number `5`
    environments/prod.yaml:65:22: field `usage.queries_per_month`: expected a whole number, found the string `2000`; remove the quotes
    environments/prod.yaml:67:18: field `usage.log_ingest_gb`: expected a whole number, found the number `0.5`
    ");
}

#[test]
fn a_key_in_the_wrong_place_says_where_it_belongs() {
    let text = edit(
        "prefix: dap-prod\n",
        "prefix: dap-prod\nlog_retention_days: 731\n",
    );
    insta::assert_snapshot!(errors(&text).to_string(), @"environments/prod.yaml:6:1: field `log_retention_days`: unknown key `log_retention_days` (it belongs under `retention`); allowed: name, account_id, region, prefix, endpoint_url, deploy_role, protection, datasets, retention, principals, alarms, budget, usage, glue, athena, reporting_host, tags, suppressions");
    let text = edit(
        "  monthly_usd: 1000\n",
        "  monthly_usd: 1000\n  region: ca-central-1\n",
    );
    insta::assert_snapshot!(errors(&text).to_string(), @"environments/prod.yaml:30:3: field `budget.region`: unknown key `region` (it belongs at the top level); allowed: monthly_usd, alert_thresholds_percent");
}

#[test]
fn repeated_keys() {
    let text = edit(
        "prefix: dap-prod\n",
        "prefix: dap-prod\nregion: us-east-1\n",
    );
    insta::assert_snapshot!(errors(&text).to_string(), @"environments/prod.yaml:6:1: field `region`: key `region` is repeated (first at line 4); allowed: each key once");
    let text = edit("  Owner: data", "  Project: again\n  Owner: data");
    assert_eq!(errors(&text).errors()[0].field, "tags.Project");
}

#[test]
fn missing_keys() {
    let text = edit("name: prod\n", "");
    let text = edit_text(
        &text,
        "  auditor:\n    - arn:aws:iam::333333333333:role/auditor\n",
        "",
    );
    let text = edit_text(&text, "budget:\n  monthly_usd: 1000\n", "budget:\n");
    let errors = errors(&text);
    assert!(errors
        .errors()
        .iter()
        .all(|e| e.kind == ErrorKind::MissingKey || e.kind == ErrorKind::Type));
    insta::assert_snapshot!(errors.to_string());
}

#[test]
fn wrong_types() {
    let cases = [
        ("retention_quoted_number", "log_retention_days: 731", "log_retention_days: \"731\""),
        ("negative_number", "max_retries: 2", "max_retries: -1"),
        ("fractional_number", "monthly_usd: 1000", "monthly_usd: 1000.5"),
        ("hex_number", "monthly_usd: 1000", "monthly_usd: 0x3E8"),
        ("number_too_large", "monthly_usd: 1000", "monthly_usd: 4294967296"),
        ("year_too_large_for_a_year", "      - 2024", "      - 70000"),
        ("year_as_string", "      - 2024", "      - \"2024\""),
        ("bool_as_yes", "  enabled: true", "  enabled: yes"),
        ("string_as_number", "region: ca-central-1", "region: 42"),
        ("string_as_bool", "  Project: data-analytics-platform", "  Project: true"),
        ("string_empty_value", "prefix: dap-prod", "prefix:"),
        ("string_as_list", "prefix: dap-prod", "prefix: [dap, prod]"),
        ("list_as_string", "    - data-platform-alerts@vancouver.ca", "    data-platform-alerts@vancouver.ca"),
        ("list_as_mapping", "  analyst:\n    - arn:aws:iam::333333333333:role/analyst\n    - arn:aws:iam::444444444444:root", "  analyst:\n    role: arn:aws:iam::333333333333:role/analyst"),
        ("mapping_as_number", "athena:\n  bytes_scanned_cutoff: 107374182400", "athena: 5"),
        ("mapping_empty", "athena:\n  bytes_scanned_cutoff: 107374182400", "athena:"),
        ("protection_as_number", "protection: strict", "protection: 1"),
        ("alias", "  Owner: data-platform-team@vancouver.ca", "  Owner: *project"),
        ("custom_tag", "prefix: dap-prod", "prefix: !env PREFIX"),
        ("complex_key", "  Owner: data", "  ? [a, b]\n  : x\n  Owner: data"),
    ];
    let mut out = String::new();
    for (case, from, to) in cases {
        let text = edit(from, to);
        let text = if case == "alias" {
            text.replace(
                "Project: data-analytics-platform",
                "Project: &project data-analytics-platform",
            )
        } else {
            text
        };
        let errors = errors(&text);
        assert_eq!(
            errors.len(),
            1,
            "{case}: expected one error, got:\n{errors}"
        );
        let error = &errors.errors()[0];
        assert!(!error.field.is_empty(), "{case}");
        let first_line = to.lines().next().unwrap().trim();
        assert!(
            error.line >= line_of(&text, first_line)
                && error.line <= last_line_of(&text, to.lines().last().unwrap().trim()),
            "{case}: {error}"
        );
        out.push_str(&format!("{case}:\n  {errors}\n"));
    }
    insta::assert_snapshot!(out);
}

#[test]
fn an_unquoted_account_id_says_to_quote_it() {
    let text = edit("account_id: \"333333333333\"", "account_id: 033333333333");
    let errors = errors(&text);
    let error = &errors.errors()[0];
    assert_eq!(error.field, "account_id");
    assert_eq!((error.line, error.column), (3, 13));
    assert!(
        error.message.contains("quote it: `\"033333333333\"`"),
        "{error}"
    );
}

#[test]
fn several_errors_in_one_file_are_reported_together_in_order() {
    let text = BASE
        .replace("name: prod", "name: Prod")
        .replace("region: ca-central-1", "region: mars-1")
        .replace(
            "    - arn:aws:iam::444444444444:root",
            "    - arn:aws:iam::444444444444:user/bob",
        )
        .replace("log_retention_days: 731", "log_retention_days: 400000")
        .replace("  worker_type: G.2X", "  worker_type: G.2X\n  workers: 5")
        .replace("monthly_usd: 1000", "monthly_usd: lots")
        .replace("schedule: cron(0 9 * * ? *)", "schedule: rate(1 day)")
        .replace("    - 10.20.0.0/16", "    - 0.0.0.0/0")
        .replace("  Owner: data", "  aws:owner: data");
    let errors = errors(&text);
    assert_eq!(errors.len(), 9, "{errors}");
    let lines: Vec<usize> = errors.errors().iter().map(|e| e.line).collect();
    let mut sorted = lines.clone();
    sorted.sort_unstable();
    assert_eq!(lines, sorted, "errors come in file order");
    assert_eq!(errors.to_string().lines().count(), 9);
    insta::assert_snapshot!(errors.to_string());
}

#[test]
fn errors_expose_structured_fields() {
    let text = edit("log_retention_days: 731", "log_retention_days: 366");
    let errors = errors(&text);
    let error = &errors.errors()[0];
    assert_eq!(error.file, "environments/prod.yaml");
    assert_eq!(
        (error.line, error.column),
        (line_of(&text, "log_retention_days"), 23)
    );
    assert_eq!(error.field, "retention.log_retention_days");
    assert_eq!(error.kind, ErrorKind::Value);
    assert_eq!(
        error.message,
        "`366` is not a retention CloudWatch Logs accepts"
    );
    assert!(error
        .allowed
        .as_deref()
        .unwrap()
        .starts_with("1, 3, 5, 7, 14, 30, 60, 90"));
    assert_eq!(&text[error.span.clone()], "366");
}
