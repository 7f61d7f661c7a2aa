//! `dap check`: run the platform's rules over an environment's rendered templates (or a folder
//! of templates), print the findings, exit 3 on an unsuppressed error finding.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use dap_rules::{Finding, Report, Severity};

use crate::args::{CheckArgs, CheckFormat, EnvSelection};
use crate::environments;
use crate::exit_code;
use crate::printer::Printer;

/// The file extensions `--templates` reads.
const TEMPLATE_EXTENSIONS: [&str; 4] = ["yaml", "yml", "json", "template"];

/// One checked target and, for SARIF, the file its findings point at.
struct Checked {
    report: Report,
    /// An environment file (findings point at it), or `None` for templates (each finding
    /// points at its own file).
    env_file: Option<String>,
}

pub fn run(args: &CheckArgs, printer: Printer) -> crate::error::Result<i32> {
    let checked = match &args.templates {
        Some(dir) => vec![check_folder(dir)?],
        None => {
            let selection = EnvSelection {
                env: args.env.clone(),
                all: args.all,
            };
            let mut out = Vec::new();
            for l in environments::load(&args.env_dir, &selection)? {
                let rendered = dap_planner::render(&l.env)
                    .with_context(|| format!("cannot render `{}`", l.path.display()))?;
                out.push(Checked {
                    report: dap_rules::check_rendered(&l.env, &rendered),
                    env_file: Some(uri(&l.path)),
                });
                // The deploy role's bootstrap template, on its own: the environment file's
                // suppressions are for the platform's stacks, not for it.
                if let Some(b) = dap_planner::bootstrap::bootstrap(&l.env, &rendered) {
                    let source = dap_rules::Source {
                        stack: &b.stack_name,
                        slug: "bootstrap",
                        file: "bootstrap.yaml",
                        text: &b.yaml,
                    };
                    out.push(Checked {
                        report: dap_rules::check_templates(
                            &format!("{} (bootstrap)", l.env.name),
                            &[source],
                        )
                        .context("cannot check the bootstrap template")?,
                        env_file: Some(uri(&l.path)),
                    });
                }
            }
            out
        }
    };
    let mut out = printer.stdout();
    match args.format {
        CheckFormat::Text => print_text(&mut out, &checked)?,
        CheckFormat::Json => {
            let reports: Vec<&Report> = checked.iter().map(|c| &c.report).collect();
            serde_json::to_writer_pretty(&mut out, &reports)?;
            writeln!(out)?;
        }
        CheckFormat::Sarif => {
            let reports: Vec<Report> = checked.iter().map(|c| c.report.clone()).collect();
            // Findings of templates point at their file and line; findings of an
            // environment's rendered templates point at the environment file, without a line
            // (the line is the rendered template's, which the environment file does not have;
            // the message names the stack and resource).
            let locate = |report: &Report, f: &Finding| {
                let c = checked.iter().find(|c| c.report.target == report.target)?;
                match &c.env_file {
                    Some(file) => Some((file.clone(), None)),
                    None if f.file.is_empty() => None,
                    None => Some((f.file.clone(), f.line)),
                }
            };
            serde_json::to_writer_pretty(&mut out, &dap_rules::sarif::log(&reports, &locate))?;
            writeln!(out)?;
        }
    }
    let blocked = checked.iter().any(|c| c.report.has_errors());
    Ok(if blocked {
        exit_code::BLOCKED
    } else {
        exit_code::SUCCESS
    })
}

/// Check every template under a folder (recursively), as one set: references between them
/// (key ARNs through SSM parameters, buckets by name) are followed. A file that cannot be
/// read or parsed is a `DAP-TPL-001` finding and the others are still checked; symbolic links
/// are followed only while they stay inside the folder, and a folder is walked once.
fn check_folder(dir: &Path) -> Result<Checked> {
    let root = std::fs::canonicalize(dir)
        .with_context(|| format!("cannot read the templates folder `{}`", dir.display()))?;
    let mut walk = Walk {
        root: root.clone(),
        visited: std::collections::BTreeSet::from([root]),
        files: Vec::new(),
        skipped: Vec::new(),
    };
    walk.dir(dir)
        .with_context(|| format!("cannot read the templates folder `{}`", dir.display()))?;
    let Walk {
        mut files, skipped, ..
    } = walk;
    files.sort();
    files.dedup();
    if files.is_empty() {
        bail!(
            "no templates (`*.{}`) in `{}`",
            TEMPLATE_EXTENSIONS.join("`, `*."),
            dir.display()
        );
    }
    let stack_names = manifest_stack_names(&files);
    files.retain(|f| !stack_names.manifests.contains(f));
    let stack_names = stack_names.by_template;
    // (stack, slug, file, text or why it cannot be read)
    let mut texts: Vec<Entry> = Vec::new();
    for path in &files {
        let text = match std::fs::read(path) {
            Ok(bytes) => {
                String::from_utf8(bytes).map_err(|e| format!("the file is not UTF-8 text ({e})"))
            }
            Err(e) => Err(format!("the file cannot be read ({e})")),
        };
        let relative = path.strip_prefix(dir).unwrap_or(path);
        // A folder `dap render` wrote names its stacks in `manifest.json`: findings then name
        // a stack as `dap check --env` does (`dap-dev-storage`, not `storage`).
        let stack = stack_names.get(path).cloned().unwrap_or_else(|| {
            relative
                .with_extension("")
                .to_string_lossy()
                .replace('\\', "/")
        });
        let slug = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        texts.push((stack, slug, uri(path), text));
    }
    type Entry = (String, String, String, Result<String, String>);
    fn source(entry: &Entry) -> dap_rules::Source<'_> {
        let (stack, slug, file, text) = entry;
        dap_rules::Source {
            stack,
            slug,
            file,
            text: text.as_deref().unwrap_or(""),
        }
    }
    let sources: Vec<dap_rules::Source<'_>> =
        texts.iter().filter(|t| t.3.is_ok()).map(source).collect();
    let mut report = dap_rules::check_templates(&dir.display().to_string(), &sources)?;
    for t in texts.iter().filter(|t| t.3.is_err()) {
        let why = t.3.as_ref().err().map(String::as_str).unwrap_or_default();
        report.findings.push(dap_rules::unreadable(&source(t), why));
    }
    report.skipped.extend(skipped);
    if report.templates == 0 && !report.has_errors() {
        bail!(
            "no CloudFormation templates in `{}`: none of its {} file(s) has `Resources`",
            dir.display(),
            files.len()
        );
    }
    Ok(Checked {
        report,
        env_file: None,
    })
}

/// Stack names read from the `manifest.json` files `dap render` writes beside its templates.
struct StackNames {
    /// Template path → stack name.
    by_template: std::collections::BTreeMap<PathBuf, String>,
    /// The manifests read (not reported as skipped files).
    manifests: Vec<PathBuf>,
}

/// The stack names of every `manifest.json` of the walk that names templates of the walk (a
/// `manifest.json` that is not `dap render`'s is left to be checked like any other file).
fn manifest_stack_names(files: &[PathBuf]) -> StackNames {
    let mut names = StackNames {
        by_template: Default::default(),
        manifests: Vec::new(),
    };
    for path in files.iter().filter(|f| f.ends_with("manifest.json")) {
        let dir = path.parent().unwrap_or(Path::new(""));
        let Some(manifest) = std::fs::read(path)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        else {
            continue;
        };
        let Some(stacks) = manifest.get("stacks").and_then(|s| s.as_array()) else {
            continue;
        };
        for s in stacks {
            let field = |k: &str| s.get(k).and_then(|v| v.as_str());
            if let (Some(name), Some(template)) = (field("name"), field("template")) {
                let template = dir.join(template);
                if files.contains(&template) {
                    names.by_template.insert(template, name.to_owned());
                }
            }
        }
        names.manifests.push(path.clone());
    }
    names
}

/// The walk of a templates folder.
struct Walk {
    /// The folder, canonical: links may not lead out of it.
    root: PathBuf,
    /// The folders walked (canonical), so a link loop is walked once.
    visited: std::collections::BTreeSet<PathBuf>,
    /// The template files found.
    files: Vec<PathBuf>,
    /// Links not followed, and why.
    skipped: Vec<String>,
}

impl Walk {
    fn dir(&mut self, dir: &Path) -> std::io::Result<()> {
        let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.path());
        for entry in entries {
            let path = entry.path();
            let ty = entry.file_type()?;
            let (is_dir, is_file) = if ty.is_symlink() {
                match std::fs::canonicalize(&path) {
                    Ok(target) if !target.starts_with(&self.root) => {
                        self.skipped
                            .push(format!("{} (a link out of the folder)", path.display()));
                        continue;
                    }
                    Ok(target) => (target.is_dir(), target.is_file()),
                    Err(_) => {
                        self.skipped
                            .push(format!("{} (a link to nothing)", path.display()));
                        continue;
                    }
                }
            } else {
                (ty.is_dir(), ty.is_file())
            };
            if is_dir {
                let canonical = std::fs::canonicalize(&path)?;
                if self.visited.insert(canonical) {
                    self.dir(&path)?;
                }
            } else if is_file
                && path
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| TEMPLATE_EXTENSIONS.contains(&e))
            {
                self.files.push(path);
            }
        }
        Ok(())
    }
}

/// A path as a SARIF artifact URI: relative paths with `/`, absolute ones as `file://`.
fn uri(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let text = text.strip_prefix("./").unwrap_or(&text).to_owned();
    if path.is_absolute() {
        format!("file://{text}")
    } else {
        text
    }
}

fn print_text(out: &mut impl Write, checked: &[Checked]) -> Result<()> {
    for c in checked {
        print_report(out, &c.report)?;
    }
    if checked.len() > 1 {
        let blocked: Vec<&str> = checked
            .iter()
            .filter(|c| c.report.has_errors())
            .map(|c| c.report.target.as_str())
            .collect();
        match blocked.as_slice() {
            [] => writeln!(out, "{} targets checked: no error findings", checked.len())?,
            names => writeln!(
                out,
                "{} targets checked: error findings in {}",
                checked.len(),
                names.join(", ")
            )?,
        }
    }
    Ok(())
}

/// Print one report: the header, every finding (suppressed ones with their reason), the summary.
pub fn print_report(out: &mut impl Write, r: &Report) -> Result<()> {
    writeln!(
        out,
        "{}: {} templates, {} resources, {} rules",
        r.target,
        r.templates,
        r.resources,
        dap_rules::rules::all().len()
    )?;
    for skipped in &r.skipped {
        // Links the walk did not follow say why in parentheses; other files had no
        // `Resources`.
        if skipped.ends_with(')') {
            writeln!(out, "  skipped {skipped}")?;
        } else {
            writeln!(
                out,
                "  skipped {skipped}: not a CloudFormation template (no `Resources`)"
            )?;
        }
    }
    for f in &r.findings {
        let label = match (&f.suppressed, f.severity) {
            (Some(_), _) => "suppressed",
            (None, Severity::Error) => "error",
            (None, Severity::Warning) => "warning",
            (None, Severity::Note) => "note",
        };
        // SARIF wants URIs; people want the path.
        let file = f.file.strip_prefix("file://").unwrap_or(&f.file);
        let place = match f.line {
            Some(line) => format!("{file}:{line}"),
            None if file.is_empty() => "-".to_owned(),
            None => file.to_owned(),
        };
        writeln!(
            out,
            "  {label} {} {}: {}/{} ({place})",
            f.code, f.rule, f.stack, f.logical_id
        )?;
        writeln!(out, "    {}", f.message)?;
        match &f.suppressed {
            Some(s) => writeln!(out, "    reason ({}): {}", s.source, s.reason)?,
            None => writeln!(out, "    fix: {}", f.fix)?,
        }
    }
    writeln!(out, "  {}", r.summary())?;
    Ok(())
}
