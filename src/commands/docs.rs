//! `dap docs`: write the reports for auditors and the architecture diagram, or check that the
//! files on disk are current.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::args::{DocsArgs, EnvSelection};
use crate::environments;
use crate::exit_code;
use crate::printer::Printer;

/// The extensions `dap docs` writes: other files in its folders are left alone.
const OWNED: [&str; 3] = ["md", "svg", "html"];

pub fn run(args: &DocsArgs, printer: Printer) -> crate::error::Result<i32> {
    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    let mut owned_dirs: Vec<PathBuf> = Vec::new();
    let mut regenerate = String::from("dap docs");
    if let Some(pair) = &args.compare {
        let mut loaded = Vec::new();
        for name in pair {
            let sel = EnvSelection {
                env: Some(name.clone()),
                all: false,
            };
            let l = environments::load(&args.env_dir, &sel)?.remove(0);
            let rendered = dap_planner::render(&l.env)
                .with_context(|| format!("cannot render `{}`", l.path.display()))?;
            loaded.push((l.env, rendered));
        }
        let docs = dap_docs::compare((&loaded[0].0, &loaded[0].1), (&loaded[1].0, &loaded[1].1))?;
        files.extend(docs.into_iter().map(|(k, v)| (args.out.join(k), v)));
        regenerate.push_str(&format!(" --compare {} {}", pair[0], pair[1]));
    } else {
        let sel = EnvSelection {
            env: args.env.clone(),
            all: args.all,
        };
        for l in environments::load(&args.env_dir, &sel)? {
            let rendered = dap_planner::render(&l.env)
                .with_context(|| format!("cannot render `{}`", l.path.display()))?;
            let docs = dap_docs::generate(&l.env, &rendered)
                .with_context(|| format!("cannot generate the docs of `{}`", l.env.name))?;
            owned_dirs.push(args.out.join(&l.env.name));
            files.extend(docs.into_iter().map(|(k, v)| (args.out.join(k), v)));
        }
        match &args.env {
            Some(e) => regenerate.push_str(&format!(" --env {e}")),
            None => regenerate.push_str(" --all"),
        }
    }
    let extra = extra_files(&owned_dirs, &files)?;
    if args.check {
        let mut stale = Vec::new();
        for (path, bytes) in &files {
            match std::fs::read(path) {
                Ok(on_disk) if on_disk == *bytes => {}
                Ok(_) => stale.push(format!(
                    "{}: differs from what `dap docs` generates",
                    path.display()
                )),
                Err(_) => stale.push(format!("{}: missing", path.display())),
            }
        }
        for path in &extra {
            stale.push(format!("{}: not generated any more", path.display()));
        }
        if stale.is_empty() {
            writeln!(
                printer.stdout(),
                "{} generated files are current",
                files.len()
            )?;
            return Ok(exit_code::SUCCESS);
        }
        for s in &stale {
            printer.notice(format_args!("stale: {s}"));
        }
        printer.notice(format_args!(
            "{} of the generated docs are stale; run `{regenerate}` and commit the result",
            stale.len()
        ));
        return Ok(exit_code::FAILURE);
    }
    // The files are the result; these lines only list them.
    let mut out = printer.summary();
    for (path, bytes) in &files {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create `{}`", dir.display()))?;
        }
        std::fs::write(path, bytes)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
        writeln!(out, "{:>9} bytes  {}", bytes.len(), path.display())?;
    }
    for path in &extra {
        std::fs::remove_file(path)
            .with_context(|| format!("cannot remove `{}`", path.display()))?;
        writeln!(out, "  removed  {}", path.display())?;
    }
    Ok(exit_code::SUCCESS)
}

/// Files in the environments' folders with an extension `dap docs` writes, that it did not
/// generate this time.
fn extra_files(dirs: &[PathBuf], files: &[(PathBuf, Vec<u8>)]) -> Result<Vec<PathBuf>> {
    let mut extra = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries {
            let path = entry?.path();
            let owned = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| OWNED.contains(&e));
            if owned && path.is_file() && !files.iter().any(|(p, _)| same(p, &path)) {
                extra.push(path);
            }
        }
    }
    extra.sort();
    Ok(extra)
}

fn same(a: &Path, b: &Path) -> bool {
    a == b || a.file_name() == b.file_name() && a.parent() == b.parent()
}
