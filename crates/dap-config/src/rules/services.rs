//! Choices and limits of AWS services: CloudWatch Logs retention, Glue worker types, Athena's
//! bytes-scanned cutoff.

use super::{code, list, Reject};

/// The retention periods (days) CloudWatch Logs accepts.
pub const LOG_RETENTION_DAYS: &[u32] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// The Glue worker types the platform uses.
pub const GLUE_WORKER_TYPES: &[&str] = &["G.1X", "G.2X", "G.4X", "G.8X"];

/// Athena's smallest per-query bytes-scanned cutoff (10 MB).
pub const MIN_BYTES_SCANNED_CUTOFF: u64 = 10_485_760;

/// `retention.log_retention_days`.
pub(crate) fn log_retention(days: u32) -> Result<(), Reject> {
    if LOG_RETENTION_DAYS.contains(&days) {
        Ok(())
    } else {
        Err(Reject::new(
            format!("`{days}` is not a retention CloudWatch Logs accepts"),
            list(LOG_RETENTION_DAYS),
        ))
    }
}

/// `glue.worker_type`.
pub(crate) fn worker_type(worker_type: &str) -> Result<(), Reject> {
    if GLUE_WORKER_TYPES.contains(&worker_type) {
        Ok(())
    } else {
        Err(Reject::new(
            format!("{} is not a Glue worker type", code(worker_type)),
            list(GLUE_WORKER_TYPES),
        ))
    }
}
