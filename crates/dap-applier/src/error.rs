//! The applier's one error type.

use aws_sdk_cloudformation::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_cloudformation::operation::RequestId;
use aws_smithy_runtime_api::http::Response as HttpResponse;

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
    /// An AWS call failed. Displayed as one line: the operation, the service's error code and
    /// message (or what went wrong on the way), and the request id; [`Error::detail`] has the
    /// whole error chain.
    #[error("`{operation}` failed: {message}{}", request_id.as_deref().map(|id| format!(" (request id {id})")).unwrap_or_default())]
    Aws {
        /// The operation, for example `cloudformation:DescribeStacks`.
        operation: String,
        /// The service's error code, when it answered (`ValidationError`, `AccessDenied`).
        code: Option<String>,
        /// What went wrong, on one line: `ValidationError: Stack x does not exist`, or
        /// `cannot connect to the endpoint (connection refused)`.
        message: String,
        /// The request id AWS gave, when it answered.
        request_id: Option<String>,
        /// The whole error chain, for `-v`.
        detail: String,
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
    /// The plan imports existing resources and the run did not allow imports.
    #[error("{} resource{} the model would create already exist outside any stack: {}; adopt them with `--import` (the plan lists them as imports), or remove them", resources.len(), if resources.len() == 1 { "" } else { "s" }, resources.join(", "))]
    ImportNotAllowed {
        /// Each import, as `<stack>/<logical id> (<identifier>)`.
        resources: Vec<String>,
    },
    /// No source of the credential chain gave credentials.
    #[error("no AWS credentials: tried {tried}{}; fix: pass `--profile NAME`, set `AWS_PROFILE`, run `aws sso login --profile NAME` for an SSO profile, or set `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`", cause.as_deref().map(|c| format!(" (the failure: {c})")).unwrap_or_default())]
    NoCredentials {
        /// Each source, in the chain's order, with what was found.
        tried: String,
        /// Why a source that was present failed (an expired SSO session, ...), if one did.
        cause: Option<String>,
    },
    /// The environment's deploy role could not be assumed.
    #[error("cannot assume the deploy role `{role}` of environment `{env}` (its file's `deploy_role`): {reason}; check that the role exists (the bootstrap template creates it) and trusts the identity `dap` started with (`deploy_role.trusted_principals`); nothing else was called")]
    AssumeRole {
        /// The environment.
        env: String,
        /// The role's ARN.
        role: String,
        /// Why, on one line (`AccessDenied: ...`, or what went wrong on the way).
        reason: String,
        /// The whole error chain, for `-v`.
        detail: String,
    },
    /// The run was interrupted before this step (no change set is made after an interruption).
    #[error("interrupted: nothing more is started")]
    Interrupted,
    /// The plan handed to `apply` is not a plan of this environment's current render.
    #[error("the plan does not match environment `{env}`: {problem}")]
    PlanMismatch {
        /// The environment.
        env: String,
        /// What differs.
        problem: String,
    },
}

impl Error {
    /// Everything known about the error beyond its one-line form: for an AWS failure, the
    /// SDK's whole error chain; `None` for the others (their line says it all).
    pub fn detail(&self) -> Option<&str> {
        match self {
            Error::Aws { detail, .. } | Error::AssumeRole { detail, .. } => Some(detail),
            _ => None,
        }
    }
}

/// The longest message kept on the one line (AWS messages can quote whole templates).
const MAX_MESSAGE: usize = 400;

/// Turn an SDK error into [`Error::Aws`]: one line with the service's code, message and
/// request id when it answered, or what stopped the request when it did not (no connection,
/// a timeout, no credentials), never the SDK's debug form.
pub(crate) fn aws<E>(operation: &str, err: SdkError<E, HttpResponse>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    aws_ref(operation, &err)
}

/// [`aws`] for an error held by reference (one found inside another error's chain).
pub(crate) fn aws_ref<E>(operation: &str, err: &SdkError<E, HttpResponse>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let detail = DisplayErrorContext(err).to_string();
    let request_id = err.request_id().map(str::to_owned);
    let code = err.code().map(str::to_owned);
    let message = match err {
        SdkError::DispatchFailure(d) => dispatch_message(d.as_connector_error(), err),
        SdkError::TimeoutError(_) => "no answer in time (the request timed out)".to_owned(),
        SdkError::ConstructionFailure(_) => {
            format!("the request could not be made: {}", root_cause(err))
        }
        SdkError::ResponseError(r) => format!(
            "the answer could not be read (HTTP {}): {}",
            r.raw().status().as_u16(),
            root_cause(err)
        ),
        SdkError::ServiceError(se) if err.code().is_none() => format!(
            "the endpoint answered HTTP {} without an AWS error in it ({}): is the endpoint URL right?",
            se.raw().status().as_u16(),
            err.message().map_or_else(|| root_cause(err), str::to_owned)
        ),
        _ => match (err.code(), err.message()) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(code), None) => code.to_owned(),
            (None, Some(message)) => message.to_owned(),
            (None, None) => root_cause(err),
        },
    };
    Error::Aws {
        operation: operation.to_owned(),
        code,
        message: one_line(&message),
        request_id,
        detail,
    }
}

/// What stopped a request that never got an answer.
fn dispatch_message(
    connector: Option<&aws_smithy_runtime_api::client::result::ConnectorError>,
    err: &(dyn std::error::Error + 'static),
) -> String {
    let cause = root_cause(err);
    if let Some(kind) = io_kind(err) {
        use std::io::ErrorKind::*;
        match kind {
            ConnectionRefused => {
                return "cannot connect to the endpoint (connection refused): is it running, and is the endpoint URL right?".to_owned()
            }
            ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof => {
                return format!("the connection was dropped ({cause})")
            }
            _ => {}
        }
    }
    if connector.is_some_and(|c| c.is_timeout()) {
        return format!("no connection or answer in time ({cause})");
    }
    let lower = cause.to_lowercase();
    if chain_mentions(err, "credentials") {
        return format!("no AWS credentials could be loaded ({cause}); pass `--profile`, set `AWS_PROFILE`, run `aws sso login`, or set `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`");
    }
    if lower.contains("dns") || lower.contains("failed to lookup") || lower.contains("resolve") {
        return format!("cannot resolve the endpoint's host name ({cause})");
    }
    format!("the request did not reach AWS ({cause})")
}

/// Whether any error of a chain says `word` (lowercase).
fn chain_mentions(err: &(dyn std::error::Error + 'static), word: &str) -> bool {
    let mut e = Some(err);
    while let Some(cur) = e {
        if cur.to_string().to_lowercase().contains(word) {
            return true;
        }
        e = cur.source();
    }
    false
}

/// The innermost error of a chain, displayed.
pub(crate) fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut e = err;
    while let Some(next) = e.source() {
        e = next;
    }
    e.to_string()
}

/// The kind of the first I/O error in a chain.
fn io_kind(err: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    let mut e = Some(err);
    while let Some(cur) = e {
        if let Some(io) = cur.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        e = cur.source();
    }
    None
}

/// Whitespace runs (newlines included) as one space, cut to [`MAX_MESSAGE`] characters.
fn one_line(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.chars().count() <= MAX_MESSAGE {
        return joined;
    }
    let cut: String = joined.chars().take(MAX_MESSAGE).collect();
    format!("{cut}… (cut; `-v` shows all)")
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
