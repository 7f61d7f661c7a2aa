//! `dap cost`: the monthly cost of an environment's rendered templates, per stack and
//! resource, from the shipped price table and the environment's `usage` assumptions, compared
//! with its budget. Reads no AWS account.

use std::io::Write;

use anyhow::Context;

use crate::args::CostArgs;
use crate::environments;
use crate::exit_code;
use crate::printer::Printer;

pub fn run(args: &CostArgs, printer: Printer) -> crate::error::Result<i32> {
    let mut out = printer.stdout();
    let mut estimates = Vec::new();
    for l in environments::load(&args.env_dir, &args.selection)? {
        let rendered = dap_planner::render(&l.env)
            .with_context(|| format!("cannot render `{}`", l.path.display()))?;
        let estimate = dap_cost::estimate_rendered(&rendered, &l.env)
            .with_context(|| format!("cannot estimate the cost of `{}`", l.path.display()))?;
        let budget = f64::from(l.env.budget.monthly_usd);
        if args.output.json() {
            estimates.push(serde_json::json!({
                "environment": l.env.name,
                "budget_usd": budget,
                "budget": estimate.budget_check(budget),
                "estimate": estimate,
            }));
            continue;
        }
        writeln!(
            out,
            "cost of `{}` (account {}, {})",
            l.env.name, l.env.account_id, l.env.region
        )?;
        write!(out, "{}", dap_cost::render_text(&estimate, Some(budget)))?;
    }
    if args.output.json() {
        serde_json::to_writer_pretty(&mut out, &estimates).context("cannot write the estimates")?;
        writeln!(out)?;
    }
    out.flush()?;
    Ok(exit_code::SUCCESS)
}
