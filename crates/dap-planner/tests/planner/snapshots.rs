//! Snapshot tests: one YAML snapshot per environment and stack, plus each manifest.
//!
//! A changed template fails until the snapshot is reviewed (`cargo insta review`); a snapshot
//! file that no environment renders any more fails `make test`'s unreferenced-snapshot step.

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
