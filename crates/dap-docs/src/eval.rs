//! The IAM evaluator behind the access matrix: `dap-model`'s, shared with the rules.

pub use dap_model::eval::*;
