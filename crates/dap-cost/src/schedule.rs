//! How often a schedule expression fires in an average month: `cron(...)` (six fields, as
//! EventBridge and Glue take them) and `rate(N unit)`.
//!
//! A month is 365 / 12 = 30.42 days and 730 hours. Day-of-week sets count their share of those
//! days (weekdays: 5/7); `L`, `W` and `#` specials fire once a month; the days 29, 30 and 31
//! fire in the months that have them; a month list counts its share of the year. The year
//! field is ignored (the estimate has no clock).

use std::collections::BTreeSet;

/// Days in an average month: 365 / 12.
pub const DAYS_PER_MONTH: f64 = 365.0 / 12.0;

/// Hours in an average month, as AWS prices them: 730.
pub const HOURS_PER_MONTH: f64 = 730.0;

const MONTHS: &[&str] = &[
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: &[&str] = &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// How many times a month `expression` fires.
///
/// # Errors
///
/// Why the expression cannot be read.
pub fn runs_per_month(expression: &str) -> Result<f64, String> {
    let expression = expression.trim();
    if let Some(inner) = expression
        .strip_prefix("cron(")
        .and_then(|r| r.strip_suffix(')'))
    {
        cron(inner)
    } else if let Some(inner) = expression
        .strip_prefix("rate(")
        .and_then(|r| r.strip_suffix(')'))
    {
        rate(inner)
    } else {
        Err(format!(
            "`{expression}` is neither `cron(...)` nor `rate(...)`"
        ))
    }
}

fn rate(inner: &str) -> Result<f64, String> {
    let (amount, unit) = inner
        .split_once(' ')
        .ok_or_else(|| format!("`rate({inner})` needs a number and a unit"))?;
    let n: f64 = amount
        .parse::<u32>()
        .ok()
        .filter(|n| *n > 0)
        .map(f64::from)
        .ok_or_else(|| format!("rate value `{amount}` is not a positive whole number"))?;
    let per_month = match unit.trim_end_matches('s') {
        "minute" => HOURS_PER_MONTH * 60.0,
        "hour" => HOURS_PER_MONTH,
        "day" => DAYS_PER_MONTH,
        _ => {
            return Err(format!(
                "rate unit `{unit}` is not minute(s), hour(s) or day(s)"
            ))
        }
    };
    Ok(per_month / n)
}

fn cron(inner: &str) -> Result<f64, String> {
    let fields: Vec<&str> = inner.split_whitespace().collect();
    let [minutes, hours, day_of_month, month, day_of_week, _year] = fields[..] else {
        return Err(format!(
            "`cron({inner})` has {} fields instead of 6",
            fields.len()
        ));
    };
    let minutes = values(minutes, 0, 59, &[])?.len() as f64;
    let hours = values(hours, 0, 23, &[])?.len() as f64;
    let months = values(month, 1, 12, MONTHS)?.len() as f64 / 12.0;
    let days = match (day_of_month, day_of_week) {
        ("?", "?") => return Err("day-of-month and day-of-week cannot both be `?`".to_owned()),
        ("?", dow) => weekdays(dow)?,
        (dom, "?") => days_of_month(dom)?,
        _ => return Err("one of day-of-month and day-of-week must be `?`".to_owned()),
    };
    Ok(minutes * hours * days * months)
}

/// Days a month a day-of-month field fires.
fn days_of_month(field: &str) -> Result<f64, String> {
    let mut plain = Vec::new();
    let mut specials = 0.0;
    for item in field.split(',') {
        if item == "L" || item == "LW" || (item.ends_with('W') && item.len() > 1) {
            specials += 1.0;
        } else {
            plain.push(item);
        }
    }
    if plain.is_empty() {
        return Ok(specials);
    }
    let days = values(&plain.join(","), 1, 31, &[])?;
    if days.len() == 31 {
        return Ok(DAYS_PER_MONTH + specials);
    }
    // The months a year that have the day: 29 is in February one year in four.
    let share: f64 = days
        .iter()
        .map(|d| match d {
            ..=28 => 12.0,
            29 => 11.25,
            30 => 11.0,
            _ => 7.0,
        })
        .sum::<f64>()
        / 12.0;
    Ok(share + specials)
}

/// Days a month a day-of-week field fires.
fn weekdays(field: &str) -> Result<f64, String> {
    let mut plain = Vec::new();
    let mut specials = 0.0;
    for item in field.split(',') {
        if item == "L" || item.ends_with('L') || item.contains('#') {
            specials += 1.0;
        } else {
            plain.push(item);
        }
    }
    if plain.is_empty() {
        return Ok(specials);
    }
    let days = values(&plain.join(","), 1, 7, WEEKDAYS)?;
    Ok(days.len() as f64 * DAYS_PER_MONTH / 7.0 + specials)
}

/// The values a numeric field names: `*`, `?`, values, ranges and steps, in a list.
fn values(field: &str, min: u32, max: u32, names: &[&str]) -> Result<BTreeSet<u32>, String> {
    let value = |text: &str| -> Result<u32, String> {
        if let Ok(v) = text.parse::<u32>() {
            return if (min..=max).contains(&v) {
                Ok(v)
            } else {
                Err(format!("`{text}` is outside {min}-{max}"))
            };
        }
        names
            .iter()
            .position(|n| n.eq_ignore_ascii_case(text))
            .map(|i| min + i as u32)
            .ok_or_else(|| format!("`{text}` is not a value of {min}-{max}"))
    };
    let mut out = BTreeSet::new();
    for item in field.split(',') {
        let (base, step) = match item.split_once('/') {
            Some((base, step)) => (
                base,
                step.parse::<u32>()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| format!("step `{step}` is not a positive whole number"))?,
            ),
            None => (item, 1),
        };
        let (from, to) = match base {
            "*" | "?" => (min, max),
            _ => match base.split_once('-') {
                Some((a, b)) => (value(a)?, value(b)?),
                None if item.contains('/') => (value(base)?, max),
                None => {
                    let v = value(base)?;
                    (v, v)
                }
            },
        };
        if from > to {
            return Err(format!("range `{base}` runs backwards"));
        }
        out.extend((from..=to).step_by(step as usize));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(expression: &str, expect: f64) {
        let got = runs_per_month(expression).unwrap();
        assert!(
            (got - expect).abs() < 1e-9,
            "{expression}: {got}, expected {expect}"
        );
    }

    #[test]
    fn schedules() {
        check("cron(0 9 * * ? *)", 365.0 / 12.0);
        check("cron(0 * * * ? *)", 730.0);
        check("cron(0/15 * * * ? *)", 4.0 * 730.0);
        check("cron(0 10 ? * MON-FRI *)", 5.0 / 7.0 * 365.0 / 12.0);
        check("cron(0 10 ? * 2-6 *)", 5.0 / 7.0 * 365.0 / 12.0);
        check("cron(30 4 1,15 * ? *)", 2.0);
        check("cron(0 0 31 * ? *)", 7.0 / 12.0);
        check("cron(0 0 L * ? *)", 1.0);
        check("cron(0 12 ? * 6#3 *)", 1.0);
        check(
            "cron(0 8-17 ? * MON-FRI *)",
            10.0 * 5.0 / 7.0 * 365.0 / 12.0,
        );
        check("cron(0 9 1 JAN,JUL ? *)", 2.0 / 12.0);
        check("cron(0 9 * * ? 2025-2030)", 365.0 / 12.0);
        check("rate(1 day)", 365.0 / 12.0);
        check("rate(1 hour)", 730.0);
        check("rate(12 hours)", 730.0 / 12.0);
        check("rate(5 minutes)", 730.0 * 12.0);
    }

    #[test]
    fn unreadable_schedules_say_why() {
        for (bad, why) in [
            ("daily", "`daily` is neither `cron(...)` nor `rate(...)`"),
            (
                "cron(0 9 * * *)",
                "`cron(0 9 * * *)` has 5 fields instead of 6",
            ),
            (
                "cron(0 9 * * * *)",
                "one of day-of-month and day-of-week must be `?`",
            ),
            ("cron(0 25 * * ? *)", "`25` is outside 0-23"),
            (
                "rate(1 week)",
                "rate unit `week` is not minute(s), hour(s) or day(s)",
            ),
        ] {
            assert_eq!(runs_per_month(bad).unwrap_err(), why, "{bad}");
        }
    }
}
