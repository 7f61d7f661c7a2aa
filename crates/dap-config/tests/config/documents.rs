//! Problems with the file as a whole: syntax errors, empty files, wrong root, several documents.

use dap_config::ErrorKind;

use crate::common::{errors, BASE};

fn one_line(text: &str) -> String {
    errors(text).to_string()
}

#[test]
fn empty_files() {
    for text in ["", "\n\n", "# only a comment\n", "---\n", "~\n"] {
        let errors = errors(text);
        assert_eq!(errors.len(), 1, "{text:?}");
        assert_eq!(errors.errors()[0].kind, ErrorKind::Document);
        assert!(
            errors.errors()[0].message.contains("no settings"),
            "{errors}"
        );
    }
    insta::assert_snapshot!(one_line(""), @"environments/prod.yaml:1:1: the file holds no settings; allowed: a mapping with the keys name, account_id, region, prefix, endpoint_url, deploy_role, protection, datasets, retention, principals, alarms, budget, usage, glue, athena, reporting_host, tags, suppressions");
}

#[test]
fn wrong_roots() {
    insta::assert_snapshot!(one_line("- name: prod\n"), @"environments/prod.yaml:1:1: expected a mapping of environment settings, found a list; allowed: a mapping with the keys name, account_id, region, prefix, endpoint_url, deploy_role, protection, datasets, retention, principals, alarms, budget, usage, glue, athena, reporting_host, tags, suppressions");
    insta::assert_snapshot!(one_line("prod\n"), @"environments/prod.yaml:1:1: expected a mapping of environment settings, found a single value; allowed: a mapping with the keys name, account_id, region, prefix, endpoint_url, deploy_role, protection, datasets, retention, principals, alarms, budget, usage, glue, athena, reporting_host, tags, suppressions");
}

#[test]
fn syntax_errors_are_located() {
    let text = BASE.replace("  max_retries: 2", "  max_retries: [2");
    let errors = errors(&text);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors.errors()[0].kind, ErrorKind::Syntax);
    insta::assert_snapshot!(errors.to_string());
    let text = BASE.replace("  max_retries: 2", "   max_retries: 2");
    insta::assert_snapshot!(one_line(&text));
    let text = BASE.replace("prefix: dap-prod", "prefix: \"dap-prod");
    assert_eq!(self::errors(&text).errors()[0].kind, ErrorKind::Syntax);
}

#[test]
fn a_second_document_is_refused_and_the_first_still_checked() {
    let text = format!(
        "{}---\nname: other\n",
        BASE.replace("name: prod", "name: Prod")
    );
    insta::assert_snapshot!(one_line(&text));
}

#[test]
fn non_ascii_text_keeps_columns_in_characters_and_spans_in_bytes() {
    let text = BASE.replace(
        "  Owner: data",
        "  Propriétaire: \"équipe\"\n  Ownér: élan\n  Owner: data",
    );
    // Tag keys may hold letters of any script; this file is valid.
    let env = crate::common::ok(&text);
    assert_eq!(env.tags["Propriétaire"], "équipe");
    let text = text.replace("Ownér: élan", "Ownér: \"☃ <x>\"");
    let errors = errors(&text);
    let error = &errors.errors()[0];
    assert_eq!(error.column, 10);
    assert_eq!(&text[error.span.clone()], "\"☃ <x>\"");
}
