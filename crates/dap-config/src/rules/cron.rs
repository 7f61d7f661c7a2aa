//! Cron expressions as EventBridge and Glue take them: six fields, with `?`, `L`, `W` and `#`.

use super::code;

/// One field of a cron expression: its range, month or weekday names, and what it allows.
struct CronField {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
    question: bool,
    step: bool,
    day_of_month: bool,
    day_of_week: bool,
}

const MONTHS: &[&str] = &[
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: &[&str] = &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// A numeric field with steps, no names and no `?`.
const fn field(name: &'static str, min: u32, max: u32) -> CronField {
    CronField {
        name,
        min,
        max,
        names: &[],
        question: false,
        step: true,
        day_of_month: false,
        day_of_week: false,
    }
}

const CRON_FIELDS: [CronField; 6] = [
    field("minutes", 0, 59),
    field("hours", 0, 23),
    CronField {
        question: true,
        day_of_month: true,
        ..field("day-of-month", 1, 31)
    },
    CronField {
        names: MONTHS,
        ..field("month", 1, 12)
    },
    CronField {
        names: WEEKDAYS,
        question: true,
        step: false,
        day_of_week: true,
        ..field("day-of-week", 1, 7)
    },
    field("year", 1970, 2199),
];

impl CronField {
    /// A single value: a number in range, or a name.
    fn value(&self, text: &str) -> Result<u32, String> {
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            return match text.parse::<u32>() {
                Ok(v) if (self.min..=self.max).contains(&v) => Ok(v),
                _ => Err(format!(
                    "{} value {} is outside {}-{}",
                    self.name,
                    code(text),
                    self.min,
                    self.max
                )),
            };
        }
        let upper = text.to_ascii_uppercase();
        if let Some(i) = self.names.iter().position(|n| *n == upper) {
            return Ok(self.min + i as u32);
        }
        let names = if self.names.is_empty() {
            String::new()
        } else {
            format!(" or {}-{}", self.names[0], self.names[self.names.len() - 1])
        };
        Err(format!(
            "{} value {} is not a number in {}-{}{names}",
            self.name,
            code(text),
            self.min,
            self.max
        ))
    }

    /// One entry of the field's comma-separated list: `*`, a value, a range, with a step, or a
    /// day-of-month or day-of-week special (`L`, `W`, `#`).
    fn item(&self, item: &str) -> Result<(), String> {
        if item.is_empty() {
            return Err(format!("the {} field has an empty list entry", self.name));
        }
        if item == "?" {
            return Err(format!(
                "`?` must be the whole {} field, not part of a list",
                self.name
            ));
        }
        if self.day_of_month {
            if item == "L" || item == "LW" {
                return Ok(());
            }
            if let Some(day) = item.strip_suffix('W') {
                return self.value(day).map(drop);
            }
        }
        if self.day_of_week {
            if item == "L" {
                return Ok(());
            }
            if let Some(day) = item.strip_suffix('L') {
                return self.value(day).map(drop);
            }
            if let Some((day, nth)) = item.split_once('#') {
                self.value(day)?;
                return match nth {
                    "1" | "2" | "3" | "4" | "5" => Ok(()),
                    _ => Err(format!(
                        "day-of-week {} needs a week number from 1 to 5 after `#`",
                        code(item)
                    )),
                };
            }
        }
        let (base, step) = match item.split_once('/') {
            Some((base, step)) => (base, Some(step)),
            None => (item, None),
        };
        if let Some(step) = step {
            if !self.step {
                return Err(format!("the {} field takes no `/` steps", self.name));
            }
            let ok = !step.is_empty()
                && step.bytes().all(|b| b.is_ascii_digit())
                && step.parse::<u32>().is_ok_and(|s| s >= 1);
            if !ok {
                return Err(format!(
                    "{} step {} is not a positive whole number",
                    self.name,
                    code(step)
                ));
            }
        }
        if base == "*" {
            return Ok(());
        }
        match base.split_once('-') {
            Some((from, to)) => {
                let (from_v, to_v) = (self.value(from)?, self.value(to)?);
                if from_v > to_v {
                    return Err(format!("{} range {} runs backwards", self.name, code(base)));
                }
                Ok(())
            }
            None => self.value(base).map(drop),
        }
    }

    /// The whole field: `?` or a list.
    fn check(&self, text: &str) -> Result<(), String> {
        if text == "?" {
            return if self.question {
                Ok(())
            } else {
                Err(format!("`?` is not allowed in the {} field", self.name))
            };
        }
        text.split(',').try_for_each(|item| self.item(item))
    }
}

/// Checks the inside of `cron(...)`: six fields, and `?` in exactly one of day-of-month and
/// day-of-week. Returns why it is invalid.
pub(super) fn check_cron(inner: &str) -> Result<(), String> {
    let fields: Vec<&str> = inner.split_whitespace().collect();
    if fields.len() != 6 {
        return Err(format!(
            "it has {} fields instead of 6 (minutes hours day-of-month month day-of-week year)",
            fields.len()
        ));
    }
    for (spec, text) in CRON_FIELDS.iter().zip(&fields) {
        spec.check(text)?;
    }
    match (fields[2] == "?", fields[4] == "?") {
        (true, true) => Err("day-of-month and day-of-week cannot both be `?`".to_owned()),
        (false, false) => Err("one of day-of-month and day-of-week must be `?`".to_owned()),
        _ => Ok(()),
    }
}
