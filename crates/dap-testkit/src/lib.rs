//! What the crates' test suites and benchmarks share (a dev-dependency only; nothing the
//! `dap` binary links).
//!
//! [`shipped`] reads every environment file in the repository's `environments/` folder when
//! the test runs, so a new environment file gets its snapshots, invariants and docs checks
//! without a test being edited. Parsing stays with the caller (`dap_config::parse(&e.file,
//! &e.text)`), which keeps this crate free of the crates it serves.

use std::path::{Path, PathBuf};

/// One shipped environment file.
#[derive(Clone, Debug)]
pub struct Shipped {
    /// The file's stem: the environment's name (`prod`).
    pub name: String,
    /// The path as the CLI names it in messages (`environments/prod.yaml`).
    pub file: String,
    /// The file's text.
    pub text: String,
}

/// The repository's root folder.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository root")
}

/// Every `environments/*.yaml`, sorted by name.
pub fn shipped() -> Vec<Shipped> {
    let dir = repo().join("environments");
    let mut out: Vec<Shipped> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            Shipped {
                file: format!("environments/{name}.yaml"),
                text: std::fs::read_to_string(&p)
                    .unwrap_or_else(|e| panic!("{}: {e}", p.display())),
                name,
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(!out.is_empty(), "no environment files in {}", dir.display());
    out
}

/// One shipped environment file by name (panics, naming the ones there are, when missing).
pub fn shipped_named(name: &str) -> Shipped {
    let all = shipped();
    let names: Vec<String> = all.iter().map(|s| s.name.clone()).collect();
    all.into_iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no environments/{name}.yaml (there are {names:?})"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_four_shipped_environments_are_found_in_order() {
        let names: Vec<String> = super::shipped().into_iter().map(|s| s.name).collect();
        assert!(names.windows(2).all(|w| w[0] < w[1]), "{names:?}");
        for n in ["dev", "local", "prod", "staging"] {
            assert!(names.iter().any(|x| x == n), "{n}");
        }
        assert!(super::shipped_named("prod").text.contains("name: prod"));
    }
}
