//! Progress events, for a front end to display (the CLI draws them with indicatif).

use std::time::Duration;

use crate::StackOutcome;

/// Something that happened while applying or destroying.
#[derive(Debug)]
pub enum Event<'a> {
    /// Work on a stack started.
    Started {
        /// 1-based position in the plan.
        index: usize,
        /// Stacks in the plan.
        total: usize,
        /// The stack.
        stack: &'a str,
        /// `creating`, `updating` or `deleting`.
        action: &'static str,
    },
    /// A stack's CloudFormation status changed while waiting.
    Status {
        /// 1-based position in the plan.
        index: usize,
        /// The stack.
        stack: &'a str,
        /// The new status.
        status: &'a str,
    },
    /// An asset was checked and uploaded if missing.
    Asset {
        /// The object key.
        key: &'a str,
        /// Whether it was uploaded (false: already there).
        uploaded: bool,
    },
    /// Work on a stack ended (also for stacks with nothing to do, and skipped ones).
    Finished {
        /// 1-based position in the plan.
        index: usize,
        /// Stacks in the plan.
        total: usize,
        /// The stack.
        stack: &'a str,
        /// How it ended.
        outcome: &'a StackOutcome,
        /// How long it took.
        elapsed: Duration,
    },
}

/// Receives [`Event`]s. Called from the tasks that deploy stacks, so it must be thread-safe.
pub trait Observer: Send + Sync {
    /// One event.
    fn event(&self, event: &Event<'_>);
}

/// An observer that ignores everything.
#[derive(Clone, Copy, Debug, Default)]
pub struct Quiet;

impl Observer for Quiet {
    fn event(&self, _: &Event<'_>) {}
}
