//! The planner's integration tests, one test binary (`cargo test -p dap-planner --test planner`).

mod bootstrap;
mod invariants;
mod snapshots;
