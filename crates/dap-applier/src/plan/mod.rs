//! `plan`: what would change, per stack and resource, and why. [`model`] is the document,
//! [`changeset`] fills it from CloudFormation change sets; the data-loss guard
//! ([`crate::guard`]) judges it and depends on the document, never the other way round.

mod changeset;
mod model;

pub use model::*;
