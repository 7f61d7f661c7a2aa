//! Client request tokens: every write carries one, derived from the run and the operation,
//! so that a retry of the same request (the SDK resends it when an answer is lost) is
//! recognised by CloudFormation as the same request, and by `dap` where CloudFormation does
//! not (moto ignores the tokens; see `Inner::recognise_create`).

use std::time::{SystemTime, UNIX_EPOCH};

/// Identifies one run of `dap` (one `Applier`): start time and process id.
#[derive(Clone, Debug)]
pub(crate) struct Run {
    id: String,
    /// When the run connected.
    pub(crate) started: SystemTime,
}

impl Run {
    pub(crate) fn new() -> Run {
        let started = SystemTime::now();
        let nanos = started
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        Run {
            id: format!("{nanos:x}{:x}", std::process::id()),
            started,
        }
    }

    /// The run's id: lowercase hex, unique per process and start.
    pub(crate) fn id(&self) -> &str {
        &self.id
    }

    /// The token of `operation` (`create`, `update`, `delete`, `lock`, `unlock`,
    /// `change-set`) on `stack` in this run: `dap-<run>-<operation>-<stack>`, cut to the 128
    /// characters CloudFormation allows, only letters, digits and `-`.
    pub(crate) fn token(&self, operation: &str, stack: &str) -> String {
        let raw = format!("dap-{}-{operation}-{stack}", self.id);
        raw.chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .take(128)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::Run;

    #[test]
    fn tokens_are_stable_within_a_run_distinct_across_operations_and_valid() {
        let run = Run::new();
        let a = run.token("create", "dap-local-storage");
        assert_eq!(
            a,
            run.token("create", "dap-local-storage"),
            "a retry repeats it"
        );
        assert_ne!(a, run.token("update", "dap-local-storage"));
        assert_ne!(a, run.token("create", "dap-local-audit"));
        assert_ne!(a, Run::new().token("create", "dap-local-storage"));
        let long = run.token("create", &"x.y".repeat(100));
        assert_eq!(long.len(), 128);
        assert!(long.starts_with("dap-"));
        assert!(long.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    }
}
