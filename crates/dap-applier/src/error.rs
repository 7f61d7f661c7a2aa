//! The applier's one error type.

use aws_sdk_cloudformation::error::{DisplayErrorContext, ProvideErrorMetadata};

/// What stops the applier. A stack that fails to deploy is not an error but an outcome in the
/// [`ApplyReport`](crate::ApplyReport); "no changes" is a result of the plan, never an error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The credentials belong to another account than the environment's.
    #[error("wrong account: the credentials are for account `{actual}` (`{arn}`), but environment `{env}` is pinned to account `{expected}`; nothing was read or written")]
    WrongAccount {
        /// The environment.
        env: String,
        /// The environment's account.
        expected: String,
        /// The account the credentials belong to.
        actual: String,
        /// The caller's ARN.
        arn: String,
    },
    /// The configuration selects another region than the environment's.
    #[error("wrong region: the AWS configuration selects region `{actual}`, but environment `{env}` is pinned to region `{expected}`; nothing was read or written")]
    WrongRegion {
        /// The environment.
        env: String,
        /// The environment's region.
        expected: String,
        /// The configured region.
        actual: String,
    },
    /// An AWS call failed.
    #[error("`{operation}` failed: {message}")]
    Aws {
        /// The operation, for example `cloudformation:DescribeStacks`.
        operation: String,
        /// The service's error code and message, or the transport error.
        message: String,
    },
    /// A stack is in a state from which it cannot be planned or deployed.
    #[error("stack `{stack}` is `{status}`: {hint}")]
    StackState {
        /// The stack.
        stack: String,
        /// Its CloudFormation status.
        status: String,
        /// What to do about it.
        hint: String,
    },
    /// A change set could not be created for another reason than "no changes".
    #[error("the change set of stack `{stack}` failed: {reason}")]
    ChangeSet {
        /// The stack.
        stack: String,
        /// CloudFormation's reason.
        reason: String,
    },
    /// `destroy` on an environment whose protection level forbids it.
    #[error("environment `{env}` has protection `strict`: `dap` never destroys its stacks")]
    Protected {
        /// The environment.
        env: String,
    },
    /// The plan replaces or removes data-bearing resources that the run does not allow.
    #[error("the plan would replace or remove data-bearing resources without an allowance: {}", changes.join(", "))]
    Blocked {
        /// Each blocked change, as `<stack>/<logical id> (replace|remove)`.
        changes: Vec<String>,
    },
    /// A saved plan no longer describes what `apply` would do.
    #[error("the saved plan cannot be applied: {problem}; make a new plan")]
    StalePlan {
        /// What changed since the plan was made.
        problem: String,
    },
    /// Waiting took longer than the configured limit.
    #[error("gave up waiting for `{what}` after {seconds} s")]
    Timeout {
        /// What was awaited.
        what: String,
        /// The limit.
        seconds: u64,
    },
    /// A template cannot be passed to CloudFormation.
    #[error("stack `{stack}`: {problem}")]
    Template {
        /// The stack.
        stack: String,
        /// What is wrong.
        problem: String,
    },
    /// Another run holds the environment's lock.
    #[error("environment `{env}` is locked: `{holder}` has held it since {since} (`{operation}`, lock stack `{stack}`); wait for that run to end, or, if it was killed, release the lock with `dap unlock --env {env}`")]
    Locked {
        /// The environment.
        env: String,
        /// The lock stack.
        stack: String,
        /// Who holds it: caller ARN, host and process id.
        holder: String,
        /// Since when (RFC 3339).
        since: String,
        /// The operation holding it.
        operation: String,
    },
    /// The plan handed to `apply` is not a plan of this environment's current render.
    #[error("the plan does not match environment `{env}`: {problem}")]
    PlanMismatch {
        /// The environment.
        env: String,
        /// What differs.
        problem: String,
    },
}

/// Turn an SDK error into [`Error::Aws`]: the service's code and message when there is one,
/// otherwise the whole error chain.
pub(crate) fn aws<E>(operation: &str, err: E) -> Error
where
    E: ProvideErrorMetadata + std::error::Error,
{
    let message = match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ => DisplayErrorContext(&err).to_string(),
    };
    Error::Aws {
        operation: operation.to_owned(),
        message,
    }
}

/// Whether an error or status reason is one of the ways AWS and moto say "nothing to change":
/// `No updates are to be performed.` (UpdateStack, CreateChangeSet) and `The submitted
/// information didn't contain changes.` (a FAILED change set).
pub fn is_no_changes(message: &str) -> bool {
    message.contains("No updates are to be performed")
        || message.contains("didn't contain changes")
        || message.contains("did not contain changes")
}

/// The message of an SDK error, for matching.
pub(crate) fn message_of<E: ProvideErrorMetadata>(err: &E) -> String {
    err.message().unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_no_changes_forms() {
        for m in [
            "No updates are to be performed.",
            "The submitted information didn't contain changes. Submit different information to create a change set.",
        ] {
            assert!(is_no_changes(m), "{m}");
        }
        assert!(!is_no_changes(
            "Template format error: unsupported structure"
        ));
    }
}
