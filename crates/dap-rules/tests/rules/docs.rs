//! The committed rule docs (`docs/rules/`) are exactly what the rules' doc comments, the
//! tera templates in `templates/rules/` and the shipped environments' suppressions render to.
//! Run with `DAP_UPDATE_DOCS=1` to rewrite them.

use std::collections::BTreeSet;
use std::path::Path;

#[test]
fn rule_docs_are_up_to_date() {
    let reports: Vec<_> = crate::common::shipped()
        .iter()
        .map(|(env, r)| dap_rules::check_rendered(env, r))
        .collect();
    let suppressions = dap_rules::docs::suppressions(&reports);
    let docs = dap_rules::docs::render(&suppressions).unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(dap_rules::docs::DIR);
    let update = std::env::var_os("DAP_UPDATE_DOCS").is_some_and(|v| v == "1");
    if update {
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "md") {
                std::fs::remove_file(path).unwrap();
            }
        }
    }
    let mut stale = Vec::new();
    for (name, text) in &docs {
        let path = dir.join(name);
        if update {
            std::fs::write(&path, text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(name.clone());
        }
    }
    let expected: BTreeSet<&str> = docs.iter().map(|(n, _)| n.as_str()).collect();
    let orphans: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| !expected.contains(n.as_str()))
                .collect()
        })
        .unwrap_or_default();
    assert!(
        stale.is_empty() && orphans.is_empty(),
        "the rule docs are stale (changed or missing: {stale:?}; not generated: {orphans:?}); run `{}`",
        dap_rules::docs::REGENERATE
    );
}

#[test]
fn the_docs_list_the_platform_wide_suppression() {
    let reports: Vec<_> = crate::common::shipped()
        .iter()
        .map(|(env, r)| dap_rules::check_rendered(env, r))
        .collect();
    let suppressions = dap_rules::docs::suppressions(&reports);
    assert_eq!(suppressions.len(), 1, "{suppressions:#?}");
    let s = &suppressions[0];
    assert_eq!(
        (s.rule.as_str(), s.stack.as_str(), s.resource.as_str()),
        ("DAP-S3-007", "storage", "AccessLogsBucket")
    );
    assert_eq!(s.source, "resource metadata");
    assert_eq!(s.environments, ["dev", "local", "prod", "staging"]);
    let docs = dap_rules::docs::render(&suppressions).unwrap();
    let page = &docs.iter().find(|(n, _)| n == "DAP-S3-007.md").unwrap().1;
    assert!(page.contains("| `storage` | `AccessLogsBucket` | dev, local, prod, staging | resource metadata | the access-log bucket"), "{page}");
    let other = &docs.iter().find(|(n, _)| n == "DAP-S3-001.md").unwrap().1;
    assert!(other.contains("None: no shipped environment suppresses this rule."));
    let index = &docs.last().unwrap();
    assert_eq!(index.0, "README.md");
    for r in dap_rules::rules::all() {
        assert!(index.1.contains(&format!("[`{0}`]({0}.md)", r.meta().code)));
    }
}
