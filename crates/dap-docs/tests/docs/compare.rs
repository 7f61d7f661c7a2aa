//! `--compare`: what differs between environments.

use crate::common::{model, rendered};

#[test]
fn staging_and_prod_differ_in_protection_retention_and_settings() {
    let c = dap_docs::compare::Comparison::new(&model("staging"), &model("prod"));
    let find = |section: &str, item: &str| {
        c.differences
            .iter()
            .find(|d| d.section == section && d.item == item)
            .map(|d| (d.a.as_str(), d.b.as_str()))
    };
    assert_eq!(find("settings", "protection"), Some(("standard", "strict")));
    assert_eq!(
        find("protection", "stack termination protection"),
        Some(("false", "true"))
    );
    assert_eq!(
        find("audit", "trail log group retention"),
        Some(("90 days", "731 days"))
    );
    // Names differ only by prefix and account: they are not differences.
    assert_eq!(find("protection", "bucket landing encryption"), None);
    assert!(
        c.differences.iter().all(|d| d.section != "access"),
        "{:?}",
        c.differences
    );
}

#[test]
fn an_environment_compared_with_itself_has_no_differences() {
    let c = dap_docs::compare::Comparison::new(&model("prod"), &model("prod"));
    assert!(c.differences.is_empty());
    assert!(c.compared > 100);
}

#[test]
fn a_changed_policy_shows_as_an_access_difference() {
    let (env, mut r) = rendered("prod");
    crate::common::edit(&mut r, "access", |doc| {
        crate::common::statements(doc, "AuditorRolePolicy", "PolicyDocument").push(
            crate::common::yaml(
                "Sid: TestAuditorWritesTrailLogs\nEffect: Allow\nAction: [s3:PutObject]\n\
                 Resource: [arn:aws:s3:::dap-prod-trail-logs-333333333333-ca-central-1/*]",
            ),
        );
    });
    let changed = dap_docs::Model::new(&env, &r).unwrap();
    let c = dap_docs::compare::Comparison::new(&model("prod"), &changed);
    let d = c
        .differences
        .iter()
        .find(|d| d.item == "auditor on s3:trail-logs/AWSLogs/<account>/")
        .expect("the auditor's new access is listed");
    assert_eq!(d.a, "read");
    assert!(d.b.starts_with("write"), "{}", d.b);
}
