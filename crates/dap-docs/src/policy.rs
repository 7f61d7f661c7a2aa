//! Every policy statement of the rendered templates, with its origin and its references
//! resolved, read through the shared model (`dap-model`), the same reading the rules and the
//! applier's security diff use.

use dap_model::{Model, Pin};

use crate::platform::Platform;

pub use dap_model::policy::{Condition, Operator, Policies, PrincipalPattern, Statement};
pub use dap_model::PolicyKind;

/// Collect the statements of every policy in a platform's templates.
pub fn collect(p: &Platform) -> Policies {
    Model::new(&p.documents(), Some(Pin::new(p.account(), p.region()))).policies
}
