//! The estimate as text, exactly as `dap cost` prints it, and the change as `dap plan` prints
//! it. Amounts are rounded to cents here only.

use std::collections::BTreeMap;

use crate::delta::CostDelta;
use crate::estimate::{CostLine, Estimate, StackCost};
use crate::format::{format_usd, format_usd_change, quantity};

/// The estimate as a table per stack (resource, type, monthly cost, and the basis: quantity,
/// unit price and how the quantity was derived), the total, and, given the environment's monthly budget in USD, where the
/// estimate stands against it, with a warning above 80 %.
pub fn render_text(estimate: &Estimate, monthly_budget_usd: Option<f64>) -> String {
    let mut out = format!(
        "Monthly cost estimate: {} ({} prices as of {})\n",
        format_usd(estimate.monthly_usd),
        estimate.region,
        estimate.prices_as_of
    );
    for stack in &estimate.stacks {
        out.push('\n');
        stack_table(&mut out, stack);
    }
    out.push_str(&format!(
        "\nTotal: {} a month\n",
        format_usd(estimate.monthly_usd)
    ));
    if let Some(budget) = monthly_budget_usd {
        let status = estimate.budget_check(budget);
        let budget = format_usd(budget);
        let percent = format!("{:.1} %", status.percent);
        out.push_str(&if status.over_100 {
            format!("warning: the estimate is {percent} of the monthly budget of {budget}: over the budget\n")
        } else if status.over_80 {
            format!("warning: the estimate is {percent} of the monthly budget of {budget}, above 80 %\n")
        } else {
            format!("Budget: the estimate is {percent} of the monthly budget of {budget}\n")
        });
    }
    out.push_str(
        "Not counted: free tiers, data transfer, taxes. Usage assumed: the environment's `usage:` section (docs/cost-model.md).\n",
    );
    out
}

fn stack_table(out: &mut String, stack: &StackCost) {
    out.push_str(&format!(
        "{}: {} a month\n",
        stack.name,
        format_usd(stack.monthly_usd)
    ));
    let mut rows: Vec<[String; 4]> = Vec::new();
    let mut free: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &stack.resources {
        if r.lines.is_empty() {
            *free.entry(r.resource_type.as_str()).or_default() += 1;
            continue;
        }
        for (i, l) in r.lines.iter().enumerate() {
            let (id, ty) = if i == 0 {
                (r.logical_id.clone(), r.resource_type.clone())
            } else {
                (String::new(), String::new())
            };
            rows.push([id, ty, format_usd(l.usd), how(l)]);
        }
    }
    if !rows.is_empty() {
        let header = [
            "resource".to_owned(),
            "type".to_owned(),
            "monthly".to_owned(),
            "basis".to_owned(),
        ];
        let widths: Vec<usize> = (0..3)
            .map(|c| {
                rows.iter()
                    .chain([&header])
                    .map(|r| r[c].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        for row in [&header].into_iter().chain(&rows) {
            out.push_str(&format!(
                "  {:<w0$}  {:<w1$}  {:>w2$}  {}\n",
                row[0],
                row[1],
                row[2],
                row[3],
                w0 = widths[0],
                w1 = widths[1],
                w2 = widths[2]
            ));
        }
    }
    if !free.is_empty() {
        let n: usize = free.values().sum();
        let kinds: Vec<String> = free.iter().map(|(t, k)| format!("{k} {t}")).collect();
        out.push_str(&format!(
            "  no charge: {n} {} ({})\n",
            if n == 1 { "resource" } else { "resources" },
            kinds.join(", ")
        ));
    }
}

/// `25.35 DPU-hours × $0.44: 5 workers × 2 DPU (G.2X) × ...`
fn how(l: &CostLine) -> String {
    format!(
        "{} {} × ${}: {}",
        quantity(l.quantity),
        plural(&l.unit, l.quantity),
        quantity(l.unit_usd),
        l.basis
    )
}

/// A unit for a quantity: `1 hour`, `730 hours`, `2 GB`.
fn plural(unit: &str, n: f64) -> String {
    if n == 1.0 || unit.ends_with('B') {
        unit.to_owned()
    } else {
        format!("{unit}s")
    }
}

/// The change in monthly cost, as `dap plan` prints it: one line with the totals, then each
/// stack and resource whose cost changes (`+` added, `~` changed, `-` removed).
pub fn render_delta_text(delta: &CostDelta) -> String {
    let mut out = summary(delta);
    out.push('\n');
    for s in &delta.stacks {
        out.push_str(&format!(
            "  {}: {}\n",
            s.name,
            amounts(s.before, s.after, s.change)
        ));
        for r in &s.resources {
            let mark = match (r.before, r.after) {
                (None, _) => '+',
                (_, None) => '-',
                _ => '~',
            };
            out.push_str(&format!(
                "    {mark} {} ({}): {}\n",
                r.logical_id,
                r.resource_type,
                amounts(r.before, r.after, r.change)
            ));
        }
    }
    out
}

/// The one-line summary: `Monthly cost: $120.00 -> $123.00 (+$3.00)`, or `unchanged`.
pub fn summary(delta: &CostDelta) -> String {
    if delta.is_empty() {
        format!("Monthly cost: {}, unchanged", format_usd(delta.after))
    } else {
        format!(
            "Monthly cost: {}",
            amounts(Some(delta.before), Some(delta.after), delta.change)
        )
    }
}

fn amounts(before: Option<f64>, after: Option<f64>, change: f64) -> String {
    match (before, after) {
        (Some(b), Some(a)) => format!(
            "{} -> {} ({})",
            format_usd(b),
            format_usd(a),
            format_usd_change(change)
        ),
        (None, Some(_)) => format!("{} (new)", format_usd_change(change)),
        (Some(_), None) => format!("{} (removed)", format_usd_change(change)),
        (None, None) => format_usd_change(change),
    }
}
