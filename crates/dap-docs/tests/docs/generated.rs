//! The committed `docs/generated/` is exactly what `dap docs --all` and
//! `dap docs --compare staging prod` write: the same library calls on the same environment
//! files. Run with `DAP_UPDATE_DOCS=1` to rewrite the files without building the CLI
//! (`make docs`).

fn repo() -> std::path::PathBuf {
    dap_testkit::repo()
}

/// Every environment file, as `dap docs --all` reads them (sorted by name).
fn environments() -> Vec<(dap_config::Environment, dap_planner::Rendered)> {
    dap_testkit::shipped()
        .iter()
        .map(|e| {
            let env = dap_config::parse(&e.file, &e.text).unwrap();
            let rendered = dap_planner::render(&env).unwrap();
            (env, rendered)
        })
        .collect()
}

#[test]
fn committed_generated_docs_are_current() {
    let out = repo().join("docs/generated");
    let envs = environments();
    let mut files = dap_docs::Docs::new();
    for (env, rendered) in &envs {
        files.extend(dap_docs::generate(env, rendered).unwrap());
    }
    let pick = |name: &str| envs.iter().find(|(e, _)| e.name == name).unwrap();
    let (staging, prod) = (pick("staging"), pick("prod"));
    files.extend(dap_docs::compare((&staging.0, &staging.1), (&prod.0, &prod.1)).unwrap());

    let update = std::env::var_os("DAP_UPDATE_DOCS").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    for (name, bytes) in &files {
        let path = out.join(name);
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, bytes).unwrap();
        } else if std::fs::read(&path).ok().as_ref() != Some(bytes) {
            stale.push(name.clone());
        }
    }
    assert!(
        stale.is_empty(),
        "docs/generated/ is stale ({stale:?}); run `make docs` (or `dap docs --all` and \
         `dap docs --compare staging prod`) and commit the result"
    );
}
