//! Snapshot tests: one YAML snapshot per environment and stack, plus each manifest.
//!
//! A changed template fails until the snapshot is reviewed (`cargo insta review`); a snapshot
//! file that no environment renders any more fails `no_orphaned_snapshots`.

use std::collections::BTreeSet;

/// An environment's rendered stacks and its bootstrap template, if it has a deploy role.
struct Out {
    stacks: Vec<dap_planner::RenderedStack>,
    manifest: String,
    bootstrap: Option<String>,
}

fn rendered() -> Vec<(String, Out)> {
    // Every file in environments/: a new environment gets its snapshots without an edit here.
    dap_testkit::shipped()
        .into_iter()
        .map(|e| {
            let env = dap_config::parse(&e.file, &e.text).unwrap_or_else(|err| panic!("{err}"));
            let r = dap_planner::render(&env).unwrap_or_else(|err| panic!("{}: {err}", e.name));
            let bootstrap = dap_planner::bootstrap::bootstrap(&env, &r).map(|b| b.yaml);
            let manifest = r.manifest_json();
            (
                e.name,
                Out {
                    stacks: r.stacks,
                    manifest,
                    bootstrap,
                },
            )
        })
        .collect()
}

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("snapshots");
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s
}

fn expected_names() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (env, r) in rendered() {
        for s in &r.stacks {
            names.insert(format!("{env}-{}", s.kind.slug()));
        }
        names.insert(format!("{env}-manifest"));
        if r.bootstrap.is_some() {
            names.insert(format!("{env}-bootstrap"));
        }
    }
    names
}

#[test]
fn templates_match_snapshots() {
    settings().bind(|| {
        for (env, r) in rendered() {
            for s in &r.stacks {
                insta::assert_snapshot!(format!("{env}-{}", s.kind.slug()), s.yaml);
            }
            insta::assert_snapshot!(format!("{env}-manifest"), r.manifest);
            if let Some(b) = &r.bootstrap {
                insta::assert_snapshot!(format!("{env}-bootstrap"), b);
            }
        }
    });
}

#[test]
fn no_orphaned_snapshots() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/planner/snapshots");
    let mut orphans = Vec::new();
    let expected = expected_names();
    for entry in std::fs::read_dir(&dir).expect("snapshots folder") {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        match name.strip_suffix(".snap") {
            Some(stem) if expected.contains(stem) => {}
            Some(_) => orphans.push(name),
            None if name.ends_with(".snap.new") || name.ends_with(".pending-snap") => {}
            None => orphans.push(name),
        }
    }
    assert!(
        orphans.is_empty(),
        "snapshots that no environment renders any more (delete them): {orphans:?}"
    );
}

#[test]
fn rendering_is_byte_identical_run_to_run() {
    let a = rendered();
    let b = rendered();
    for ((env, x), (_, y)) in a.iter().zip(&b) {
        for (s, t) in x.stacks.iter().zip(&y.stacks) {
            assert_eq!(s.yaml, t.yaml, "{env}/{}", s.kind.slug());
        }
        assert_eq!(x.manifest, y.manifest, "{env}");
        assert_eq!(x.bootstrap, y.bootstrap, "{env}");
    }
}
