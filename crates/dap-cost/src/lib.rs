//! The monthly cost of an environment: its CloudFormation templates priced per stack and
//! resource, from the price table shipped in the repository (`data/prices-<region>.json`) and
//! the usage assumptions of the environment file (`usage:`, [`dap_config::Usage`]).
//!
//! The crate is pure like the planner: no network, clock, environment variables or files (the
//! price table is compiled in). It works on template JSON, so the rendered templates and those
//! read back from deployed stacks ([`parse_template`]) are priced the same way, and two
//! estimates compare into the monthly change a plan makes ([`delta`]).
//!
//! Each resource is priced by its `Type` ([`types::PRICED`], rules in `estimate.rs`) or costs
//! nothing ([`types::FREE`], with the reason); any other type is an error, so a new resource
//! type cannot be silently free. Free tiers, data transfer and taxes are not counted.
//! docs/cost-model.md says how each type is priced.
//!
//! # Example
//!
//! ```
//! let env = dap_config::parse("local.yaml", include_str!("../../../environments/local.yaml"))
//!     .unwrap();
//! let rendered = dap_planner::render(&env).unwrap();
//! let estimate = dap_cost::estimate_rendered(&rendered, &env).unwrap();
//! assert!(estimate.monthly_usd > 0.0);
//! let text = dap_cost::render_text(&estimate, Some(f64::from(env.budget.monthly_usd)));
//! assert!(text.starts_with("Monthly cost estimate: $"));
//!
//! // The same templates before and after: no change.
//! let change = dap_cost::delta(&estimate, &estimate);
//! assert!(change.is_empty());
//! ```
#![warn(missing_docs)]

mod delta;
mod error;
mod estimate;
mod format;
pub mod prices;
mod render;
pub mod schedule;
pub mod types;

pub use delta::{delta, CostDelta, ResourceDelta, StackDelta};
pub use error::CostError;
pub use estimate::{
    estimate, worker_dpu, BudgetStatus, CostLine, Estimate, ResourceCost, StackCost, ATHENA_MIN_MB,
    CRAWLER_DPU, CRAWLER_MINUTES, DEFAULT_ROOT_GB, DETAILED_MONITORING_METRICS, MB_PER_TB,
};
pub use format::{format_usd, format_usd_change};
pub use prices::{Price, PriceTable};
pub use render::{render_delta_text, render_text, summary};

use dap_config::Environment;
use dap_planner::Rendered;
use serde_json::Value;

/// The rendered stacks as (stack name, template JSON): the tree each template's YAML
/// encodes, in deployment order.
pub fn rendered_templates(rendered: &Rendered) -> Vec<(String, Value)> {
    rendered
        .stacks
        .iter()
        .map(|s| {
            (
                s.name.clone(),
                serde_json::to_value(&s.template).expect("a template serializes"),
            )
        })
        .collect()
}

/// The estimate of a rendered environment: its templates, its `usage:` assumptions and the
/// price table of its region.
///
/// # Errors
///
/// [`CostError::NoPriceTable`] for a region without a shipped table, and the errors of
/// [`estimate`].
pub fn estimate_rendered(rendered: &Rendered, env: &Environment) -> Result<Estimate, CostError> {
    let prices = PriceTable::for_region(&env.region)?;
    estimate(&rendered_templates(rendered), &env.usage, &prices)
}

/// A template's text (YAML or JSON, as `cloudformation:GetTemplate` returns it; short-form
/// intrinsics such as `!Ref` accepted) as the JSON tree [`estimate`] takes.
///
/// # Errors
///
/// [`CostError::Template`] naming `stack`, with the parser's message.
pub fn parse_template(stack: &str, text: &str) -> Result<Value, CostError> {
    dap_model::parse::parse_text(text).map_err(|message| CostError::Template {
        stack: stack.to_owned(),
        message,
    })
}
