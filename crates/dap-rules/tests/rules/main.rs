//! The rules' integration tests, one test binary (`cargo test -p dap-rules --test rules`).

mod cases;
mod common;
mod docs;
mod environment;
mod mutations;
mod shipped;
