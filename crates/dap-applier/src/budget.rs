//! The retry budget for requests that never reach the endpoint.
//!
//! The standard retry mode retries a refused or timed-out connection like any transient
//! error: ten attempts with backoff up to 20 s, so a wrong or dead endpoint took about a minute
//! to report (and two more mid-apply, where several stacks wait at once). A refused connection
//! or a connect timeout says nothing will answer soon, so those get a small budget shared by
//! every client of a run: [`CONNECT_RETRIES`] retries in a row, after which such a failure is
//! not retried until some request gets an answer again. Throttling, HTTP 5xx and connections
//! dropped after they were made keep the standard mode's ten attempts.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeDeserializationInterceptorContextRef, InterceptorContext,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, RetryClassifierPriority,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// Retries of connection failures in a row, across all clients, before they stop being
/// retried (3 attempts in all: about 3 s with the standard backoff when nothing listens).
pub const CONNECT_RETRIES: u32 = 2;

/// How long making a connection may take before it counts as failed.
pub const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(3100);

/// Counts connection failures in a row; an answer to any request resets the count. Added to
/// every client as a retry classifier and as an interceptor (which sees the answers).
#[derive(Clone, Debug, Default)]
pub struct ConnectBudget {
    failures: Arc<AtomicU32>,
}

impl ConnectBudget {
    /// Connection failures since the last answer.
    pub fn failures(&self) -> u32 {
        self.failures.load(Ordering::SeqCst)
    }
}

/// Whether an attempt failed before a connection was made: refused, or not made in time.
fn is_connect_failure(ctx: &InterceptorContext) -> bool {
    let Some(Err(err)) = ctx.output_or_error() else {
        return false;
    };
    let Some(connector) = err.as_connector_error() else {
        return false;
    };
    let timeout = connector.is_timeout();
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(connector);
    while let Some(e) = cause {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::ConnectionRefused {
                return true;
            }
        }
        let text = e.to_string().to_lowercase();
        if timeout && text.contains("connect") {
            return true;
        }
        cause = e.source();
    }
    false
}

impl ClassifyRetry for ConnectBudget {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        if !is_connect_failure(ctx) {
            return RetryAction::NoActionIndicated;
        }
        let failures = self.failures.fetch_add(1, Ordering::SeqCst) + 1;
        if failures > CONNECT_RETRIES {
            RetryAction::RetryForbidden
        } else {
            RetryAction::NoActionIndicated
        }
    }

    fn name(&self) -> &'static str {
        "dap connection-failure budget"
    }

    fn priority(&self) -> RetryClassifierPriority {
        RetryClassifierPriority::run_after(RetryClassifierPriority::transient_error_classifier())
    }
}

impl Intercept for ConnectBudget {
    fn name(&self) -> &'static str {
        "dap connection-failure budget"
    }

    fn read_after_transmit(
        &self,
        _context: &BeforeDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.failures.store(0, Ordering::SeqCst);
        Ok(())
    }
}
