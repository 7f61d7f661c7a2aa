//! Integration tests of `dap_config::parse`: good files, every kind of bad value with its
//! located message, unknown keys, several errors at once, miette rendering, and properties.

mod common;
mod documents;
mod good;
mod limits;
mod props;
mod render;
mod structure;
mod suppressions;
mod values;
