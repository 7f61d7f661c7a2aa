//! `dap-docs` tests: one binary, a module per report, a small shared helper.

mod access;
mod common;
mod compare;
mod diagram;
mod generated;
mod reports;
