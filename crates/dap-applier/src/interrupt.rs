//! Stopping a run cleanly: once interrupted, no stack is started, and those already in
//! progress are known, so the caller can wait for them before it releases the lock.
//!
//! The check "interrupted?" and the record "this stack is in progress" happen under one lock,
//! so a stack is either started before the interruption (and listed as in progress, to be
//! waited for) or never: nothing starts between the interruption and the lock's release.

use std::collections::BTreeSet;
use std::sync::Mutex;

/// The run's interruption state, shared by `apply` and `destroy`.
#[derive(Debug, Default)]
pub(crate) struct Gate {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    interrupted: bool,
    running: BTreeSet<String>,
}

impl Gate {
    /// Record `stack` as in progress, unless the run was interrupted (then `false`: do not
    /// start it).
    pub(crate) fn try_start(&self, stack: &str) -> bool {
        let mut s = self.state.lock().expect("gate lock");
        if s.interrupted {
            return false;
        }
        s.running.insert(stack.to_owned());
        true
    }

    /// `stack` is no longer in progress.
    pub(crate) fn finish(&self, stack: &str) {
        self.state.lock().expect("gate lock").running.remove(stack);
    }

    /// Stop starting stacks; returns those in progress now.
    pub(crate) fn interrupt(&self) -> Vec<String> {
        let mut s = self.state.lock().expect("gate lock");
        s.interrupted = true;
        s.running.iter().cloned().collect()
    }

    /// Whether the run was interrupted.
    pub(crate) fn interrupted(&self) -> bool {
        self.state.lock().expect("gate lock").interrupted
    }

    /// The stacks in progress.
    pub(crate) fn running(&self) -> Vec<String> {
        let s = self.state.lock().expect("gate lock");
        s.running.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::Gate;

    #[test]
    fn nothing_starts_after_an_interruption_and_what_runs_is_listed() {
        let gate = Gate::default();
        assert!(gate.try_start("storage"));
        assert!(gate.try_start("audit"));
        gate.finish("audit");
        assert_eq!(gate.interrupt(), vec!["storage".to_owned()]);
        assert!(gate.interrupted());
        assert!(!gate.try_start("access"), "refused after the interruption");
        assert_eq!(gate.running(), vec!["storage".to_owned()]);
        gate.finish("storage");
        assert!(gate.running().is_empty());
    }
}
