//! Rules for single values: what AWS (or the platform) accepts.
//!
//! Each rule returns a [`Reject`] with what is wrong and what is allowed; the caller adds the
//! location. One file per concern; this one holds what they share: [`Reject`], the quoting of
//! values in messages ([`code`], [`list`]) and [`within`].

mod arn;
mod cidr;
mod cron;
mod dataset;
mod ec2;
mod email;
mod endpoint;
mod names;
mod region;
mod schedule;
mod services;
mod suggest;
mod suppression;
mod tag;

pub(crate) use arn::{
    break_glass_role, deploy_role, external_id, principal_arn, session_name, trusted_principal,
};
pub(crate) use cidr::cidr;
pub(crate) use dataset::{dataset_name, year};
pub(crate) use ec2::{image, instance_type, prefix_list_id, resource_id};
pub(crate) use email::email;
pub(crate) use endpoint::endpoint_url;
pub(crate) use names::{account_id, env_name, prefix};
pub(crate) use region::region;
pub use region::REGIONS;
pub(crate) use schedule::glue_schedule;
pub use schedule::{validate_schedule, ScheduleKind};
pub(crate) use services::{log_retention, worker_type};
pub use services::{GLUE_WORKER_TYPES, LOG_RETENTION_DAYS, MIN_BYTES_SCANNED_CUTOFF};
pub(crate) use suggest::{did_you_mean, suggest};
pub use suppression::STACK_NAMES;
pub(crate) use suppression::{logical_id, reason, rule_code, stack_name};
pub(crate) use tag::{tag_key, tag_value};

use std::fmt::Write as _;

/// A value refused by a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Reject {
    /// What is wrong.
    pub message: String,
    /// What is allowed.
    pub allowed: Option<String>,
}

impl Reject {
    pub fn new(message: impl Into<String>, allowed: impl Into<String>) -> Reject {
        Reject {
            message: message.into(),
            allowed: Some(allowed.into()),
        }
    }

    /// The same message with another statement of what is allowed.
    pub fn with_allowed(mut self, allowed: impl Into<String>) -> Reject {
        self.allowed = Some(allowed.into());
        self
    }
}

/// How many characters of a value [`code`] shows.
pub(crate) const MAX_QUOTED_CHARS: usize = 80;

/// A value written in backticks for a message: control characters escaped, a value longer than
/// [`MAX_QUOTED_CHARS`] characters cut with `…`. Costs no more than the characters shown, however
/// long the value.
pub(crate) fn code(value: &str) -> String {
    let mut shown: String = if value.chars().any(char::is_control) {
        value.escape_debug().take(MAX_QUOTED_CHARS + 1).collect()
    } else {
        value.chars().take(MAX_QUOTED_CHARS + 1).collect()
    };
    if let Some((cut, _)) = shown.char_indices().nth(MAX_QUOTED_CHARS) {
        shown.truncate(cut);
        shown.push('…');
    }
    format!("`{shown}`")
}

/// Joins displayable items with `, `.
pub(crate) fn list<T: std::fmt::Display>(items: &[T]) -> String {
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{item}");
    }
    out
}

/// A lowercase ASCII letter or a digit.
fn is_lower_alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// The first character of `value` that `ok` refuses.
fn first_bad_char(value: &str, ok: impl Fn(char) -> bool) -> Option<char> {
    value.chars().find(|&c| !ok(c))
}

/// A whole number within a range; `allowed` says the range in words.
pub(crate) fn within(
    value: u64,
    range: std::ops::RangeInclusive<u64>,
    allowed: &str,
) -> Result<(), Reject> {
    if range.contains(&value) {
        Ok(())
    } else {
        Err(Reject::new(format!("`{value}` is out of range"), allowed))
    }
}
