//! Semantic validation of the typed model: every value AWS or the platform would reject.
//!
//! Errors are located through the index the structural check built; paths it poisoned (already
//! reported as missing or of the wrong type) are skipped, so each problem is reported once.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use crate::error::ErrorKind;
use crate::model::{Environment, Protection};
use crate::path::Path;
use crate::rules::{self, code, list, Reject};
use crate::schema::{Located, Problem};
use crate::yaml::Pos;
use crate::{bucket_name, BUCKET_ZONES};

/// Which part of an entry an error points at.
#[derive(Clone, Copy, PartialEq, Eq)]
enum At {
    /// The key (a dataset name, a tag key).
    Key,
    /// The value.
    Value,
}

/// Validation state: where things are, what is already reported, what was found.
pub(crate) struct Ctx<'a> {
    index: &'a HashMap<String, Located>,
    poisoned: &'a HashSet<String>,
    root: Pos,
    /// Problems found.
    pub problems: Vec<Problem>,
}

impl<'a> Ctx<'a> {
    pub fn new(
        index: &'a HashMap<String, Located>,
        poisoned: &'a HashSet<String>,
        root: Pos,
    ) -> Self {
        Ctx {
            index,
            poisoned,
            root,
            problems: Vec::new(),
        }
    }

    /// Whether `path` or an enclosing path was already reported by the structural check.
    fn is_poisoned(&self, path: &Path) -> bool {
        path.self_and_ancestors()
            .any(|p| self.poisoned.contains(&p.to_string()))
    }

    /// Where to point for `path`: itself if written, else the nearest enclosing key.
    fn locate(&self, path: &Path, at: At) -> Pos {
        if let Some(located) = self.index.get(&path.to_string()) {
            return match at {
                At::Key => located.key.unwrap_or(located.value),
                At::Value => located.value_or_key(),
            };
        }
        let mut ancestor = path.parent();
        while let Some(p) = ancestor {
            if let Some(located) = self.index.get(&p.to_string()) {
                return located.key.unwrap_or(located.value);
            }
            ancestor = p.parent();
        }
        self.root
    }

    fn push(&mut self, path: &Path, at: At, kind: ErrorKind, reject: Reject) {
        if self.is_poisoned(path) {
            return;
        }
        let pos = self.locate(path, at);
        self.problems.push(Problem {
            pos,
            field: path.to_string(),
            kind,
            message: reject.message,
            allowed: reject.allowed,
        });
    }

    /// Records `result` for `path`; returns whether the value is usable for further checks.
    fn check(&mut self, path: &Path, at: At, result: Result<(), Reject>) -> bool {
        if self.is_poisoned(path) {
            return false;
        }
        match result {
            Ok(()) => true,
            Err(reject) => {
                self.push(path, at, ErrorKind::Value, reject);
                false
            }
        }
    }

    /// A list that must not be empty.
    fn non_empty<T>(&mut self, path: &Path, items: &[T], what: &str, allowed: &str) -> bool {
        if items.is_empty() {
            self.check(
                path,
                At::Value,
                Err(Reject::new(
                    format!("no {what}; at least one is required"),
                    allowed,
                )),
            );
            false
        } else {
            true
        }
    }

    /// Reports every entry equal to an earlier one.
    fn no_duplicates<T: Eq + Hash + std::fmt::Display>(
        &mut self,
        path: &Path,
        items: impl IntoIterator<Item = T>,
        what: &str,
    ) {
        let mut seen: HashMap<T, usize> = HashMap::new();
        for (i, item) in items.into_iter().enumerate() {
            if let Some(first) = seen.get(&item) {
                let reject = Reject::new(
                    format!(
                        "{} is listed twice (first as {})",
                        code(&item.to_string()),
                        code(&path.index(*first).to_string())
                    ),
                    format!("each {what} once"),
                );
                self.check(&path.index(i), At::Value, Err(reject));
            } else {
                seen.insert(item, i);
            }
        }
    }
}

/// The file name without directories and extension: `environments/prod.yaml` gives `prod`.
pub(crate) fn file_stem(file_name: &str) -> &str {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    match base.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => base,
    }
}

/// Checks every value of `env`.
pub(crate) fn validate(env: &Environment, file_name: &str, ctx: &mut Ctx<'_>) {
    let root = Path::root();
    let name_path = root.key("name");
    if ctx.check(&name_path, At::Value, rules::env_name(&env.name)) {
        let stem = file_stem(file_name);
        if env.name != stem {
            let reject = Reject::new(
                format!(
                    "{} does not match the file name {}",
                    code(&env.name),
                    code(file_name)
                ),
                format!("`{stem}` (an environment's name is its file name without `.yaml`)"),
            );
            ctx.check(&name_path, At::Value, Err(reject));
        }
    }
    let account_ok = ctx.check(
        &root.key("account_id"),
        At::Value,
        rules::account_id(&env.account_id),
    );
    let region_ok = ctx.check(&root.key("region"), At::Value, rules::region(&env.region));
    let prefix_path = root.key("prefix");
    if ctx.check(&prefix_path, At::Value, rules::prefix(&env.prefix)) && account_ok && region_ok {
        check_bucket_names(env, ctx, &prefix_path);
    }
    if let Some(url) = &env.endpoint_url {
        ctx.check(
            &root.key("endpoint_url"),
            At::Value,
            rules::endpoint_url(url),
        );
    }
    check_deploy_role(env, ctx, account_ok);
    check_datasets(env, ctx);
    check_retention(env, ctx);
    check_principals(env, ctx);
    check_alarms_and_budget(env, ctx);
    check_usage(env, ctx);
    check_glue_and_athena(env, ctx);
    check_reporting_host(env, ctx);
    check_tags(env, ctx);
    check_suppressions(env, ctx);
}

fn check_bucket_names(env: &Environment, ctx: &mut Ctx<'_>, prefix_path: &Path) {
    let longest = BUCKET_ZONES
        .iter()
        .map(|zone| bucket_name(env, zone))
        .max_by_key(String::len)
        .unwrap_or_default();
    if longest.len() > 63 {
        let room = 63 - (longest.len() - env.prefix.len());
        let reject = Reject::new(
            format!(
                "derived bucket name {} is {} characters long",
                code(&longest),
                longest.len()
            ),
            format!(
                "bucket names of 3 to 63 characters, so a prefix of at most {room} characters in this account and region"
            ),
        );
        ctx.check(prefix_path, At::Value, Err(reject));
    }
}

fn check_datasets(env: &Environment, ctx: &mut Ctx<'_>) {
    let path = Path::root().key("datasets");
    let items: Vec<_> = env.datasets.iter().collect();
    ctx.non_empty(
        &path,
        &items,
        "datasets",
        "a mapping from dataset name to its `years`, for example `business-licences:` with `years: [2024]`",
    );
    for (name, dataset) in items {
        let dataset_path = path.key(name);
        ctx.check(&dataset_path, At::Key, rules::dataset_name(name));
        let years_path = dataset_path.key("years");
        if ctx.non_empty(
            &years_path,
            &dataset.years,
            "years",
            "one four-digit year per line, for example `- 2024`",
        ) {
            for (i, year) in dataset.years.iter().enumerate() {
                ctx.check(&years_path.index(i), At::Value, rules::year(*year));
            }
            ctx.no_duplicates(&years_path, dataset.years.iter(), "year");
        }
        ctx.check(
            &dataset_path.key("max_rejected_percent"),
            At::Value,
            rules::within(
                u64::from(dataset.max_rejected_percent),
                0..=100,
                "a percentage of the rows read, 0 to 100",
            ),
        );
    }
}

fn check_retention(env: &Environment, ctx: &mut Ctx<'_>) {
    let path = Path::root().key("retention");
    let r = &env.retention;
    for (key, days) in [
        ("landing_expiry_days", r.landing_expiry_days),
        (
            "noncurrent_version_expiry_days",
            r.noncurrent_version_expiry_days,
        ),
        ("athena_results_expiry_days", r.athena_results_expiry_days),
    ] {
        ctx.check(
            &path.key(key),
            At::Value,
            rules::within(u64::from(days), 1..=u64::from(u32::MAX), "at least 1 day"),
        );
    }
    let log_path = path.key("log_retention_days");
    let log_ok = ctx.check(
        &log_path,
        At::Value,
        rules::log_retention(r.log_retention_days),
    );
    let strict =
        env.protection == Protection::Strict && !ctx.is_poisoned(&Path::root().key("protection"));
    if log_ok && strict && r.log_retention_days < 365 {
        let long_enough: Vec<u32> = rules::LOG_RETENTION_DAYS
            .iter()
            .copied()
            .filter(|d| *d >= 365)
            .collect();
        let reject = Reject::new(
            format!(
                "`{}` days is too short for `strict` protection",
                r.log_retention_days
            ),
            format!("365 days or more: {}", list(&long_enough)),
        );
        ctx.check(&log_path, At::Value, Err(reject));
    }
}

fn check_deploy_role(env: &Environment, ctx: &mut Ctx<'_>, account_ok: bool) {
    let Some(role) = &env.deploy_role else {
        return;
    };
    let path = Path::root().key("deploy_role");
    if account_ok {
        ctx.check(
            &path.key("arn"),
            At::Value,
            rules::deploy_role(&role.arn, &env.account_id),
        );
    }
    if let Some(id) = &role.external_id {
        ctx.check(&path.key("external_id"), At::Value, rules::external_id(id));
    }
    if let Some(name) = &role.session_name {
        ctx.check(
            &path.key("session_name"),
            At::Value,
            rules::session_name(name),
        );
    }
    let trusted = path.key("trusted_principals");
    if ctx.non_empty(
        &trusted,
        &role.trusted_principals,
        "trusted principals",
        "the CI identity that assumes the deploy role, such as `arn:aws:iam::123456789012:role/dap-github-actions`",
    ) {
        for (i, arn) in role.trusted_principals.iter().enumerate() {
            ctx.check(&trusted.index(i), At::Value, rules::trusted_principal(arn));
        }
        ctx.no_duplicates(&trusted, role.trusted_principals.iter(), "principal");
    }
}

fn check_principals(env: &Environment, ctx: &mut Ctx<'_>) {
    let path = Path::root().key("principals");
    let p = &env.principals;
    if let Some(arn) = &p.break_glass {
        ctx.check(
            &path.key("break_glass"),
            At::Value,
            rules::break_glass_role(arn, &env.account_id),
        );
    }
    for (key, arns) in [
        ("data_engineer", &p.data_engineer),
        ("analyst", &p.analyst),
        ("auditor", &p.auditor),
    ] {
        let list_path = path.key(key);
        if ctx.non_empty(
            &list_path,
            arns,
            "principals",
            "role ARNs such as `arn:aws:iam::123456789012:role/analyst`, or account roots `arn:aws:iam::123456789012:root`",
        ) {
            for (i, arn) in arns.iter().enumerate() {
                ctx.check(&list_path.index(i), At::Value, rules::principal_arn(arn));
            }
            ctx.no_duplicates(&list_path, arns.iter(), "principal");
        }
    }
}

fn check_alarms_and_budget(env: &Environment, ctx: &mut Ctx<'_>) {
    let emails_path = Path::root().key("alarms").key("emails");
    let emails = &env.alarms.emails;
    if ctx.non_empty(
        &emails_path,
        emails,
        "email addresses",
        "addresses such as `data-platform-alerts@vancouver.ca`",
    ) {
        for (i, email) in emails.iter().enumerate() {
            ctx.check(&emails_path.index(i), At::Value, rules::email(email));
        }
        ctx.no_duplicates(
            &emails_path,
            emails.iter().map(|e| e.to_ascii_lowercase()),
            "address",
        );
    }

    let budget = Path::root().key("budget");
    ctx.check(
        &budget.key("monthly_usd"),
        At::Value,
        rules::within(
            u64::from(env.budget.monthly_usd),
            1..=u64::from(u32::MAX),
            "a whole number of US dollars, at least 1",
        ),
    );
    let thresholds_path = budget.key("alert_thresholds_percent");
    let thresholds = &env.budget.alert_thresholds_percent;
    if ctx.non_empty(
        &thresholds_path,
        thresholds,
        "thresholds",
        "percentages of the monthly limit from 1 to 1000, for example `[80, 100]`",
    ) {
        for (i, t) in thresholds.iter().enumerate() {
            ctx.check(
                &thresholds_path.index(i),
                At::Value,
                rules::within(u64::from(*t), 1..=1000, "1 to 1000 percent"),
            );
        }
        ctx.no_duplicates(&thresholds_path, thresholds.iter(), "threshold");
    }
}

/// The usage assumptions: whole numbers by their schema; only a run's length has a range.
fn check_usage(env: &Environment, ctx: &mut Ctx<'_>) {
    ctx.check(
        &Path::root().key("usage").key("job_minutes_per_run"),
        At::Value,
        rules::within(
            u64::from(env.usage.job_minutes_per_run),
            1..=2880,
            "1 to 2880 minutes (Glue bills at least one minute a run; 48 hours is its longest timeout)",
        ),
    );
}

fn check_glue_and_athena(env: &Environment, ctx: &mut Ctx<'_>) {
    let glue = Path::root().key("glue");
    let g = &env.glue;
    ctx.check(
        &glue.key("worker_type"),
        At::Value,
        rules::worker_type(&g.worker_type),
    );
    for (key, value, range, allowed) in [
        (
            "number_of_workers",
            g.number_of_workers,
            2..=299,
            "2 to 299 workers",
        ),
        (
            "timeout_minutes",
            g.timeout_minutes,
            1..=2880,
            "1 to 2880 minutes (48 hours)",
        ),
        ("max_retries", g.max_retries, 0..=10, "0 to 10 retries"),
    ] {
        ctx.check(
            &glue.key(key),
            At::Value,
            rules::within(u64::from(value), range, allowed),
        );
    }
    ctx.check(
        &glue.key("schedule"),
        At::Value,
        rules::glue_schedule(&g.schedule),
    );

    let cutoff = env.athena.bytes_scanned_cutoff;
    if cutoff < rules::MIN_BYTES_SCANNED_CUTOFF {
        ctx.check(
            &Path::root().key("athena").key("bytes_scanned_cutoff"),
            At::Value,
            Err(Reject::new(
                format!("`{cutoff}` bytes is below Athena's minimum cutoff"),
                format!("at least {} bytes (10 MB)", rules::MIN_BYTES_SCANNED_CUTOFF),
            )),
        );
    }
}

fn check_reporting_host(env: &Environment, ctx: &mut Ctx<'_>) {
    let path = Path::root().key("reporting_host");
    let host = &env.reporting_host;
    if !host.enabled || ctx.is_poisoned(&path.key("enabled")) {
        return;
    }
    ctx.check(
        &path.key("instance_type"),
        At::Value,
        rules::instance_type(&host.instance_type),
    );
    ctx.check(
        &path.key("refresh_minutes"),
        At::Value,
        rules::within(
            u64::from(host.refresh_minutes),
            5..=1440,
            "5 to 1440 minutes (a day)",
        ),
    );
    for (key, value, prefix, what) in [
        ("vpc_id", &host.vpc_id, "vpc-", "VPC"),
        ("subnet_id", &host.subnet_id, "subnet-", "subnet"),
    ] {
        let key_path = path.key(key);
        match value {
            Some(id) => {
                ctx.check(&key_path, At::Value, rules::resource_id(id, prefix, what));
            }
            None => {
                if !ctx.is_poisoned(&key_path) {
                    ctx.push(
                        &key_path,
                        At::Value,
                        ErrorKind::MissingKey,
                        Reject::new(
                            format!("missing {}, required when `enabled` is true", code(key)),
                            format!("`{prefix}` followed by 8 or 17 lowercase hex digits"),
                        ),
                    );
                }
            }
        }
    }
    let egress_path = path.key("egress_cidrs");
    for (i, cidr) in host.egress_cidrs.iter().enumerate() {
        if let Err(reject) = rules::cidr(cidr) {
            ctx.check(&egress_path.index(i), At::Value, Err(reject));
        }
    }
    ctx.no_duplicates(&egress_path, host.egress_cidrs.iter(), "CIDR block");
    let lists_path = path.key("egress_prefix_lists");
    for (i, id) in host.egress_prefix_lists.iter().enumerate() {
        ctx.check(&lists_path.index(i), At::Value, rules::prefix_list_id(id));
    }
    ctx.no_duplicates(&lists_path, host.egress_prefix_lists.iter(), "prefix list");
    let cidrs_path = path.key("allowed_cidrs");
    let mut networks = Vec::new();
    for (i, cidr) in host.allowed_cidrs.iter().enumerate() {
        let entry = cidrs_path.index(i);
        match rules::cidr(cidr) {
            Ok(network) => networks.push((network, cidr.as_str(), i)),
            Err(reject) => {
                ctx.check(&entry, At::Value, Err(reject));
            }
        }
    }
    let mut seen = HashMap::new();
    for (network, text, i) in networks {
        if let Some(first) = seen.insert(network, i) {
            seen.insert(network, first);
            ctx.check(
                &cidrs_path.index(i),
                At::Value,
                Err(Reject::new(
                    format!(
                        "{} is listed twice (first as {})",
                        code(text),
                        code(&cidrs_path.index(first).to_string())
                    ),
                    "each CIDR block once",
                )),
            );
        }
    }
    ctx.check(&path.key("image"), At::Value, rules::image(&host.image));
}

/// Tags an environment may set; the platform adds a few of its own under the AWS limit of 50.
const MAX_TAGS: usize = 40;

fn check_tags(env: &Environment, ctx: &mut Ctx<'_>) {
    let path = Path::root().key("tags");
    if env.tags.len() > MAX_TAGS {
        ctx.check(
            &path,
            At::Key,
            Err(Reject::new(
                format!("{} tags are too many", env.tags.len()),
                format!("at most {MAX_TAGS} tags (the platform adds its own)"),
            )),
        );
    }
    for (key, value) in &env.tags {
        let tag_path = path.key(key);
        ctx.check(&tag_path, At::Key, rules::tag_key(key));
        ctx.check(&tag_path, At::Value, rules::tag_value(value));
    }
}

fn check_suppressions(env: &Environment, ctx: &mut Ctx<'_>) {
    let path = Path::root().key("suppressions");
    let mut complete = Vec::new();
    for (i, s) in env.suppressions.iter().enumerate() {
        let entry = path.index(i);
        let mut ok = ctx.check(&entry.key("rule"), At::Value, rules::rule_code(&s.rule));
        ok &= ctx.check(&entry.key("stack"), At::Value, rules::stack_name(&s.stack));
        ok &= ctx.check(
            &entry.key("resource"),
            At::Value,
            rules::logical_id(&s.resource),
        );
        ctx.check(&entry.key("reason"), At::Value, rules::reason(&s.reason));
        if ok {
            complete.push((i, format!("{} on {}/{}", s.rule, s.stack, s.resource)));
        }
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, what) in &complete {
        if let Some(first) = seen.get(what.as_str()) {
            let reject = Reject::new(
                format!(
                    "{} is suppressed twice (first as {})",
                    code(what),
                    code(&path.index(*first).to_string())
                ),
                "each rule and resource once",
            );
            ctx.check(&path.index(*i).key("rule"), At::Value, Err(reject));
        } else {
            seen.insert(what, *i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::file_stem;

    #[test]
    fn stems() {
        assert_eq!(file_stem("environments/prod.yaml"), "prod");
        assert_eq!(file_stem("prod.yml"), "prod");
        assert_eq!(file_stem(r"C:\envs\dev.yaml"), "dev");
        assert_eq!(file_stem("local"), "local");
        assert_eq!(file_stem(".yaml"), ".yaml");
    }
}
