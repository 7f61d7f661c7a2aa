//! `dap verify`: the live account against the model; exit 0 the same, 2 differences, 1 error.

use std::io::Write;

use anyhow::{Context, Result};
use dap_applier::Verification;

use crate::args::VerifyArgs;
use crate::exit_code;
use crate::printer::Printer;
use crate::session;

pub fn run(args: &VerifyArgs, printer: Printer) -> crate::error::Result<i32> {
    let session = session::connect(&args.aws, printer)?;
    let verification = session.runtime.block_on(session.applier.verify())?;
    let document = serde_json::to_value(&verification)?;
    if let Some(dir) = &args.report {
        for (path, bytes) in dap_docs::evidence(&document)? {
            let path = dir.join(path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create `{}`", parent.display()))?;
            }
            std::fs::write(&path, bytes)
                .with_context(|| format!("cannot write `{}`", path.display()))?;
            printer.status(format_args!("wrote {}", path.display()));
        }
    }
    let mut out = printer.stdout();
    if args.output.json() {
        let mut bytes = serde_json::to_vec_pretty(&document)?;
        bytes.push(b'\n');
        out.write_all(&bytes)?;
    } else {
        print(&mut out, &verification, args.all_checks)?;
    }
    out.flush()?;
    Ok(if verification.clean() {
        exit_code::SUCCESS
    } else {
        exit_code::DRIFT
    })
}

/// The text form: a header; each finding (or every check) on a line with the model's and
/// the live value; the fix of each code once; a count per service; the summary.
pub fn print(out: &mut impl Write, v: &Verification, all: bool) -> Result<()> {
    writeln!(
        out,
        "verify `{}` (account {}, {}) as {}",
        v.environment, v.account_id, v.region, v.caller_arn
    )?;
    let shown: Vec<_> = if all {
        v.checks.iter().collect()
    } else {
        v.findings.iter().collect()
    };
    let mut fixes: Vec<(&str, String)> = Vec::new();
    for c in shown {
        let mark = if c.passed {
            "ok".to_owned()
        } else {
            c.severity.as_str().to_uppercase()
        };
        let values = if c.expected.contains('\n') || c.live.contains('\n') {
            format!(
                "\n         model: {}\n         live:  {}",
                indent(&c.expected),
                indent(&c.live)
            )
        } else {
            format!(" (model: {}; live: {})", c.expected, c.live)
        };
        writeln!(
            out,
            "{mark:>6} {} {}: {}{values}",
            c.code, c.resource, c.check
        )?;
        if !c.passed && !fixes.iter().any(|(code, _)| *code == c.code) {
            fixes.push((c.code, generic_fix(c.code)));
        }
    }
    if !fixes.is_empty() {
        writeln!(out, "fixes:")?;
        for (code, fix) in fixes {
            writeln!(out, "  {code}: {fix}")?;
        }
    }
    let mut services: Vec<(&str, usize, usize)> = Vec::new();
    for c in &v.checks {
        match services.iter_mut().find(|(s, _, _)| *s == c.service) {
            Some((_, n, f)) => {
                *n += 1;
                *f += usize::from(!c.passed);
            }
            None => services.push((c.service, 1, usize::from(!c.passed))),
        }
    }
    let per: Vec<String> = services
        .iter()
        .map(|(s, n, f)| {
            if *f == 0 {
                format!("{s} {n} ok")
            } else {
                format!("{s} {n} ({f} failed)")
            }
        })
        .collect();
    writeln!(out, "checks: {}", per.join(", "))?;
    writeln!(out, "{} in {} ms", v.summary_line(), v.elapsed_ms)?;
    if v.clean() {
        writeln!(out, "live matches the model")?;
    } else {
        writeln!(
            out,
            "live differs from the model: {} finding{} (codes: docs/verify.md)",
            v.summary.findings,
            if v.summary.findings == 1 { "" } else { "s" }
        )?;
    }
    Ok(())
}

/// A code's fix for every resource it was found on.
fn generic_fix(code: &str) -> String {
    dap_applier::verify::CODES
        .iter()
        .find(|c| c.code == code)
        .map(|c| c.fix.replace("{resource}", "<resource>"))
        .unwrap_or_default()
}

fn indent(text: &str) -> String {
    text.replace('\n', "\n                ")
}
