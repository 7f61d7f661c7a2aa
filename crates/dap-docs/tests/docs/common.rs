//! The shipped environments, rendered; and a way to change a rendered template.

use dap_config::Environment;
use dap_planner::Rendered;
use serde_yaml::Value;

/// The shipped environments' names (every file in environments/).
pub fn names() -> Vec<String> {
    dap_testkit::shipped().into_iter().map(|e| e.name).collect()
}

/// A shipped environment and what the planner renders for it.
pub fn rendered(name: &str) -> (Environment, Rendered) {
    let shipped = dap_testkit::shipped_named(name);
    let env = dap_config::parse(&shipped.file, &shipped.text).unwrap();
    let r = dap_planner::render(&env).unwrap();
    (env, r)
}

/// The model of a shipped environment.
pub fn model(name: &str) -> dap_docs::Model {
    let (env, r) = rendered(name);
    dap_docs::Model::new(&env, &r).unwrap()
}

/// Change one stack's rendered YAML, as a hand edit or a planner bug would.
pub fn edit(r: &mut Rendered, stack: &str, f: impl FnOnce(&mut Value)) {
    let s = r
        .stacks
        .iter_mut()
        .find(|s| s.kind.slug() == stack)
        .unwrap();
    let mut doc: Value = serde_yaml::from_str(&s.yaml).unwrap();
    f(&mut doc);
    s.yaml = serde_yaml::to_string(&doc).unwrap();
}

/// The statements of a policy document inside a resource's properties.
pub fn statements<'a>(doc: &'a mut Value, resource: &str, document: &str) -> &'a mut Vec<Value> {
    doc["Resources"][resource]["Properties"][document]["Statement"]
        .as_sequence_mut()
        .unwrap()
}

pub fn yaml(text: &str) -> Value {
    serde_yaml::from_str(text).unwrap()
}
