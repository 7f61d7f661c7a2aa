//! The `dap` binary's integration tests: one module per command, one small harness.

mod apply;
mod check;
mod cost;
mod credentials;
mod deploy_role;
mod destroy;
mod docs;
mod faults;
mod guard;
mod harness;
mod output;
mod plan;
mod render;
mod verify;
