//! `dap render`: write every stack's template and the manifest, print a summary.

use std::io::Write;

use anyhow::Context;

use crate::args::RenderArgs;
use crate::environments;
use crate::exit_code;
use crate::printer::Printer;

pub fn run(args: &RenderArgs, printer: Printer) -> crate::error::Result<i32> {
    let loaded = environments::load(&args.env_dir, &args.selection)?;
    let mut manifests = Vec::new();
    // The manifests are the result; the table only summarises the files written.
    let mut out: Box<dyn Write> = if args.output.json() {
        Box::new(printer.stdout())
    } else {
        printer.summary()
    };
    for l in &loaded {
        let rendered = dap_planner::render(&l.env)
            .with_context(|| format!("cannot render `{}`", l.path.display()))?;
        let dir = args.out.join(&l.env.name);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create `{}`", dir.display()))?;
        for s in &rendered.stacks {
            let path = dir.join(format!("{}.yaml", s.kind.slug()));
            std::fs::write(&path, &s.yaml)
                .with_context(|| format!("cannot write `{}`", path.display()))?;
        }
        // Beside the environments' folders, not in one: `out/<env>/` holds exactly what `dap`
        // deploys, and the deploy role is deployed once by hand.
        let bootstrap_path = args
            .out
            .join("bootstrap")
            .join(format!("{}.yaml", l.env.name));
        let bootstrap = dap_planner::bootstrap::bootstrap(&l.env, &rendered);
        match &bootstrap {
            Some(b) => {
                std::fs::create_dir_all(args.out.join("bootstrap")).with_context(|| {
                    format!("cannot create `{}`", args.out.join("bootstrap").display())
                })?;
                std::fs::write(&bootstrap_path, &b.yaml)
                    .with_context(|| format!("cannot write `{}`", bootstrap_path.display()))?
            }
            None if bootstrap_path.exists() => {
                std::fs::remove_file(&bootstrap_path).with_context(|| {
                    format!("cannot remove the stale `{}`", bootstrap_path.display())
                })?
            }
            None => {}
        }
        let manifest_path = dir.join("manifest.json");
        std::fs::write(&manifest_path, rendered.manifest_json())
            .with_context(|| format!("cannot write `{}`", manifest_path.display()))?;
        if args.output.json() {
            manifests.push(rendered.manifest);
            continue;
        }
        let m = &rendered.manifest;
        writeln!(
            out,
            "{} (account {}, {}, protection {}) -> {}",
            m.environment,
            m.account_id,
            m.region,
            m.protection,
            dir.display()
        )?;
        writeln!(
            out,
            "  {:<24} {:>9} {:>8}  {:<12} depends on",
            "stack", "resources", "bytes", "sha256"
        )?;
        for s in &m.stacks {
            writeln!(
                out,
                "  {:<24} {:>9} {:>8}  {:<12} {}{}",
                s.name,
                s.resources,
                s.bytes,
                &s.sha256[..12],
                if s.depends_on.is_empty() {
                    "-".to_owned()
                } else {
                    s.depends_on.join(", ")
                },
                if s.needs_template_url {
                    "  (over 51,200 bytes: deployed through S3)"
                } else {
                    ""
                }
            )?;
        }
        let total: usize = m.stacks.iter().map(|s| s.resources).sum();
        writeln!(out, "  {} stacks, {total} resources", m.stacks.len())?;
        if let Some(b) = &bootstrap {
            writeln!(
                out,
                "  bootstrap: {} (the deploy role; once per account: `aws cloudformation deploy --template-file {} --stack-name {} --capabilities CAPABILITY_NAMED_IAM`)",
                bootstrap_path.display(),
                bootstrap_path.display(),
                b.stack_name
            )?;
        }
    }
    if args.output.json() {
        serde_json::to_writer_pretty(&mut out, &manifests)?;
        writeln!(out)?;
    }
    Ok(exit_code::SUCCESS)
}
