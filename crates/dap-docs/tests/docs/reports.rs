//! Snapshots of each report, and what every generated file must be.

use crate::common::{rendered, ENVIRONMENTS};

fn text(docs: &dap_docs::Docs, path: &str) -> String {
    String::from_utf8(docs[path].clone()).unwrap()
}

#[test]
fn prod_reports_match_their_snapshots() {
    let (env, r) = rendered("prod");
    let docs = dap_docs::generate(&env, &r).unwrap();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for report in ["access", "encryption", "audit", "architecture", "findings"] {
            insta::assert_snapshot!(
                format!("prod-{report}"),
                text(&docs, &format!("prod/{report}.md"))
            );
        }
        let (senv, sr) = rendered("staging");
        let compare = dap_docs::compare((&senv, &sr), (&env, &r)).unwrap();
        insta::assert_snapshot!(
            "compare-staging-prod",
            text(&compare, "compare-staging-prod.md")
        );
    });
}

#[test]
fn every_environment_gets_every_file_and_the_same_bytes_twice() {
    for (name, _) in ENVIRONMENTS {
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
    let linked = "#s-access-analystrolepolicy-readcuratedviaathena";
    assert!(html.contains(&format!("href=\"{linked}\"")));
    assert!(html.contains(&format!("id=\"{}\"", &linked[1..])));
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

/// What `dap docs --all` and `dap docs --compare staging prod` write under `docs/generated/`:
/// the same library calls on the same environment files.
fn committed_docs() -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/generated");
    let mut files = Vec::new();
    for (name, _) in ENVIRONMENTS {
        let (env, r) = rendered(name);
        let docs = dap_docs::generate(&env, &r).unwrap();
        files.extend(docs.into_iter().map(|(k, v)| (out.join(k), v)));
    }
    let (senv, sr) = rendered("staging");
    let (penv, pr) = rendered("prod");
    let compare = dap_docs::compare((&senv, &sr), (&penv, &pr)).unwrap();
    files.extend(compare.into_iter().map(|(k, v)| (out.join(k), v)));
    files
}

/// The committed docs are current; the CLI's `docs --check` test says the same with the
/// binary, this one without building it.
#[test]
fn committed_generated_docs_are_current() {
    let stale: Vec<String> = committed_docs()
        .into_iter()
        .filter(|(path, bytes)| std::fs::read(path).ok().as_ref() != Some(bytes))
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert!(
        stale.is_empty(),
        "stale under docs/generated/ (run `dap docs --all` and `dap docs --compare staging prod`, \
         or `cargo test -p dap-docs -- --ignored write_generated_docs`):\n{}",
        stale.join("\n")
    );
}

/// Write the committed docs, byte for byte what the CLI writes, without building the CLI.
#[test]
#[ignore = "writes docs/generated/; run on purpose"]
fn write_generated_docs() {
    for (path, bytes) in committed_docs() {
        std::fs::write(&path, bytes).unwrap();
    }
}
