//! What every generated file must be. The reports' text itself is recorded once, in the
//! committed `docs/generated/` (checked byte for byte by `generated.rs`), not in snapshots.

use crate::common::{names, rendered};

fn text(docs: &dap_docs::Docs, path: &str) -> String {
    String::from_utf8(docs[path].clone()).unwrap()
}

#[test]
fn every_environment_gets_every_file_and_the_same_bytes_twice() {
    for name in names() {
        let name = name.as_str();
        let (env, r) = rendered(name);
        let a = dap_docs::generate(&env, &r).unwrap();
        let b = dap_docs::generate(&env, &r).unwrap();
        assert_eq!(a, b, "{name}");
        let files: Vec<&str> = a.keys().map(String::as_str).collect();
        let expect: Vec<String> = [
            "access.md",
            "architecture.md",
            "architecture.svg",
            "audit.md",
            "encryption.md",
            "findings.md",
            &format!("{name}.html"),
        ]
        .iter()
        .map(|f| format!("{name}/{f}"))
        .collect();
        let mut expect: Vec<&str> = expect.iter().map(String::as_str).collect();
        expect.sort();
        assert_eq!(files, expect);
        for (path, bytes) in &a {
            let s = std::str::from_utf8(bytes).unwrap();
            assert!(
                s.ends_with('\n') && !s.ends_with("\n\n"),
                "{path}: one final newline"
            );
            assert!(!s.contains(" \n"), "{path}: trailing spaces");
        }
    }
}

#[test]
fn the_html_page_is_self_contained_and_printable() {
    let (env, r) = rendered("prod");
    let docs = dap_docs::generate(&env, &r).unwrap();
    let html = text(&docs, "prod/prod.html");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("@media print"));
    assert!(!html.contains("<script"), "no scripts");
    assert!(!html.contains("<link"), "no external stylesheets");
    assert!(!html.contains("src=\"http"), "no remote images");
    // The diagram is inline, not the Mermaid source.
    assert!(html.contains("<svg xmlns="));
    assert!(!html.contains("flowchart LR"));
    // Every report is there, and its internal links have targets.
    for id in ["architecture", "access", "encryption", "audit"] {
        assert!(
            html.contains(&format!("<section class=\"report\" id=\"{id}\">")),
            "{id}"
        );
    }
    for anchor in [
        "requests-without-tls",
        "appendix-a-the-statements-behind-each-cell",
    ] {
        assert!(html.contains(&format!("id=\"{anchor}\"")), "{anchor}");
    }
    // The appendices are folded, every table scrolls on its own, the matrices are heat maps.
    assert_eq!(html.matches("<details>").count(), 2);
    assert_eq!(
        html.matches("<table").count(),
        html.matches("<div class=\"scroll\"><table").count()
    );
    for level in ["none", "read", "write", "decrypt", "admin"] {
        assert!(
            html.contains(&format!("<td class=\"lv-{level}\">")),
            "{level}"
        );
    }
    assert!(html.contains("class=\"legend\""));
    let linked = "#s-access-analystrolepolicy-readcuratedviaathena";
    assert!(html.contains(&format!("href=\"{linked}\"")));
    assert!(html.contains(&format!("id=\"{}\"", &linked[1..])));
}

/// Numbers and words as a reader writes them: no `1.0`, `period(s)` or `(none: Delete)`.
#[test]
fn the_reports_use_plain_numbers_and_words() {
    for name in names() {
        let name = name.as_str();
        let (env, r) = rendered(name);
        let docs = dap_docs::generate(&env, &r).unwrap();
        for report in ["audit", "encryption", "access"] {
            let md = text(&docs, &format!("{name}/{report}.md"));
            for bad in ["period(s)", "(none: Delete)", ".0 USD", ".0 %", " 300 s"] {
                assert!(!md.contains(bad), "{name}/{report}.md: {bad}");
            }
        }
    }
    let (env, r) = rendered("prod");
    let audit = text(&dap_docs::generate(&env, &r).unwrap(), "prod/audit.md");
    assert!(audit.contains("≥ 1 in 1 period of 5 minutes"), "{audit}");
    assert!(audit.contains("1,000 USD per month"), "{audit}");
    assert!(audit.contains("above 50 % of the budget"), "{audit}");
}

#[test]
fn the_findings_report_lists_open_findings_and_suppressions_with_their_reasons() {
    let (env, r) = rendered("dev");
    let docs = dap_docs::generate(&env, &r).unwrap();
    let clean = text(&docs, "dev/findings.md");
    assert!(clean.contains("None: every rule passes"), "{clean}");
    assert!(clean.contains("`DAP-S3-007`"), "{clean}");
    assert!(clean.contains("cannot log to itself"), "{clean}");

    // Turn key rotation off in the rendered security stack: the report shows the finding.
    let mut broken = r.clone();
    let security = broken
        .stacks
        .iter_mut()
        .find(|s| s.kind.slug() == "security")
        .unwrap();
    for entry in security.template.resources.values_mut() {
        if let dap_cfn::resources::Properties::KmsKey(k) = &mut entry.properties {
            k.enable_key_rotation = false;
        }
    }
    security.yaml = security.template.to_yaml();
    let docs = dap_docs::generate(&env, &broken).unwrap();
    let findings = text(&docs, "dev/findings.md");
    assert!(!findings.contains("None: every rule passes"), "{findings}");
    assert!(findings.contains("`DataKey`"), "{findings}");
}
