//! Named exit codes: the contract CI relies on. Documented in the README and `dap --help`.

/// Success; for `plan`, no changes.
pub const SUCCESS: i32 = 0;
/// An error: bad input, an AWS failure, a failed deploy.
pub const FAILURE: i32 = 1;
/// `plan` found changes.
#[allow(dead_code)] // used by plan
pub const CHANGES: i32 = 2;
/// Changes blocked by a guard, or an error-severity rule finding.
#[allow(dead_code)] // used by plan/apply/check
pub const BLOCKED: i32 = 3;
