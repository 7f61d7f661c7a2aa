//! What a change does to the monthly cost: two estimates compared stack by stack and resource
//! by resource (for `dap plan`: the deployed templates before, the rendered ones after).

use serde::{Deserialize, Serialize};

use crate::estimate::{Estimate, StackCost};

/// The change in monthly cost between two estimates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostDelta {
    /// Stacks whose cost changes, or that are added or removed: the after estimate's order,
    /// then the stacks only the before one has.
    pub stacks: Vec<StackDelta>,
    /// The monthly cost before, USD.
    pub before: f64,
    /// The monthly cost after, USD.
    pub after: f64,
    /// `after - before`.
    pub change: f64,
}

/// One stack's change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StackDelta {
    /// The stack name.
    pub name: String,
    /// Its monthly cost before (`None`: the stack is new).
    pub before: Option<f64>,
    /// Its monthly cost after (`None`: the stack is removed).
    pub after: Option<f64>,
    /// `after - before`, a missing side counting as 0.
    pub change: f64,
    /// The resources whose monthly cost changes (added and removed ones with a cost
    /// included), in the after template's order, then the removed ones.
    pub resources: Vec<ResourceDelta>,
}

/// One resource's change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceDelta {
    /// The logical id.
    pub logical_id: String,
    /// The CloudFormation type (the after one when it changed).
    pub resource_type: String,
    /// Its monthly cost before (`None`: added).
    pub before: Option<f64>,
    /// Its monthly cost after (`None`: removed).
    pub after: Option<f64>,
    /// `after - before`, a missing side counting as 0.
    pub change: f64,
}

impl CostDelta {
    /// Whether the monthly cost changes at all.
    pub fn is_empty(&self) -> bool {
        self.stacks.is_empty()
    }
}

/// Compares two estimates.
pub fn delta(before: &Estimate, after: &Estimate) -> CostDelta {
    let mut stacks = Vec::new();
    for a in &after.stacks {
        let b = before.stack(&a.name);
        if let Some(d) = stack_delta(&a.name, b, Some(a)) {
            stacks.push(d);
        }
    }
    for b in &before.stacks {
        if after.stack(&b.name).is_none() {
            if let Some(d) = stack_delta(&b.name, Some(b), None) {
                stacks.push(d);
            }
        }
    }
    CostDelta {
        stacks,
        before: before.monthly_usd,
        after: after.monthly_usd,
        change: after.monthly_usd - before.monthly_usd,
    }
}

fn stack_delta(name: &str, b: Option<&StackCost>, a: Option<&StackCost>) -> Option<StackDelta> {
    let mut resources = Vec::new();
    let empty = Vec::new();
    let before_resources = b.map_or(&empty, |s| &s.resources);
    let after_resources = a.map_or(&empty, |s| &s.resources);
    for r in after_resources {
        let old = before_resources
            .iter()
            .find(|x| x.logical_id == r.logical_id);
        let was = old.map(|x| x.monthly_usd);
        if was != Some(r.monthly_usd) && (was.is_some() || r.monthly_usd != 0.0) {
            resources.push(ResourceDelta {
                logical_id: r.logical_id.clone(),
                resource_type: r.resource_type.clone(),
                before: was,
                after: Some(r.monthly_usd),
                change: r.monthly_usd - was.unwrap_or(0.0),
            });
        }
    }
    for r in before_resources {
        let gone = !after_resources.iter().any(|x| x.logical_id == r.logical_id);
        if gone && r.monthly_usd != 0.0 {
            resources.push(ResourceDelta {
                logical_id: r.logical_id.clone(),
                resource_type: r.resource_type.clone(),
                before: Some(r.monthly_usd),
                after: None,
                change: -r.monthly_usd,
            });
        }
    }
    let before = b.map(|s| s.monthly_usd);
    let after = a.map(|s| s.monthly_usd);
    let added_or_removed = before.is_none() || after.is_none();
    if resources.is_empty() && !added_or_removed && before == after {
        return None;
    }
    Some(StackDelta {
        name: name.to_owned(),
        change: after.unwrap_or(0.0) - before.unwrap_or(0.0),
        before,
        after,
        resources,
    })
}
