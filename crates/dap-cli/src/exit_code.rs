//! Named exit codes: the contract CI relies on. Documented in the README and `dap --help`.

/// Success; for `plan`, no changes.
pub const SUCCESS: i32 = 0;
/// An error: bad input, an AWS failure, a failed deploy.
pub const FAILURE: i32 = 1;
/// `plan` found changes.
pub const CHANGES: i32 = 2;
/// `verify` found the live account different from the model.
pub const DRIFT: i32 = 2;
/// Changes blocked by a guard, or an error-severity rule finding.
pub const BLOCKED: i32 = 3;
/// The command line cannot be understood: an unknown command or flag, a missing or bad
/// argument (`EX_USAGE` of sysexits.h). No command uses it for a result, so CI can tell a
/// typo in a pipeline from "changes present".
pub const USAGE: i32 = 64;

/// An error that ends the run with [`BLOCKED`] rather than [`FAILURE`]: a guard or a rule
/// refused to let the run proceed.
#[derive(Debug)]
pub struct Blocked(pub String);

impl std::fmt::Display for Blocked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Blocked {}
