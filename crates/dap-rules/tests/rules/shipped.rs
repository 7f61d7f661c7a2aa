//! Every shipped environment's rendered templates: zero unsuppressed findings, the
//! platform-wide suppressions where they belong, and a check of rendered text, not models.

use dap_rules::{check_rendered, Report, SuppressionSource};

use crate::common::shipped;

fn show(report: &Report) -> String {
    report
        .findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {}/{}: {}{}\n",
                f.severity,
                f.code,
                f.stack,
                f.logical_id,
                f.message,
                f.suppressed
                    .as_ref()
                    .map(|s| format!(" [suppressed: {}]", s.reason))
                    .unwrap_or_default()
            )
        })
        .collect()
}

#[test]
fn every_shipped_environment_has_no_unsuppressed_finding() {
    for (env, rendered) in shipped() {
        let report = check_rendered(&env, &rendered);
        let open: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.suppressed.is_none())
            .collect();
        assert!(open.is_empty(), "{}:\n{}", env.name, show(&report));
        assert!(!report.has_errors());
        assert_eq!(report.templates, rendered.stacks.len());
        assert!(report.resources > 80, "{}", report.resources);
    }
}

#[test]
fn the_access_log_bucket_is_the_one_platform_wide_exception() {
    for (env, rendered) in shipped() {
        let report = check_rendered(&env, &rendered);
        let suppressed: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.suppressed.is_some())
            .map(|f| (f.code, f.slug.as_str(), f.logical_id.as_str()))
            .collect();
        assert_eq!(
            suppressed,
            [("DAP-S3-007", "storage", "AccessLogsBucket")],
            "{}:\n{}",
            env.name,
            show(&report)
        );
        let f = report
            .findings
            .iter()
            .find(|f| f.code == "DAP-S3-007")
            .unwrap();
        let s = f.suppressed.as_ref().unwrap();
        assert_eq!(s.source, SuppressionSource::Metadata);
        assert!(s.reason.contains("cannot log to itself"), "{}", s.reason);
        assert_eq!(f.file, "storage.yaml");
        assert!(f.line.is_some());
    }
}

#[test]
fn the_checked_trees_are_exactly_what_the_yaml_text_encodes() {
    for (env, rendered) in shipped() {
        for s in &rendered.stacks {
            let from_text = dap_rules::template::parse_text(&s.yaml).unwrap();
            let from_tree = serde_json::to_value(&s.template).unwrap();
            assert_eq!(from_text, from_tree, "{}/{}", env.name, s.name);
        }
        let files = dap_rules::files(&rendered);
        let sources = dap_rules::sources(&rendered, &files);
        let from_text = dap_rules::check_sources(&env.name, &sources, Some(&env)).unwrap();
        assert_eq!(from_text, check_rendered(&env, &rendered), "{}", env.name);
    }
}

#[test]
fn suppressions_may_name_exactly_the_planners_stacks() {
    let planner: Vec<&str> = dap_planner::StackKind::ALL
        .iter()
        .map(|k| k.slug())
        .collect();
    assert_eq!(dap_config::STACK_NAMES, planner.as_slice());
}
