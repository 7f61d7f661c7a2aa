//! `suppressions:`: each field checked and located, each rule and resource suppressed once.

use dap_config::ErrorKind;

use crate::common::{edit, errors, last_line_of, line_of, ok, BASE};

/// The suppression entry of `BASE`, to edit.
const ENTRY: &str = "  - rule: DAP-IAM-002
    stack: reporting
    resource: ReportingHostRolePolicy
    reason: the report server's agent calls an API that takes no resource
";

#[test]
fn a_suppression_needs_every_field() {
    assert!(BASE.contains(ENTRY));
    let text = edit(
        ENTRY,
        "  - rule: DAP-IAM-002\n    stack: reporting\n    resource: ReportingHostRolePolicy\n",
    );
    let errors = errors(&text);
    assert_eq!(errors.len(), 1, "{errors}");
    let e = &errors.errors()[0];
    assert_eq!(e.kind, ErrorKind::MissingKey);
    assert_eq!(e.field, "suppressions[0].reason");
    insta::assert_snapshot!(errors.to_string(), @"environments/prod.yaml:51:5: field `suppressions[0].reason`: missing required key `reason`");
}

#[test]
fn an_unknown_key_in_a_suppression_is_refused() {
    let text = edit(
        "    stack: reporting\n",
        "    stack: reporting\n    until: 2026-01-01\n",
    );
    let errors = errors(&text);
    assert_eq!(errors.len(), 1, "{errors}");
    assert_eq!(errors.errors()[0].field, "suppressions[0].until");
    assert_eq!(errors.errors()[0].line, line_of(&text, "until:"));
}

#[test]
fn bad_values_are_each_located() {
    let cases = [
        ("rule", "  - rule: DAP-IAM-002", "  - rule: iam-002"),
        ("stack", "    stack: reporting", "    stack: reportng"),
        (
            "resource",
            "    resource: ReportingHostRolePolicy",
            "    resource: Reporting-Host",
        ),
        (
            "reason",
            "    reason: the report server's agent calls an API that takes no resource",
            "    reason: \"  \"",
        ),
    ];
    let mut out = String::new();
    for (field, from, to) in cases {
        let text = edit(from, to);
        let errors = errors(&text);
        assert_eq!(errors.len(), 1, "{field}: {errors}");
        let e = &errors.errors()[0];
        assert_eq!(e.field, format!("suppressions[0].{field}"));
        assert_eq!(e.line, line_of(&text, to.trim()), "{field}");
        assert_eq!(e.kind, ErrorKind::Value);
        out.push_str(&format!("{field}:\n  {errors}\n"));
    }
    insta::assert_snapshot!(out);
}

#[test]
fn the_same_rule_on_the_same_resource_twice_is_refused() {
    let twice = format!("{ENTRY}{}", ENTRY.replace("takes no resource", "says so"));
    let text = edit(ENTRY, &twice);
    let errors = errors(&text);
    assert_eq!(errors.len(), 1, "{errors}");
    let e = &errors.errors()[0];
    assert_eq!(e.field, "suppressions[1].rule");
    assert_eq!(e.line, last_line_of(&text, "- rule:"));
    assert!(
        e.message
            .contains("suppressed twice (first as `suppressions[0]`)"),
        "{e}"
    );
}

#[test]
fn the_same_rule_on_another_resource_is_fine() {
    let other = ENTRY
        .replace("ReportingHostRolePolicy", "AnalystRolePolicy")
        .replace("reporting", "access");
    let env = ok(&edit(ENTRY, &format!("{ENTRY}{other}")));
    assert_eq!(env.suppressions.len(), 2);
    assert_eq!(env.suppressions[1].stack, "access");
}

#[test]
fn suppressions_must_be_a_list_of_mappings() {
    let text = edit(ENTRY, "  - DAP-IAM-002\n");
    let errors = errors(&text);
    assert_eq!(errors.len(), 1, "{errors}");
    assert_eq!(errors.errors()[0].field, "suppressions[0]");
    assert_eq!(errors.errors()[0].kind, ErrorKind::Type);
}
