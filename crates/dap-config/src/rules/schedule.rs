//! Schedule expressions: `cron(...)` or `rate(...)`, and the Glue schedule (cron only).

use super::cron::check_cron;
use super::{code, Reject};

/// What kind of schedule expression [`crate::validate_schedule`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScheduleKind {
    /// `cron(minutes hours day-of-month month day-of-week year)`.
    Cron,
    /// `rate(N unit)`.
    Rate,
}

/// What `allowed` says for a cron schedule.
const CRON_ALLOWED: &str = "`cron(minutes hours day-of-month month day-of-week year)` with `?` in day-of-month or day-of-week, for example `cron(0 9 * * ? *)`";

/// Checks the inside of `rate(...)`: a positive whole number and a unit, singular for 1.
/// Returns why it is invalid.
fn check_rate(inner: &str) -> Result<(), String> {
    let Some((amount, unit)) = inner.split_once(' ') else {
        return Err("a rate needs a number and a unit, such as `rate(1 day)`".to_owned());
    };
    let amount_ok = !amount.is_empty()
        && !amount.starts_with('0')
        && amount.bytes().all(|b| b.is_ascii_digit());
    let Some(n) = amount.parse::<u64>().ok().filter(|_| amount_ok) else {
        return Err(format!(
            "rate value {} is not a positive whole number",
            code(amount)
        ));
    };
    let (singular, plural) = (["minute", "hour", "day"], ["minutes", "hours", "days"]);
    match (n == 1, singular.contains(&unit), plural.contains(&unit)) {
        (true, true, _) | (false, _, true) => Ok(()),
        (true, false, true) => Err(format!(
            "a rate of 1 takes the singular unit `{}`",
            unit.trim_end_matches('s')
        )),
        (false, true, false) => Err(format!("a rate of {n} takes the plural unit `{unit}s`")),
        _ => Err(format!(
            "rate unit {} is not one of minute(s), hour(s), day(s)",
            code(unit)
        )),
    }
}

/// Checks an EventBridge/Glue schedule expression: `cron(...)` with six fields, or `rate(N unit)`.
///
/// Returns which kind it is, or why it is invalid.
pub fn validate_schedule(expression: &str) -> Result<ScheduleKind, String> {
    if expression.trim() != expression {
        return Err("it has leading or trailing spaces".to_owned());
    }
    if let Some(inner) = expression
        .strip_prefix("cron(")
        .and_then(|r| r.strip_suffix(')'))
    {
        check_cron(inner).map(|()| ScheduleKind::Cron)
    } else if let Some(inner) = expression
        .strip_prefix("rate(")
        .and_then(|r| r.strip_suffix(')'))
    {
        check_rate(inner).map(|()| ScheduleKind::Rate)
    } else {
        Err("it is neither `cron(...)` nor `rate(...)`".to_owned())
    }
}

/// `glue.schedule`: a valid `cron(...)` (Glue triggers take no `rate(...)`).
pub(crate) fn glue_schedule(expression: &str) -> Result<(), Reject> {
    match validate_schedule(expression) {
        Ok(ScheduleKind::Cron) => Ok(()),
        Ok(ScheduleKind::Rate) => Err(Reject::new(
            format!(
                "{} is a rate expression, but Glue schedules take `cron(...)` only",
                code(expression)
            ),
            CRON_ALLOWED,
        )),
        Err(reason) => Err(Reject::new(
            format!("{} is not a valid schedule: {reason}", code(expression)),
            CRON_ALLOWED,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules() {
        for ok in [
            "cron(0 9 * * ? *)",
            "cron(0/15 * * * ? *)",
            "cron(*/5 8-17 ? * MON-FRI *)",
            "cron(0 12 ? * 6#3 *)",
            "cron(0 0 L * ? *)",
            "cron(0 0 15W * ? 2025-2030)",
            "cron(30 4 1,15 jan,jul ? *)",
            "cron(0 0 ? * 6L *)",
        ] {
            assert_eq!(validate_schedule(ok), Ok(ScheduleKind::Cron), "{ok}");
        }
        for ok in ["rate(1 day)", "rate(5 minutes)", "rate(12 hours)"] {
            assert_eq!(validate_schedule(ok), Ok(ScheduleKind::Rate), "{ok}");
        }
        for bad in [
            "cron(0 9 * * *)",
            "cron(0 9 * * * *)",
            "cron(0 9 ? * ? *)",
            "cron(60 9 * * ? *)",
            "cron(0 24 * * ? *)",
            "cron(0 9 0 * ? *)",
            "cron(0 9 * 13 ? *)",
            "cron(0 9 ? * 8 *)",
            "cron(0 9 ? * MON/2 *)",
            "cron(0 9 * * ? 1969)",
            "cron(0 9 * FOO ? *)",
            "cron(0 9 5-1 * ? *)",
            "cron(0 9 * * ? *) ",
            "cron(0 9 ? * 2#6 *)",
            "cron(0 9 1,,2 * ? *)",
            "cron(0/0 9 * * ? *)",
            "rate(1 days)",
            "rate(2 day)",
            "rate(0 days)",
            "rate(01 day)",
            "rate(1 week)",
            "rate(day)",
            "daily",
        ] {
            assert!(validate_schedule(bad).is_err(), "{bad}");
        }
    }
}
