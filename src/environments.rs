//! Reading environment files: the only place the CLI turns a file into an `Environment`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use dap_config::Environment;

use crate::args::EnvSelection;

/// A loaded environment and the file it came from.
pub struct Loaded {
    /// The file.
    pub path: PathBuf,
    /// The parsed, validated environment.
    pub env: Environment,
}

/// Load the selected environments. Validation errors are returned as a miette report with
/// every located error of the file.
pub fn load(dir: &Path, selection: &EnvSelection) -> crate::error::Result<Vec<Loaded>> {
    let names = match &selection.env {
        Some(name) => vec![name.clone()],
        None => list(dir)?,
    };
    names.iter().map(|n| load_one(dir, n)).collect()
}

/// The environment names in a folder: the stems of its `*.yaml` files, sorted.
pub fn list(dir: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the environments folder `{}`", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "yaml") {
            if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
                names.push(stem.to_owned());
            }
        }
    }
    names.sort();
    if names.is_empty() {
        bail!("no environment files (`*.yaml`) in `{}`", dir.display());
    }
    Ok(names)
}

fn load_one(dir: &Path, name: &str) -> crate::error::Result<Loaded> {
    let path = dir.join(format!("{name}.yaml"));
    if !path.exists() {
        let known = list(dir).map(|l| l.join(", ")).unwrap_or_default();
        crate::error::fail!(
            "no environment `{name}`: `{}` does not exist (known: {known})",
            path.display()
        );
    }
    let bytes = read_bounded(&path, dap_config::MAX_FILE_BYTES + 1)?;
    let shown = path.display().to_string();
    let env = dap_config::parse_bytes(&shown, &bytes)
        .map_err(|e| crate::error::CliError::Config(Box::new(e)))?;
    Ok(Loaded { path, env })
}

/// Read an input file: only a regular file (a symlink to one is followed; a FIFO, device or
/// folder is refused without opening it, so `/dev/zero` cannot fill memory and a FIFO cannot
/// hang the run), and at most `limit` bytes. Environment files are read with one byte over
/// [`dap_config::MAX_FILE_BYTES`], so that the parser refuses a larger one with its size.
pub fn read_bounded(path: &Path, limit: usize) -> Result<Vec<u8>> {
    use std::io::Read;
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    if !meta.is_file() {
        let what = if meta.is_dir() {
            "a folder"
        } else {
            "not a regular file (a pipe, socket or device)"
        };
        bail!(
            "cannot read `{}`: it is {what}; environment files are regular files",
            path.display()
        );
    }
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    let mut bytes = Vec::new();
    file.take(limit as u64)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    Ok(bytes)
}

/// The header of a config report: the file and how many errors, then each located error
/// (miette would otherwise repeat every error's one-line form in the header).
#[derive(Debug)]
pub struct Summary<'a>(pub &'a dap_config::ConfigErrors);

impl std::fmt::Display for Summary<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let errors = self.0.errors();
        let file = errors
            .first()
            .map(|e| e.file.as_str())
            .unwrap_or("environment file");
        let n = errors.len();
        write!(
            f,
            "`{file}`: {n} error{}; nothing was rendered",
            if n == 1 { "" } else { "s" }
        )?;
        if self.0.hidden() > 0 {
            write!(
                f,
                " (the first {} are shown; {} more are not)",
                self.0.shown(),
                self.0.hidden()
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for Summary<'_> {}

impl miette::Diagnostic for Summary<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.0.code()
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.0.help()
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        self.0.related()
    }
}
