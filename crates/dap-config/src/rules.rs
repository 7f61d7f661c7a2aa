//! Rules for single values: what AWS (or the platform) accepts.
//!
//! Each rule returns a [`Reject`] with what is wrong and what is allowed; the caller adds the
//! location.

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

/// AWS commercial regions (partition `aws`).
pub const REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

/// The retention periods (days) CloudWatch Logs accepts.
pub const LOG_RETENTION_DAYS: &[u32] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// The Glue worker types the platform uses.
pub const GLUE_WORKER_TYPES: &[&str] = &["G.1X", "G.2X", "G.4X", "G.8X"];

/// Athena's smallest per-query bytes-scanned cutoff (10 MB).
pub const MIN_BYTES_SCANNED_CUTOFF: u64 = 10_485_760;

fn is_lower_alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

fn first_bad_char(value: &str, ok: impl Fn(char) -> bool) -> Option<char> {
    value.chars().find(|&c| !ok(c))
}

/// `name`: lowercase letters and digits, 1 to 16 characters.
pub(crate) fn env_name(name: &str) -> Result<(), Reject> {
    let allowed = "lowercase letters and digits, 1 to 16 characters, for example `prod`";
    let reason = if name.is_empty() {
        Some("it is empty".to_owned())
    } else if let Some(c) = first_bad_char(name, is_lower_alnum) {
        Some(format!("it contains {}", code(&c.to_string())))
    } else if name.chars().count() > 16 {
        Some(format!("it is {} characters long", name.chars().count()))
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Reject::new(
            format!("{} is not a valid environment name ({reason})", code(name)),
            allowed,
        )),
        None => Ok(()),
    }
}

/// `account_id`: exactly 12 digits.
pub(crate) fn account_id(id: &str) -> Result<(), Reject> {
    if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(Reject::new(
            format!("{} is not an AWS account id", code(id)),
            "exactly 12 digits, quoted, for example `\"123456789012\"`",
        ))
    }
}

/// `region`: one of [`REGIONS`].
pub(crate) fn region(region: &str) -> Result<(), Reject> {
    if REGIONS.contains(&region) {
        Ok(())
    } else {
        let mut message = format!("{} is not an AWS region", code(region));
        if let Some(near) = suggest(region, REGIONS.iter().copied()) {
            let _ = write!(message, " (did you mean `{near}`?)");
        }
        Err(Reject::new(message, list(REGIONS)))
    }
}

/// `prefix`: safe inside S3 bucket names and every other physical name.
pub(crate) fn prefix(prefix: &str) -> Result<(), Reject> {
    let reason = if prefix.is_empty() {
        Some("it is empty".to_owned())
    } else if let Some(c) = first_bad_char(prefix, |c| is_lower_alnum(c) || c == '-') {
        Some(format!("it contains {}", code(&c.to_string())))
    } else if !prefix.starts_with(|c: char| c.is_ascii_lowercase()) {
        Some("it does not start with a letter".to_owned())
    } else if prefix.contains("--") {
        Some("it contains `--`".to_owned())
    } else if prefix.ends_with('-') {
        Some("it ends with `-`".to_owned())
    } else if prefix.starts_with("sthree-") || prefix.starts_with("amzn-s3-demo-") {
        Some("S3 reserves names starting with `sthree-` and `amzn-s3-demo-`".to_owned())
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Reject::new(
            format!("{} is not a valid prefix ({reason})", code(prefix)),
            "lowercase letters, digits and single hyphens, starting with a letter and ending with a letter or digit, for example `dap-prod`",
        )),
        None => Ok(()),
    }
}

/// `endpoint_url`: an `http://` or `https://` URL with a host.
pub(crate) fn endpoint_url(url: &str) -> Result<(), Reject> {
    let reason = endpoint_problem(url);
    match reason {
        Some(reason) => Err(Reject::new(
            format!("{} is not an endpoint url ({reason})", code(url)),
            "an `http://` or `https://` url with a host, for example `http://127.0.0.1:5000`",
        )),
        None => Ok(()),
    }
}

fn endpoint_problem(url: &str) -> Option<&'static str> {
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("it contains spaces");
    }
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    let Some(rest) = rest else {
        return Some("it does not start with `http://` or `https://`");
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() {
        return Some("it has no host");
    }
    if authority.contains('@') {
        return Some("it contains credentials");
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        match v6.split_once(']') {
            Some((host, tail)) => {
                if host.is_empty() || !host.chars().all(|c| c.is_ascii_hexdigit() || c == ':') {
                    return Some("its IPv6 host is malformed");
                }
                match tail {
                    "" => (host, None),
                    _ => match tail.strip_prefix(':') {
                        Some(port) => (host, Some(port)),
                        None => return Some("its host is malformed"),
                    },
                }
            }
            None => return Some("its IPv6 host is malformed"),
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Some("it has no host");
    }
    if !authority.starts_with('[')
        && (host
            .split('.')
            .any(|label| label.is_empty() || label.starts_with('-') || label.ends_with('-'))
            || !host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'))
    {
        return Some("its host is malformed");
    }
    if let Some(port) = port {
        let valid = !port.is_empty()
            && port.len() <= 5
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p));
        if !valid {
            return Some("its port is not a number from 1 to 65535");
        }
    }
    None
}

/// A dataset name: lowercase words joined by single hyphens.
pub(crate) fn dataset_name(name: &str) -> Result<(), Reject> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .split('-')
            .all(|word| !word.is_empty() && word.chars().all(is_lower_alnum));
    if valid {
        Ok(())
    } else {
        Err(Reject::new(
            format!("{} is not a valid dataset name", code(name)),
            "lowercase letters and digits in words joined by single hyphens, starting with a letter, at most 64 characters, for example `business-licences`",
        ))
    }
}

/// A dataset year.
pub(crate) fn year(year: u16) -> Result<(), Reject> {
    if (1997..=2100).contains(&year) {
        Ok(())
    } else {
        Err(Reject::new(
            format!("`{year}` is not a year the platform ingests"),
            "four-digit years from 1997 to 2100",
        ))
    }
}

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

/// A principal allowed to assume a human role: a role ARN or an account root.
/// The break-glass role: a role ARN (not an account root, not a user) in the environment's
/// own account, without wildcards.
pub(crate) fn break_glass_role(arn: &str, account: &str) -> Result<(), Reject> {
    principal_arn(arn)?;
    let allowed = "a role ARN of this environment's account, such as `arn:aws:iam::<account_id>:role/break-glass`";
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts[5] == "root" || !parts[5].starts_with("role/") {
        return Err(Reject::new(
            format!(
                "{} is not a role: the break-glass principal must be one role",
                code(arn)
            ),
            allowed,
        ));
    }
    if parts[4] != account {
        return Err(Reject::new(
            format!(
                "{} is in account {}, not in the environment's account {}",
                code(arn),
                code(parts[4]),
                code(account)
            ),
            allowed,
        ));
    }
    if arn.contains(['*', '?']) {
        return Err(Reject::new(
            format!("{} has a wildcard: the perimeter names one role", code(arn)),
            allowed,
        ));
    }
    Ok(())
}

pub(crate) fn principal_arn(arn: &str) -> Result<(), Reject> {
    let allowed = "`arn:aws:iam::<12-digit account>:role/<path/name>` (SSO roles included) or `arn:aws:iam::<12-digit account>:root`";
    let fail = |reason: &str| {
        Err(Reject::new(
            format!("{} is not a role or account-root ARN ({reason})", code(arn)),
            allowed,
        ))
    };
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" {
        return fail("it does not have the form `arn:aws:iam::<account>:<resource>`");
    }
    if parts[1] != "aws" {
        return fail("its partition is not `aws`");
    }
    if parts[2] != "iam" {
        return fail("it is not an IAM ARN");
    }
    if !parts[3].is_empty() {
        return fail("IAM ARNs have no region");
    }
    if account_id(parts[4]).is_err() {
        return fail("its account is not 12 digits");
    }
    let resource = parts[5];
    if resource == "root" {
        return Ok(());
    }
    if resource.starts_with("user/") {
        return fail("IAM users are not allowed; the platform has no IAM users");
    }
    let Some(role) = resource.strip_prefix("role/") else {
        return fail("it names neither a role nor the account root");
    };
    let segments: Vec<&str> = role.split('/').collect();
    let name = segments.last().copied().unwrap_or_default();
    let valid_chars = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
    };
    if segments.iter().any(|s| s.is_empty() || !valid_chars(s)) {
        return fail("its role path or name is malformed");
    }
    if name.len() > 64 {
        return fail("its role name is longer than 64 characters");
    }
    if role.len() > 512 + 64 {
        return fail("its role path is longer than 512 characters");
    }
    Ok(())
}

/// A plausible email address.
pub(crate) fn email(address: &str) -> Result<(), Reject> {
    let valid = (|| {
        if address.len() > 254 {
            return None;
        }
        let (local, domain) = address.split_once('@')?;
        if local.is_empty()
            || local.len() > 64
            || local.starts_with('.')
            || local.ends_with('.')
            || local.contains("..")
            || !local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
        {
            return None;
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let tld = labels.last()?;
        Some(
            labels.len() >= 2
                && labels.iter().all(|l| {
                    !l.is_empty()
                        && l.len() <= 63
                        && !l.starts_with('-')
                        && !l.ends_with('-')
                        && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                })
                && tld.len() >= 2
                && tld.chars().all(|c| c.is_ascii_alphabetic()),
        )
    })()
    .unwrap_or(false);
    if valid {
        Ok(())
    } else {
        Err(Reject::new(
            format!("{} is not an email address", code(address)),
            "an address such as `data-platform-alerts@vancouver.ca`",
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

/// What kind of schedule expression [`crate::validate_schedule`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScheduleKind {
    /// `cron(minutes hours day-of-month month day-of-week year)`.
    Cron,
    /// `rate(N unit)`.
    Rate,
}

/// What `allowed` says for a cron schedule.
pub(crate) const CRON_ALLOWED: &str = "`cron(minutes hours day-of-month month day-of-week year)` with `?` in day-of-month or day-of-week, for example `cron(0 9 * * ? *)`";

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

fn check_cron(inner: &str) -> Result<(), String> {
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

/// An EC2 instance type: `family.size`.
pub(crate) fn instance_type(value: &str) -> Result<(), Reject> {
    let words_ok = |s: &str| {
        s.split('-')
            .all(|w| !w.is_empty() && w.chars().all(is_lower_alnum))
    };
    let valid = match value.split_once('.') {
        Some((family, size)) => {
            family.starts_with(|c: char| c.is_ascii_lowercase())
                && words_ok(family)
                && !size.is_empty()
                && words_ok(size)
        }
        None => false,
    };
    if valid {
        Ok(())
    } else {
        Err(Reject::new(
            format!("{} is not an EC2 instance type", code(value)),
            "`family.size` in lowercase, for example `t3.small`",
        ))
    }
}

fn is_resource_id(value: &str, kind: &str) -> bool {
    value.strip_prefix(kind).is_some_and(|hex| {
        (hex.len() == 8 || hex.len() == 17)
            && hex
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    })
}

/// `vpc-` or `subnet-` followed by 8 or 17 lowercase hex digits.
pub(crate) fn resource_id(value: &str, prefix: &str, what: &str) -> Result<(), Reject> {
    if is_resource_id(value, prefix) {
        Ok(())
    } else {
        Err(Reject::new(
            format!("{} is not a {what} id", code(value)),
            format!("`{prefix}` followed by 8 or 17 lowercase hex digits, for example `{prefix}0123456789abcdef0`"),
        ))
    }
}

/// An IPv4 CIDR block: its network address and prefix length.
/// A managed prefix list id: `pl-` and 8 or 17 lowercase hex digits.
pub(crate) fn prefix_list_id(value: &str) -> Result<(), Reject> {
    let ok = value.strip_prefix("pl-").is_some_and(|hex| {
        matches!(hex.len(), 8 | 17)
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    });
    if ok {
        Ok(())
    } else {
        Err(Reject::new(
            format!("{} is not a prefix list id", code(value)),
            "`pl-` followed by 8 or 17 lowercase hex digits, such as `pl-0123456789abcdef0`",
        ))
    }
}

pub(crate) fn cidr(value: &str) -> Result<(u32, u8), Reject> {
    let allowed = "an IPv4 CIDR block such as `10.20.0.0/16`, never `0.0.0.0/0`";
    let bad = |reason: &str| {
        Err(Reject::new(
            format!("{} is not a valid IPv4 CIDR block ({reason})", code(value)),
            allowed,
        ))
    };
    let Some((address, length)) = value.split_once('/') else {
        return bad("it has no `/length`");
    };
    let octets: Vec<&str> = address.split('.').collect();
    let parse_octet = |o: &str| -> Option<u32> {
        let plain = !o.is_empty()
            && o.len() <= 3
            && o.bytes().all(|b| b.is_ascii_digit())
            && (o == "0" || !o.starts_with('0'));
        o.parse::<u32>().ok().filter(|v| plain && *v <= 255)
    };
    let parsed: Option<Vec<u32>> = octets.iter().map(|o| parse_octet(o)).collect();
    let Some(parsed) = parsed.filter(|p| p.len() == 4) else {
        return bad("the address is not four numbers from 0 to 255");
    };
    let length_ok = !length.is_empty()
        && length.len() <= 2
        && length.bytes().all(|b| b.is_ascii_digit())
        && (length == "0" || !length.starts_with('0'));
    let Some(length) = length.parse::<u8>().ok().filter(|l| length_ok && *l <= 32) else {
        return bad("the length is not a number from 0 to 32");
    };
    let addr = parsed.iter().fold(0u32, |acc, o| (acc << 8) | o);
    let mask = if length == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(length))
    };
    if addr & !mask != 0 {
        let network = addr & mask;
        return Err(Reject::new(
            format!("{} has host bits set", code(value)),
            format!(
                "the network address `{}.{}.{}.{}/{length}`",
                network >> 24,
                (network >> 16) & 255,
                (network >> 8) & 255,
                network & 255
            ),
        ));
    }
    if length == 0 {
        return Err(Reject::new(
            format!(
                "{} would open the reporting host to the whole internet",
                code(value)
            ),
            "the City's own ranges, for example `10.20.0.0/16`",
        ));
    }
    Ok((addr, length))
}

/// `reporting_host.image`: an AMI id or an SSM parameter reference.
pub(crate) fn image(value: &str) -> Result<(), Reject> {
    let valid = if let Some(path) = value.strip_prefix("resolve:ssm:") {
        let (name, version) = match path.rsplit_once(':') {
            Some((name, version)) => (name, Some(version)),
            None => (path, None),
        };
        name.len() > 1
            && name.starts_with('/')
            && !name.ends_with('/')
            && !name.contains("//")
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-/".contains(c))
            && version.is_none_or(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
    } else {
        is_resource_id(value, "ami-")
    };
    if valid {
        Ok(())
    } else {
        Err(Reject::new(
            format!("{} is not an image", code(value)),
            "an AMI id (`ami-` and 8 or 17 hex digits) or an SSM parameter `resolve:ssm:/...`",
        ))
    }
}

fn tag_chars_ok(value: &str) -> bool {
    value
        .chars()
        .all(|c| c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c))
}

const TAG_CHARS: &str = "letters, digits, spaces and `_ . : / = + - @`";

/// A tag key.
pub(crate) fn tag_key(key: &str) -> Result<(), Reject> {
    let length = key.chars().count();
    let reason = if length == 0 {
        Some("it is empty")
    } else if length > 128 {
        Some("it is longer than 128 characters")
    } else if key.to_ascii_lowercase().starts_with("aws:") {
        Some("the `aws:` prefix is reserved for AWS")
    } else if !tag_chars_ok(key) {
        Some("it contains a character tags do not allow")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Reject::new(
            format!("{} is not a valid tag key ({reason})", code(key)),
            format!("1 to 128 {TAG_CHARS}, not starting with `aws:`"),
        )),
        None => Ok(()),
    }
}

/// A tag value.
pub(crate) fn tag_value(value: &str) -> Result<(), Reject> {
    let reason = if value.chars().count() > 256 {
        Some("it is longer than 256 characters")
    } else if !tag_chars_ok(value) {
        Some("it contains a character tags do not allow")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Reject::new(
            format!("{} is not a valid tag value ({reason})", code(value)),
            format!("at most 256 {TAG_CHARS}"),
        )),
        None => Ok(()),
    }
}

/// The platform's stacks by short name, as in the rendered file names: what a suppression's
/// `stack` may name. The planner's `StackKind` has the same list (a test of `dap-rules` checks).
pub const STACK_NAMES: &[&str] = &[
    "security",
    "storage",
    "audit",
    "access",
    "catalog",
    "analytics",
    "monitoring",
    "reporting",
];

/// A suppression's `rule`: a rule code such as `DAP-S3-007` (whether the rule exists is
/// checked by `dap check`, which knows the rules).
pub(crate) fn rule_code(value: &str) -> Result<(), Reject> {
    let ok = value.strip_prefix("DAP-").is_some_and(|rest| {
        rest.split_once('-').is_some_and(|(group, number)| {
            !group.is_empty()
                && group.len() <= 8
                && group
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                && number.len() == 3
                && number.bytes().all(|b| b.is_ascii_digit())
        })
    });
    if ok {
        Ok(())
    } else {
        Err(Reject::new(
            format!("{} is not a rule code", code(value)),
            "`DAP-<GROUP>-<three digits>`, for example `DAP-S3-007` (see docs/rules/README.md)",
        ))
    }
}

/// A suppression's `stack`: one of [`STACK_NAMES`].
pub(crate) fn stack_name(value: &str) -> Result<(), Reject> {
    if STACK_NAMES.contains(&value) {
        return Ok(());
    }
    let mut message = format!("{} is not a stack of the platform", code(value));
    if let Some(near) = suggest(value, STACK_NAMES.iter().copied()) {
        message.push_str(&format!(" (did you mean `{near}`?)"));
    }
    Err(Reject::new(message, list(STACK_NAMES)))
}

/// A suppression's `resource`: a CloudFormation logical id (1 to 255 ASCII letters and digits).
pub(crate) fn logical_id(value: &str) -> Result<(), Reject> {
    let ok =
        !value.is_empty() && value.len() <= 255 && value.bytes().all(|b| b.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(Reject::new(
            format!("{} is not a logical id", code(value)),
            "a resource's logical id as in the rendered template: 1 to 255 letters and digits, for example `AccessLogsBucket`",
        ))
    }
}

/// A suppression's `reason`: not blank.
pub(crate) fn reason(value: &str) -> Result<(), Reject> {
    if value.trim().is_empty() {
        Err(Reject::new(
            "the reason is empty",
            "a sentence saying why the rule cannot apply to this resource",
        ))
    } else {
        Ok(())
    }
}

/// Edit distance, for "did you mean" suggestions.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            current[j + 1] = (previous[j] + cost)
                .min(previous[j + 1] + 1)
                .min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// The closest candidate, if it is close enough to be a likely typo.
pub(crate) fn suggest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let length = word.chars().count();
    let limit = (length / 3).max(1);
    let word_lower = word.to_ascii_lowercase();
    candidates
        .into_iter()
        // The distance is at least the difference in length: skip the edit-distance table
        // (quadratic in the lengths) when that alone is too far, as for a very long key.
        .filter(|c| c.chars().count().abs_diff(length) <= limit)
        .map(|c| (distance(&word_lower, &c.to_ascii_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
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

    #[test]
    fn arns() {
        for ok in [
            "arn:aws:iam::123456789012:root",
            "arn:aws:iam::123456789012:role/analyst",
            "arn:aws:iam::333333333333:role/aws-reserved/sso.amazonaws.com/ca-central-1/AWSReservedSSO_DataEngineer_0123456789abcdef",
        ] {
            assert!(principal_arn(ok).is_ok(), "{ok}");
        }
        for bad in [
            "arn:aws:iam::123456789012:user/bob",
            "arn:aws:iam::12345678901:role/x",
            "arn:aws-cn:iam::123456789012:role/x",
            "arn:aws:iam:ca-central-1:123456789012:role/x",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:iam::123456789012:role//x",
            "arn:aws:iam::123456789012:group/x",
            "arn:aws:s3:::bucket",
            "123456789012",
            "*",
        ] {
            assert!(principal_arn(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cidrs() {
        assert_eq!(cidr("10.20.0.0/16"), Ok((0x0a14_0000, 16)));
        assert!(cidr("10.20.0.1/32").is_ok());
        for bad in [
            "0.0.0.0/0",
            "10.20.1.0/16",
            "10.20.0.0",
            "10.20.0/16",
            "10.20.0.256/32",
            "10.020.0.0/16",
            "10.20.0.0/33",
            "10.20.0.0/016",
            "::/0",
        ] {
            assert!(cidr(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn small_rules() {
        assert!(email("data-platform-alerts@vancouver.ca").is_ok());
        for bad in [
            "a@b",
            "@vancouver.ca",
            "a b@c.ca",
            "a@@c.ca",
            "a@c..ca",
            "a@-c.ca",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
        assert!(endpoint_url("http://127.0.0.1:5000").is_ok());
        assert!(endpoint_url("https://s3.localhost.localstack.cloud:4566/").is_ok());
        assert!(endpoint_url("http://[::1]:5000").is_ok());
        for bad in [
            "127.0.0.1:5000",
            "http://",
            "ftp://x",
            "http://:5000",
            "http://h:0",
            "http://h:99999",
            "http://a b",
        ] {
            assert!(endpoint_url(bad).is_err(), "{bad}");
        }
        for ok in [
            "t3.small",
            "m7i-flex.large",
            "c7i.metal-24xl",
            "u-6tb1.metal",
        ] {
            assert!(instance_type(ok).is_ok(), "{ok}");
        }
        for bad in ["t3", "T3.small", "t3.", ".small", "t3..small"] {
            assert!(instance_type(bad).is_err(), "{bad}");
        }
        assert!(image("ami-0123456789abcdef0").is_ok());
        assert!(image(
            "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
        )
        .is_ok());
        assert!(image("resolve:ssm:/a/b:3").is_ok());
        for bad in ["ami-xyz", "resolve:ssm:", "resolve:ssm:a/b", "ubuntu"] {
            assert!(image(bad).is_err(), "{bad}");
        }
        assert!(prefix("dap-prod").is_ok());
        for bad in [
            "",
            "Dap",
            "1dap",
            "dap--prod",
            "dap-",
            "dap_prod",
            "sthree-x",
        ] {
            assert!(prefix(bad).is_err(), "{bad}");
        }
        assert!(rule_code("DAP-S3-007").is_ok());
        assert!(rule_code("DAP-GLUE-001").is_ok());
        for bad in [
            "DAP-S3-7",
            "dap-s3-007",
            "DAP--007",
            "S3-007",
            "DAP-S3-0071",
            "DAP-s3-007",
        ] {
            assert!(rule_code(bad).is_err(), "{bad}");
        }
        assert!(stack_name("storage").is_ok());
        assert!(stack_name("stroage")
            .unwrap_err()
            .message
            .contains("did you mean `storage`"));
        assert!(logical_id("AccessLogsBucket").is_ok());
        for bad in ["", "Access-Logs", "a b"] {
            assert!(logical_id(bad).is_err(), "{bad}");
        }
        assert!(reason("  ").is_err());
        assert!(reason("the log bucket cannot log to itself").is_ok());
        assert_eq!(suggest("regon", ["region", "prefix"]), Some("region"));
        assert_eq!(suggest("zzz", ["region", "prefix"]), None);
    }
}
