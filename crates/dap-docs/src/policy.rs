//! Every policy statement of the rendered templates, with its origin and its references
//! resolved, read through the shared model (`dap-model`), the same reading the rules and the
//! applier's security diff use.

use dap_model::{Model, Pin};
use serde_json::{Map, Value};

use crate::platform::Platform;

pub use dap_model::policy::{Condition, Operator, Policies, PrincipalPattern, Statement};
pub use dap_model::PolicyKind;

/// Collect the statements of every policy in a platform's templates.
pub fn collect(p: &Platform) -> Policies {
    let docs: Vec<Value> = p
        .stacks
        .iter()
        .map(|s| {
            let mut resources = Map::new();
            for r in &s.resources {
                resources.insert(
                    r.id.clone(),
                    serde_json::to_value(&r.body).unwrap_or(Value::Null),
                );
            }
            let mut doc = Map::new();
            doc.insert(
                "Parameters".to_owned(),
                serde_json::to_value(&s.parameters).unwrap_or(Value::Null),
            );
            doc.insert("Resources".to_owned(), Value::Object(resources));
            Value::Object(doc)
        })
        .collect();
    let stacks: Vec<(&str, &Value)> = p
        .stacks
        .iter()
        .zip(&docs)
        .map(|(s, d)| (s.kind.as_str(), d))
        .collect();
    Model::new(&stacks, Some(Pin::new(p.account(), p.region()))).policies
}
