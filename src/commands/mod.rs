//! One module per command.

pub mod apply;
pub mod check;
pub mod cost;
pub mod destroy;
pub mod docs;
pub mod plan;
pub mod render;
pub mod unlock;
pub mod verify;
