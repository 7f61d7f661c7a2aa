//! Shared by the integration tests: the shipped environments, rendered.

use std::path::Path;

/// Every environment file in `environments/`, read at test time so a new one is covered.
pub fn shipped() -> Vec<(dap_config::Environment, dap_planner::Rendered)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../environments");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "{files:?}");
    files
        .iter()
        .map(|p| {
            let name = format!("environments/{}", p.file_name().unwrap().to_string_lossy());
            let env = dap_config::parse(&name, &std::fs::read_to_string(p).unwrap())
                .unwrap_or_else(|e| panic!("{e}"));
            let rendered = dap_planner::render(&env).unwrap();
            (env, rendered)
        })
        .collect()
}
