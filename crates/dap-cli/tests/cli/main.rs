//! The `dap` binary's integration tests: one module per command, one small harness.

mod harness;
mod render;
