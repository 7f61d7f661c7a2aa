//! The committed `docs/generated/` is exactly what `dap docs --all` and
//! `dap docs --compare staging prod` write: the same library calls on the same environment
//! files. Run with `DAP_UPDATE_DOCS=1` to rewrite the files without building the CLI
//! (`make docs`).

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every environment file, as `dap docs --all` reads them (sorted by name).
fn environments() -> Vec<(dap_config::Environment, dap_planner::Rendered)> {
    let dir = repo().join("environments");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let path = e.unwrap().path();
            let stem = path.file_stem()?.to_str()?.to_owned();
            (path.extension()? == "yaml").then_some(stem)
        })
        .collect();
    names.sort();
    names
        .iter()
        .map(|n| {
            let shown = format!("environments/{n}.yaml");
            let text = std::fs::read_to_string(repo().join(&shown)).unwrap();
            let env = dap_config::parse(&shown, &text).unwrap();
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
