//! Templates in, dollars out: each resource priced by its `Type` and `Properties`, with the
//! usage assumptions for what a template cannot say.
//!
//! The estimate works on template JSON (what the YAML encodes), so a freshly rendered
//! template and one read back from a deployed stack are priced the same way. Everything
//! happens in one pass over all the stacks first (counts to spread usage over, the Glue
//! triggers that say how often each job and crawler runs, across stacks), then one pass that
//! prices each resource.

use std::collections::{HashMap, HashSet};

use dap_config::Usage;
use dap_planner::names::Zone;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::format::quantity as q;
use crate::prices::PriceTable;
use crate::schedule::{self, DAYS_PER_MONTH, HOURS_PER_MONTH};
use crate::{types, CostError};

/// The monthly cost of a set of stacks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// The price table's region.
    pub region: String,
    /// Each stack, in the order given.
    pub stacks: Vec<StackCost>,
    /// The sum of the stacks, USD a month (unrounded).
    pub monthly_usd: f64,
    /// The oldest `as_of` date of the prices used (`YYYY-MM-DD`).
    pub prices_as_of: String,
}

/// One stack's cost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StackCost {
    /// The stack name.
    pub name: String,
    /// Every resource of its template, in template order (free ones included).
    pub resources: Vec<ResourceCost>,
    /// The sum of its resources, USD a month.
    pub monthly_usd: f64,
}

/// One resource's cost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceCost {
    /// The logical id.
    pub logical_id: String,
    /// The CloudFormation type.
    pub resource_type: String,
    /// What it costs, one line per price.
    pub lines: Vec<CostLine>,
    /// The sum of its lines, USD a month.
    pub monthly_usd: f64,
    /// Why it costs nothing, when it has no lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free: Option<String>,
}

/// One price applied to one quantity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostLine {
    /// The price key (`glue.etl_dpu_hour`).
    pub price: String,
    /// How many units a month.
    pub quantity: f64,
    /// The price's unit (`DPU-hour`).
    pub unit: String,
    /// USD per unit: the price used.
    pub unit_usd: f64,
    /// `quantity` × the price, USD a month.
    pub usd: f64,
    /// How the quantity was derived, for example `5 workers × 2 DPU (G.2X) × 5 min × 30.42
    /// runs (cron(0 9 * * ? *))`, naming the usage keys it comes from.
    pub basis: String,
}

/// Where an estimate stands against a monthly budget.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BudgetStatus {
    /// The estimate as a percentage of the budget.
    pub percent: f64,
    /// Above 80 % of the budget.
    pub over_80: bool,
    /// Above the budget.
    pub over_100: bool,
}

impl Estimate {
    /// The estimate against a monthly budget in USD.
    pub fn budget_check(&self, monthly_budget_usd: f64) -> BudgetStatus {
        let percent = if monthly_budget_usd > 0.0 {
            self.monthly_usd / monthly_budget_usd * 100.0
        } else if self.monthly_usd > 0.0 {
            f64::INFINITY
        } else {
            0.0
        };
        BudgetStatus {
            percent,
            over_80: percent > 80.0,
            over_100: percent > 100.0,
        }
    }

    /// A stack by name.
    pub fn stack(&self, name: &str) -> Option<&StackCost> {
        self.stacks.iter().find(|s| s.name == name)
    }
}

impl StackCost {
    /// A resource by logical id.
    pub fn resource(&self, logical_id: &str) -> Option<&ResourceCost> {
        self.resources.iter().find(|r| r.logical_id == logical_id)
    }
}

/// The DPUs a Glue worker type gives.
pub fn worker_dpu(worker_type: &str) -> Option<f64> {
    Some(match worker_type {
        "G.025X" => 0.25,
        "G.1X" | "Standard" | "R.1X" => 1.0,
        "G.2X" | "R.2X" => 2.0,
        "G.4X" | "R.4X" => 4.0,
        "G.8X" | "R.8X" => 8.0,
        "G.12X" => 12.0,
        "G.16X" => 16.0,
        _ => return None,
    })
}

/// The DPUs a crawler run is assumed to use: AWS sizes crawlers itself.
pub const CRAWLER_DPU: f64 = 2.0;
/// The minutes a crawler run is billed: Glue's minimum, which a crawl of a few catalog
/// tables stays under.
pub const CRAWLER_MINUTES: f64 = 10.0;
/// Athena bills at least this many MB a query.
pub const ATHENA_MIN_MB: f64 = 10.0;
/// MB in a TB, as Athena counts them (binary: 10 MB is 10,485,760 bytes).
pub const MB_PER_TB: f64 = 1_048_576.0;
/// The metrics EC2 detailed monitoring publishes at one-minute resolution, billed as custom
/// metrics.
pub const DETAILED_MONITORING_METRICS: f64 = 7.0;
/// The root volume assumed when neither the instance nor its launch template maps one: the
/// Amazon Linux 2023 AMI's (8 GB gp3).
pub const DEFAULT_ROOT_GB: f64 = 8.0;

/// Prices every resource of `stacks` (stack name, template JSON) with `usage` and `prices`.
///
/// # Errors
///
/// [`CostError::UnknownType`] for a type neither priced nor free,
/// [`CostError::UnknownInstanceType`] for an EC2 instance type the table has no price for,
/// [`CostError::Unpriceable`] for a priced type in a shape the estimate cannot price, and
/// [`CostError::MissingPrice`] for a price the table lacks.
pub fn estimate(
    stacks: &[(String, Value)],
    usage: &Usage,
    prices: &PriceTable,
) -> Result<Estimate, CostError> {
    let cx = Cx::new(stacks, usage, prices);
    let mut used: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    let mut next = 0;
    for (stack, (name, _)) in stacks.iter().enumerate() {
        let mut resources = Vec::new();
        while next < cx.all.len() && cx.all[next].stack == stack {
            let r = &cx.all[next];
            let priced = cx.price(next)?;
            let (lines, free) = match priced {
                Priced::Free(why) => (Vec::new(), Some(why)),
                Priced::Lines(drafts) => {
                    let mut lines = Vec::new();
                    for d in drafts {
                        let p = prices.price(&d.price)?;
                        used.insert(d.price.clone());
                        lines.push(CostLine {
                            usd: d.quantity * p.usd,
                            price: d.price,
                            quantity: d.quantity,
                            unit: p.unit.clone(),
                            unit_usd: p.usd,
                            basis: d.basis,
                        });
                    }
                    (lines, None)
                }
            };
            resources.push(ResourceCost {
                logical_id: r.id.to_owned(),
                resource_type: r.ty.to_owned(),
                monthly_usd: lines.iter().map(|l| l.usd).sum(),
                lines,
                free,
            });
            next += 1;
        }
        out.push(StackCost {
            name: name.clone(),
            monthly_usd: resources.iter().map(|r| r.monthly_usd).sum(),
            resources,
        });
    }
    let prices_as_of = used
        .iter()
        .filter_map(|k| prices.prices.get(k))
        .map(|p| p.as_of.clone())
        .min()
        .unwrap_or_else(|| prices.oldest_as_of());
    Ok(Estimate {
        region: prices.region.clone(),
        monthly_usd: out.iter().map(|s| s.monthly_usd).sum(),
        stacks: out,
        prices_as_of,
    })
}

/// What a pricing rule found.
enum Priced {
    /// Lines to price.
    Lines(Vec<Draft>),
    /// No cost, and why.
    Free(String),
}

/// A line before its price is looked up.
struct Draft {
    price: String,
    quantity: f64,
    basis: String,
}

fn line(price: &str, quantity: f64, basis: impl Into<String>) -> Draft {
    Draft {
        price: price.to_owned(),
        quantity,
        basis: basis.into(),
    }
}

static NULL: Value = Value::Null;

/// One resource of the set being priced.
struct Res<'a> {
    stack: usize,
    stack_name: &'a str,
    template: &'a Value,
    id: &'a str,
    ty: &'a str,
    body: &'a Value,
}

impl<'a> Res<'a> {
    /// A property, with a `Ref` to a template parameter replaced by its default (SSM
    /// parameter types excepted: their default is a parameter name, not the value).
    fn prop(&self, name: &str) -> Option<&'a Value> {
        let v = self.body.get("Properties")?.get(name)?;
        Some(literal(self.template, v))
    }

    fn props(&self) -> &'a Value {
        self.body.get("Properties").unwrap_or(&NULL)
    }

    fn unpriceable(&self, why: impl Into<String>) -> CostError {
        CostError::Unpriceable {
            stack: self.stack_name.to_owned(),
            logical_id: self.id.to_owned(),
            resource_type: self.ty.to_owned(),
            why: why.into(),
        }
    }
}

fn literal<'a>(template: &'a Value, v: &'a Value) -> &'a Value {
    let Some(name) = v.get("Ref").and_then(Value::as_str) else {
        return v;
    };
    let Some(param) = template.get("Parameters").and_then(|p| p.get(name)) else {
        return v;
    };
    let ssm = param["Type"]
        .as_str()
        .is_some_and(|t| t.starts_with("AWS::SSM::"));
    match param.get("Default") {
        Some(d) if !ssm => d,
        _ => v,
    }
}

fn number(v: &Value) -> Option<f64> {
    v.as_f64().or_else(|| v.as_str()?.trim().parse().ok())
}

fn text(v: &Value) -> Option<&str> {
    v.as_str()
}

fn is_true(v: Option<&Value>) -> bool {
    v.is_some_and(|v| v.as_bool() == Some(true) || v.as_str() == Some("true"))
}

/// How often a job or crawler runs a month, and why.
#[derive(Clone, Debug)]
struct Runs {
    per_month: f64,
    why: String,
}

/// A Glue trigger, its references resolved to resource indexes.
struct Trigger {
    kind: String,
    schedule: Option<String>,
    id: String,
    active: bool,
    actions: Vec<usize>,
    /// Upstream jobs or crawlers whose success fires it.
    conditions: Vec<usize>,
    /// All conditions must hold (`AND`), rather than any.
    all: bool,
}

/// Which `usage.storage_gb` key a bucket's storage comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Store {
    Landing,
    Raw,
    Curated,
    AthenaResults,
    Logs,
    Assets,
}

impl Store {
    fn of(zone: Zone) -> Store {
        match zone {
            Zone::Landing => Store::Landing,
            Zone::Raw => Store::Raw,
            Zone::Curated => Store::Curated,
            Zone::AthenaResults => Store::AthenaResults,
            Zone::TrailLogs | Zone::AccessLogs => Store::Logs,
            Zone::Assets => Store::Assets,
        }
    }

    /// The usage key and its GB.
    fn gb(self, usage: &Usage) -> (&'static str, u32) {
        let s = &usage.storage_gb;
        match self {
            Store::Landing => ("landing", s.landing),
            Store::Raw => ("raw", s.raw),
            Store::Curated => ("curated", s.curated),
            Store::AthenaResults => ("athena_results", s.athena_results),
            Store::Logs => ("logs", s.logs),
            Store::Assets => ("assets", 0),
        }
    }

    /// Whether the platform's S3 requests are spread over it.
    fn takes_requests(self) -> bool {
        matches!(
            self,
            Store::Landing | Store::Raw | Store::Curated | Store::AthenaResults
        )
    }
}

/// The zone of a bucket: by its logical id in the storage stack, else by its name
/// (`<prefix>-<zone>-<account>-<region>`).
fn zone_of(r: &Res<'_>) -> Option<Zone> {
    if let Some(zone) = Zone::ALL.into_iter().find(|z| z.logical_id() == r.id) {
        return Some(zone);
    }
    let name = r.prop("BucketName").and_then(text)?;
    Zone::ALL.into_iter().find(|z| {
        let marker = format!("-{}-", z.slug());
        name.match_indices(&marker).any(|(at, m)| {
            let rest = &name[at + m.len()..];
            rest.len() > 12
                && rest.as_bytes()[..12].iter().all(u8::is_ascii_digit)
                && rest.as_bytes()[12] == b'-'
        })
    })
}

/// What the whole set of stacks says before any resource is priced.
struct Cx<'a> {
    usage: &'a Usage,
    prices: &'a PriceTable,
    all: Vec<Res<'a>>,
    by_id: HashMap<(usize, &'a str), usize>,
    count: HashMap<&'a str, usize>,
    stores: HashMap<usize, Store>,
    store_count: HashMap<Store, usize>,
    data_trails: usize,
    /// Per alarm, the custom metrics it is the first to watch (priced on it, once).
    custom_metrics: HashMap<usize, Vec<String>>,
    triggers: Vec<Trigger>,
}

impl<'a> Cx<'a> {
    fn new(stacks: &'a [(String, Value)], usage: &'a Usage, prices: &'a PriceTable) -> Self {
        let mut all = Vec::new();
        for (stack, (name, template)) in stacks.iter().enumerate() {
            let Some(resources) = template.get("Resources").and_then(Value::as_object) else {
                continue;
            };
            for (id, body) in resources {
                all.push(Res {
                    stack,
                    stack_name: name,
                    template,
                    id,
                    ty: body.get("Type").and_then(Value::as_str).unwrap_or(""),
                    body,
                });
            }
        }
        let by_id = all
            .iter()
            .enumerate()
            .map(|(i, r)| ((r.stack, r.id), i))
            .collect();
        let mut count: HashMap<&str, usize> = HashMap::new();
        for r in &all {
            *count.entry(r.ty).or_default() += 1;
        }
        let mut stores = HashMap::new();
        let mut store_count = HashMap::new();
        for (i, r) in all.iter().enumerate() {
            if r.ty == "AWS::S3::Bucket" {
                if let Some(zone) = zone_of(r) {
                    let store = Store::of(zone);
                    stores.insert(i, store);
                    *store_count.entry(store).or_default() += 1;
                }
            }
        }
        let data_trails = all
            .iter()
            .filter(|r| r.ty == "AWS::CloudTrail::Trail" && !data_resources(r).is_empty())
            .count();
        let mut cx = Cx {
            usage,
            prices,
            by_id,
            count,
            stores,
            store_count,
            data_trails,
            custom_metrics: HashMap::new(),
            triggers: Vec::new(),
            all,
        };
        cx.custom_metrics = cx.find_custom_metrics();
        cx.triggers = cx.find_triggers();
        cx
    }

    fn count(&self, ty: &str) -> usize {
        self.count.get(ty).copied().unwrap_or(0)
    }

    /// Custom metrics (a namespace outside `AWS/`) that alarms watch and no metric filter of
    /// the set publishes (the jobs publish them): each is charged once, on the first alarm.
    fn find_custom_metrics(&self) -> HashMap<usize, Vec<String>> {
        let mut from_filters: HashSet<(String, String)> = HashSet::new();
        for r in self
            .all
            .iter()
            .filter(|r| r.ty == "AWS::Logs::MetricFilter")
        {
            for t in r
                .prop("MetricTransformations")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let (Some(ns), Some(name)) = (
                    t.get("MetricNamespace").and_then(text),
                    t.get("MetricName").and_then(text),
                ) {
                    from_filters.insert((ns.to_owned(), name.to_owned()));
                }
            }
        }
        let mut seen = HashSet::new();
        let mut out: HashMap<usize, Vec<String>> = HashMap::new();
        for (i, r) in self.all.iter().enumerate() {
            if r.ty != "AWS::CloudWatch::Alarm" {
                continue;
            }
            for m in alarm_metrics(r) {
                let custom = !m.namespace.starts_with("AWS/")
                    && !from_filters.contains(&(m.namespace.clone(), m.name.clone()));
                if custom && seen.insert(m.key()) {
                    out.entry(i).or_default().push(m.key());
                }
            }
        }
        out
    }

    /// The Glue triggers of the set, their jobs and crawlers found by `Ref` (same stack) or
    /// by name (any stack).
    fn find_triggers(&self) -> Vec<Trigger> {
        let mut by_name: HashMap<(&str, &str), usize> = HashMap::new();
        for (i, r) in self.all.iter().enumerate() {
            let kind = match r.ty {
                "AWS::Glue::Job" => "job",
                "AWS::Glue::Crawler" => "crawler",
                _ => continue,
            };
            let name = r.prop("Name").and_then(text).unwrap_or(r.id);
            by_name.insert((kind, name), i);
        }
        let resolve = |r: &Res<'_>, kind: &str, v: &Value| -> Option<usize> {
            if let Some(id) = v.get("Ref").and_then(Value::as_str) {
                return self.by_id.get(&(r.stack, id)).copied();
            }
            by_name.get(&(kind, text(v)?)).copied()
        };
        let mut out = Vec::new();
        for r in self.all.iter().filter(|r| r.ty == "AWS::Glue::Trigger") {
            let refs = |items: Option<&Value>, only_succeeded: bool| -> Vec<usize> {
                let mut found = Vec::new();
                for item in items.and_then(Value::as_array).into_iter().flatten() {
                    let (kind, value, state) = match (item.get("JobName"), item.get("CrawlerName"))
                    {
                        (Some(job), _) => ("job", job, item.get("State")),
                        (None, Some(crawler)) => ("crawler", crawler, item.get("CrawlState")),
                        (None, None) => continue,
                    };
                    let succeeded = state.and_then(text).is_none_or(|s| s == "SUCCEEDED");
                    if only_succeeded && !succeeded {
                        continue;
                    }
                    if let Some(i) = resolve(r, kind, value) {
                        found.push(i);
                    }
                }
                found
            };
            let kind = r.prop("Type").and_then(text).unwrap_or("").to_owned();
            let predicate = r.prop("Predicate");
            out.push(Trigger {
                active: kind == "ON_DEMAND"
                    || r.prop("StartOnCreation").is_none()
                    || is_true(r.prop("StartOnCreation")),
                schedule: r.prop("Schedule").and_then(text).map(str::to_owned),
                id: r.id.to_owned(),
                actions: refs(r.prop("Actions"), false),
                conditions: refs(predicate.and_then(|p| p.get("Conditions")), true),
                all: predicate
                    .and_then(|p| p.get("Logical"))
                    .and_then(text)
                    .is_none_or(|l| l == "AND"),
                kind,
            });
        }
        out
    }

    /// How often a job or crawler runs a month: its own schedule and every active trigger
    /// that starts it, summed; a conditional trigger runs as often as what it waits for; with
    /// nothing scheduled, `usage.job_runs_per_month`.
    fn runs(&self, node: usize, visiting: &mut Vec<usize>) -> Result<Runs, String> {
        if visiting.contains(&node) {
            return Ok(Runs {
                per_month: 0.0,
                why: "a trigger cycle".to_owned(),
            });
        }
        visiting.push(node);
        let mut sources = Vec::new();
        let r = &self.all[node];
        if let Some(expr) = r
            .prop("Schedule")
            .and_then(|s| s.get("ScheduleExpression"))
            .and_then(text)
        {
            sources.push(Runs {
                per_month: schedule::runs_per_month(expr)
                    .map_err(|e| format!("its schedule: {e}"))?,
                why: expr.to_owned(),
            });
        }
        for t in self
            .triggers
            .iter()
            .filter(|t| t.active && t.actions.contains(&node))
        {
            match t.kind.as_str() {
                "SCHEDULED" => {
                    let expr = t.schedule.as_deref().ok_or_else(|| {
                        format!("trigger `{}` is SCHEDULED without a Schedule", t.id)
                    })?;
                    sources.push(Runs {
                        per_month: schedule::runs_per_month(expr)
                            .map_err(|e| format!("trigger `{}`: {e}", t.id))?,
                        why: expr.to_owned(),
                    });
                }
                "CONDITIONAL" if !t.conditions.is_empty() => {
                    let mut upstream = Vec::new();
                    for c in &t.conditions {
                        upstream.push(self.runs(*c, visiting)?);
                    }
                    let per_month = if t.all {
                        upstream
                            .iter()
                            .map(|u| u.per_month)
                            .fold(f64::INFINITY, f64::min)
                    } else {
                        upstream.iter().map(|u| u.per_month).sum()
                    };
                    let names: Vec<&str> = t.conditions.iter().map(|c| self.all[*c].id).collect();
                    let why = match upstream.as_slice() {
                        [only] => format!("after {}; {}", names[0], only.why),
                        _ => format!("after {}", names.join(if t.all { " and " } else { " or " })),
                    };
                    sources.push(Runs { per_month, why });
                }
                _ => {}
            }
        }
        visiting.pop();
        Ok(match sources.len() {
            0 => Runs {
                per_month: f64::from(self.usage.job_runs_per_month),
                why: "no schedule starts it: usage.job_runs_per_month".to_owned(),
            },
            1 => sources.remove(0),
            _ => Runs {
                per_month: sources.iter().map(|s| s.per_month).sum(),
                why: sources
                    .iter()
                    .map(|s| s.why.as_str())
                    .collect::<Vec<_>>()
                    .join(" + "),
            },
        })
    }

    /// The pricing rule of one resource.
    fn price(&self, i: usize) -> Result<Priced, CostError> {
        let r = &self.all[i];
        if r.ty.is_empty() {
            return Err(r.unpriceable("the resource has no `Type`"));
        }
        if let Some(why) = types::free(r.ty) {
            return Ok(Priced::Free(why.to_owned()));
        }
        Ok(match r.ty {
            "AWS::KMS::Key" => self.kms_key(r),
            "AWS::S3::Bucket" => self.bucket(i, r)?,
            "AWS::Glue::Job" => self.glue_job(i, r)?,
            "AWS::Glue::Crawler" => self.crawler(i, r)?,
            "AWS::Athena::WorkGroup" => self.workgroup(r),
            "AWS::CloudTrail::Trail" => self.trail(r)?,
            "AWS::CloudWatch::Alarm" => self.alarm(i, r)?,
            "AWS::CloudWatch::Dashboard" => Priced::Lines(vec![line(
                "cloudwatch.dashboard_month",
                1.0,
                "one dashboard",
            )]),
            "AWS::Logs::LogGroup" => self.log_group(r)?,
            "AWS::Logs::MetricFilter" => metric_filter(r),
            "AWS::SNS::Topic" => self.topic(),
            "AWS::SNS::Subscription" => self.subscription(r)?,
            "AWS::EC2::Instance" => self.instance(r)?,
            "AWS::Budgets::Budget" => Priced::Lines(vec![line(
                "budgets.budget_day",
                DAYS_PER_MONTH,
                "days in a month (AWS's free budgets ignored)",
            )]),
            "AWS::Events::Rule" => events_rule(r)?,
            "AWS::SSM::Parameter" => ssm_parameter(r)?,
            _ => {
                return Err(CostError::UnknownType {
                    stack: r.stack_name.to_owned(),
                    logical_id: r.id.to_owned(),
                    resource_type: r.ty.to_owned(),
                })
            }
        })
    }

    /// A crawler: its DPU-hours at the minimum run length, times its runs a month.
    fn crawler(&self, i: usize, r: &Res<'_>) -> Result<Priced, CostError> {
        let runs = self
            .runs(i, &mut Vec::new())
            .map_err(|e| r.unpriceable(e))?;
        Ok(Priced::Lines(vec![line(
            "glue.crawler_dpu_hour",
            CRAWLER_DPU * CRAWLER_MINUTES / 60.0 * runs.per_month,
            format!(
                "{} DPU (assumed: AWS sizes crawlers) × {} min (the minimum a run) × {} runs ({})",
                q(CRAWLER_DPU),
                q(CRAWLER_MINUTES),
                q(runs.per_month),
                runs.why
            ),
        )]))
    }

    /// A topic: one publish per alarm notification, spread over the topics.
    fn topic(&self) -> Priced {
        let u = self.usage;
        let per_topic =
            f64::from(u.alarm_notifications_per_month) / self.count("AWS::SNS::Topic") as f64;
        Priced::Lines(vec![line(
            "sns.request",
            per_topic,
            format!(
                "one publish per notification{} (usage.alarm_notifications_per_month)",
                spread(
                    u.alarm_notifications_per_month.into(),
                    self.count("AWS::SNS::Topic"),
                    "topics"
                )
            ),
        )])
    }

    /// A subscription: an email per notification; SQS and Lambda deliveries are free.
    fn subscription(&self, r: &Res<'_>) -> Result<Priced, CostError> {
        let u = self.usage;
        let protocol = r.prop("Protocol").and_then(text).unwrap_or("");
        Ok(match protocol {
            "email" | "email-json" => {
                let per_topic = f64::from(u.alarm_notifications_per_month)
                    / self.count("AWS::SNS::Topic").max(1) as f64;
                Priced::Lines(vec![line(
                    "sns.email_notification",
                    per_topic,
                    format!(
                        "one email per notification{} (usage.alarm_notifications_per_month)",
                        spread(
                            u.alarm_notifications_per_month.into(),
                            self.count("AWS::SNS::Topic"),
                            "topics"
                        )
                    ),
                )])
            }
            "sqs" | "lambda" => Priced::Free(format!(
                "deliveries to {} cost nothing",
                if protocol == "sqs" { "SQS" } else { "Lambda" }
            )),
            other => {
                return Err(r.unpriceable(format!(
                    "`{other}` deliveries have no price in the table (email, email-json, sqs and lambda are priced)"
                )))
            }
        })
    }

    fn kms_key(&self, r: &Res<'_>) -> Priced {
        let mut lines = vec![line("kms.key_month", 1.0, "a customer managed key")];
        if is_true(r.prop("EnableKeyRotation")) {
            lines.push(line(
                "kms.key_month",
                2.0,
                "automatic rotation: the first two rotations of its key material add a month each, later ones nothing",
            ));
        }
        let keys = self.count("AWS::KMS::Key");
        let requests = self.usage.kms_requests_per_month as f64 / keys as f64;
        lines.push(line(
            "kms.request",
            requests,
            format!(
                "{}usage.kms_requests_per_month",
                spread_prefix(self.usage.kms_requests_per_month as f64, keys, "keys")
            ),
        ));
        Priced::Lines(lines)
    }

    fn bucket(&self, i: usize, r: &Res<'_>) -> Result<Priced, CostError> {
        let Some(store) = self.stores.get(&i).copied() else {
            let zones: Vec<String> = Zone::ALL
                .iter()
                .map(|z| format!("`{}`", z.logical_id()))
                .collect();
            return Err(r.unpriceable(format!(
                "its zone is unknown, so is its storage: the platform's buckets are {} (or named `<prefix>-<zone>-<account>-<region>`)",
                zones.join(", ")
            )));
        };
        let u = self.usage;
        let (key, gb) = store.gb(u);
        let buckets = self.store_count[&store];
        let mut lines = Vec::new();
        let stored = f64::from(gb) / buckets as f64;
        lines.push(line(
            "s3.standard_gb_month",
            stored,
            if store == Store::Assets {
                "Glue scripts and temporary files: a few MB, not counted".to_owned()
            } else {
                format!(
                    "{}usage.storage_gb.{key}",
                    spread_prefix(
                        f64::from(gb),
                        buckets,
                        if store == Store::Logs {
                            "log buckets"
                        } else {
                            "buckets of the zone"
                        }
                    )
                )
            },
        ));
        if store.takes_requests() {
            let data: usize = self
                .store_count
                .iter()
                .filter(|(s, _)| s.takes_requests())
                .map(|(_, n)| n)
                .sum();
            for (price, what, total, key) in [
                ("s3.put_request", "PUT", u.requests_per_month.put, "put"),
                ("s3.get_request", "GET", u.requests_per_month.get, "get"),
            ] {
                let n = total as f64 / data as f64;
                lines.push(line(
                    price,
                    n,
                    format!(
                        "{what}: {}usage.requests_per_month.{key}",
                        spread_prefix(total as f64, data, "data buckets")
                    ),
                ));
            }
        }
        Ok(Priced::Lines(lines))
    }

    fn glue_job(&self, i: usize, r: &Res<'_>) -> Result<Priced, CostError> {
        let command = r
            .prop("Command")
            .and_then(|c| c.get("Name"))
            .and_then(text)
            .unwrap_or("glueetl");
        let (dpu, sizing) = if let Some(worker_type) = r.prop("WorkerType").and_then(text) {
            let per = worker_dpu(worker_type).ok_or_else(|| {
                r.unpriceable(format!(
                    "worker type `{worker_type}` is not one dap-cost knows (G.025X, G.1X, G.2X, G.4X, G.8X, G.12X, G.16X, R.1X to R.8X, Standard)"
                ))
            })?;
            let workers = r.prop("NumberOfWorkers").and_then(number).ok_or_else(|| {
                r.unpriceable("`WorkerType` without a number in `NumberOfWorkers`")
            })?;
            (
                workers * per,
                format!("{} workers × {} DPU ({worker_type})", q(workers), q(per)),
            )
        } else if let Some(capacity) = r
            .prop("MaxCapacity")
            .or_else(|| r.prop("AllocatedCapacity"))
            .and_then(number)
        {
            (capacity, format!("{} DPU (MaxCapacity)", q(capacity)))
        } else if command == "pythonshell" {
            (
                0.0625,
                "0.0625 DPU (a Python shell job's default)".to_owned(),
            )
        } else {
            (10.0, "10 DPU (Glue's default capacity)".to_owned())
        };
        if command == "gluestreaming" {
            return Ok(Priced::Lines(vec![line(
                "glue.etl_dpu_hour",
                dpu * HOURS_PER_MONTH,
                format!(
                    "{sizing} × {} hours (a streaming job runs all month)",
                    q(HOURS_PER_MONTH)
                ),
            )]));
        }
        let timeout = r.prop("Timeout").and_then(number).unwrap_or(2880.0);
        let minimum = match r.prop("GlueVersion").and_then(text) {
            Some("0.9" | "1.0") => 10.0,
            _ => 1.0,
        };
        let wanted = f64::from(self.usage.job_minutes_per_run);
        let minutes = wanted.min(timeout).max(minimum);
        let minutes_text = if minutes < wanted {
            format!("{} min (the job's timeout)", q(minutes))
        } else if minutes > wanted {
            format!("{} min (the minimum a run)", q(minutes))
        } else {
            format!("{} min", q(minutes))
        };
        let runs = self
            .runs(i, &mut Vec::new())
            .map_err(|e| r.unpriceable(e))?;
        Ok(Priced::Lines(vec![line(
            "glue.etl_dpu_hour",
            dpu * minutes / 60.0 * runs.per_month,
            format!(
                "{sizing} × {minutes_text} × {} runs ({})",
                q(runs.per_month),
                runs.why
            ),
        )]))
    }

    fn workgroup(&self, r: &Res<'_>) -> Priced {
        let u = self.usage;
        let groups = self.count("AWS::Athena::WorkGroup");
        let queries = f64::from(u.queries_per_month) / groups as f64;
        let wanted = f64::from(u.mb_scanned_per_query);
        let cutoff = r
            .prop("WorkGroupConfiguration")
            .and_then(|c| c.get("BytesScannedCutoffPerQuery"))
            .and_then(number)
            .map(|bytes| bytes / 1_048_576.0);
        let capped = cutoff.map_or(wanted, |c| wanted.min(c));
        let billed = capped.max(ATHENA_MIN_MB);
        let mut why = format!(
            "{} queries{} × {} MB",
            q(queries),
            spread(f64::from(u.queries_per_month), groups, "workgroups"),
            q(billed)
        );
        if capped < wanted {
            why.push_str(" (the workgroup's cutoff)");
        } else if billed > wanted {
            why.push_str(&format!(
                " (Athena bills at least {} MB a query)",
                q(ATHENA_MIN_MB)
            ));
        }
        why.push_str(" (usage.queries_per_month, usage.mb_scanned_per_query)");
        Priced::Lines(vec![line(
            "athena.tb_scanned",
            queries * billed / MB_PER_TB,
            why,
        )])
    }

    fn trail(&self, r: &Res<'_>) -> Result<Priced, CostError> {
        if r.prop("InsightSelectors")
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty())
        {
            return Err(r.unpriceable("CloudTrail Insights has no price in the table"));
        }
        let mut lines = vec![line(
            "cloudtrail.management_event",
            0.0,
            "management events: the account's first copy is free (this trail is taken to be it)",
        )];
        let resources = data_resources(r);
        if !resources.is_empty() {
            let events =
                self.usage.cloudtrail_data_events_per_month as f64 / self.data_trails as f64;
            lines.push(line(
                "cloudtrail.data_event",
                events,
                format!(
                    "data events on {} {}: {}usage.cloudtrail_data_events_per_month",
                    resources.len(),
                    if resources.len() == 1 {
                        "resource"
                    } else {
                        "resources"
                    },
                    spread_prefix(
                        self.usage.cloudtrail_data_events_per_month as f64,
                        self.data_trails,
                        "trails recording data events"
                    )
                ),
            ));
        }
        Ok(Priced::Lines(lines))
    }

    fn alarm(&self, i: usize, r: &Res<'_>) -> Result<Priced, CostError> {
        let metrics = alarm_metrics(r);
        if metrics.iter().any(|m| m.period.is_some_and(|p| p < 60.0)) {
            return Err(r.unpriceable(
                "a high-resolution alarm (a period under 60 seconds) has no price in the table",
            ));
        }
        let n = metrics.len().max(1) as f64;
        let mut lines = vec![line(
            "cloudwatch.alarm_month",
            n,
            if metrics.len() > 1 {
                "the metrics of a metric-math alarm, each charged".to_owned()
            } else {
                "one metric, standard resolution".to_owned()
            },
        )];
        for metric in self.custom_metrics.get(&i).into_iter().flatten() {
            lines.push(line(
                "cloudwatch.metric_month",
                1.0,
                format!("the custom metric it watches, {metric} (published by the platform; counted once)"),
            ));
        }
        Ok(Priced::Lines(lines))
    }

    fn log_group(&self, r: &Res<'_>) -> Result<Priced, CostError> {
        if let Some(class) = r.prop("LogGroupClass").and_then(text) {
            if class != "STANDARD" {
                return Err(r.unpriceable(format!(
                    "the `{class}` log class has no price in the table (STANDARD is priced)"
                )));
            }
        }
        let groups = self.count("AWS::Logs::LogGroup");
        let total = f64::from(self.usage.log_ingest_gb);
        let ingest = total / groups as f64;
        let (months, kept) = match r.prop("RetentionInDays").and_then(number) {
            Some(days) => (
                days / DAYS_PER_MONTH,
                format!("RetentionInDays {}", q(days)),
            ),
            None => (12.0, "never expires: a year's worth assumed".to_owned()),
        };
        Ok(Priced::Lines(vec![
            line(
                "logs.ingest_gb",
                ingest,
                format!(
                    "{}usage.log_ingest_gb",
                    spread_prefix(total, groups, "log groups")
                ),
            ),
            line(
                "logs.storage_gb_month",
                ingest * months,
                format!(
                    "{} GB a month × {} months kept ({kept}, once full)",
                    q(ingest),
                    q(months)
                ),
            ),
        ]))
    }

    fn instance(&self, r: &Res<'_>) -> Result<Priced, CostError> {
        let template = self.launch_template(r);
        let data = template.map(|t| t.props().get("LaunchTemplateData").unwrap_or(&NULL));
        let from_template = |name: &str| data.and_then(|d| d.get(name));
        let instance_type = r
            .prop("InstanceType")
            .or_else(|| from_template("InstanceType"))
            .and_then(text)
            .ok_or_else(|| {
                r.unpriceable(
                    "no instance type: neither the instance nor its launch template names one",
                )
            })?;
        let key = format!("ec2.{instance_type}_hour");
        if !self.prices.prices.contains_key(&key) {
            return Err(CostError::UnknownInstanceType {
                stack: r.stack_name.to_owned(),
                logical_id: r.id.to_owned(),
                instance_type: instance_type.to_owned(),
                key,
                region: self.prices.region.clone(),
            });
        }
        let mut lines = vec![line(
            &key,
            HOURS_PER_MONTH,
            format!("{instance_type}, always on"),
        )];
        let mappings = r
            .prop("BlockDeviceMappings")
            .or_else(|| from_template("BlockDeviceMappings"))
            .and_then(Value::as_array);
        let volumes: Vec<&Value> = mappings
            .into_iter()
            .flatten()
            .filter_map(|m| m.get("Ebs"))
            .collect();
        if volumes.is_empty() {
            lines.push(line(
                "ebs.gp3_gb_month",
                DEFAULT_ROOT_GB,
                "a gp3 root volume (no block device mapping: the AMI's 8 GB, assumed)",
            ));
        }
        for ebs in volumes {
            let volume_type = ebs.get("VolumeType").and_then(text).unwrap_or("gp3");
            let key = format!("ebs.{volume_type}_gb_month");
            if !self.prices.prices.contains_key(&key) {
                return Err(r.unpriceable(format!(
                    "a `{volume_type}` volume: the price table has no `{key}`"
                )));
            }
            let iops = ebs.get("Iops").and_then(number).unwrap_or(0.0);
            let throughput = ebs.get("Throughput").and_then(number).unwrap_or(0.0);
            if volume_type == "gp3" && (iops > 3000.0 || throughput > 125.0) {
                return Err(r.unpriceable(
                    "gp3 IOPS above 3,000 or throughput above 125 MB/s have no price in the table",
                ));
            }
            let (gb, size) = match ebs.get("VolumeSize").and_then(number) {
                Some(gb) => (gb, "VolumeSize"),
                None => (DEFAULT_ROOT_GB, "the AMI's size, assumed"),
            };
            lines.push(line(&key, gb, format!("a {volume_type} volume ({size})")));
        }
        let detailed = is_true(r.prop("Monitoring"))
            || from_template("Monitoring").is_some_and(|m| is_true(m.get("Enabled")));
        if detailed {
            lines.push(line(
                "cloudwatch.metric_month",
                DETAILED_MONITORING_METRICS,
                "detailed monitoring: its metrics at one-minute resolution",
            ));
        }
        Ok(Priced::Lines(lines))
    }

    /// The launch template an instance names, by `Ref` (same stack) or by name (any stack).
    fn launch_template(&self, r: &Res<'a>) -> Option<&Res<'a>> {
        let spec = r.prop("LaunchTemplate")?;
        if let Some(id) = spec
            .get("LaunchTemplateId")
            .and_then(|v| v.get("Ref"))
            .and_then(Value::as_str)
        {
            return self.by_id.get(&(r.stack, id)).map(|i| &self.all[*i]);
        }
        let name = spec.get("LaunchTemplateName").and_then(text)?;
        self.all.iter().find(|t| {
            t.ty == "AWS::EC2::LaunchTemplate"
                && t.prop("LaunchTemplateName").and_then(text) == Some(name)
        })
    }
}

/// ` (N ÷ M things)` when a total is spread over more than one resource.
fn spread(total: f64, over: usize, things: &str) -> String {
    if over > 1 {
        format!(" ({} ÷ {over} {things})", q(total))
    } else {
        String::new()
    }
}

/// `N ÷ M things, ` when a total is spread over more than one resource.
fn spread_prefix(total: f64, over: usize, things: &str) -> String {
    if over > 1 {
        format!("{} ÷ {over} {things}, ", q(total))
    } else {
        String::new()
    }
}

/// The data resources a trail records (event selectors' `DataResources` values, advanced
/// selectors of the `Data` category).
fn data_resources(r: &Res<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for selector in r
        .prop("EventSelectors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for d in selector
            .get("DataResources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let values = d.get("Values").and_then(Value::as_array);
            match values {
                Some(values) if !values.is_empty() => {
                    out.extend(values.iter().map(|v| v.to_string()));
                }
                _ => out.push(d.to_string()),
            }
        }
    }
    for selector in r
        .prop("AdvancedEventSelectors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let data = selector
            .get("FieldSelectors")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|f| {
                f.get("Field").and_then(text) == Some("eventCategory")
                    && f.get("Equals")
                        .and_then(Value::as_array)
                        .is_some_and(|e| e.iter().any(|v| v.as_str() == Some("Data")))
            });
        if data {
            out.push(selector.to_string());
        }
    }
    out
}

/// One metric an alarm watches.
struct AlarmMetric {
    namespace: String,
    name: String,
    dimensions: Vec<String>,
    period: Option<f64>,
}

impl AlarmMetric {
    fn key(&self) -> String {
        let mut key = format!("{}/{}", self.namespace, self.name);
        if !self.dimensions.is_empty() {
            key.push_str(&format!(" ({})", self.dimensions.join(", ")));
        }
        key
    }
}

/// The metrics an alarm watches: its own, or those of its metric-math `Metrics`.
fn alarm_metrics(r: &Res<'_>) -> Vec<AlarmMetric> {
    let dims = |v: Option<&Value>| -> Vec<String> {
        let mut d: Vec<String> = v
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|d| {
                let value = match d.get("Value") {
                    Some(Value::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                    None => String::new(),
                };
                format!("{}={value}", d.get("Name").and_then(text).unwrap_or("?"))
            })
            .collect();
        d.sort();
        d
    };
    if let Some(metrics) = r.prop("Metrics").and_then(Value::as_array) {
        return metrics
            .iter()
            .filter_map(|m| {
                let stat = m.get("MetricStat")?;
                let metric = stat.get("Metric")?;
                Some(AlarmMetric {
                    namespace: metric.get("Namespace").and_then(text)?.to_owned(),
                    name: metric.get("MetricName").and_then(text)?.to_owned(),
                    dimensions: dims(metric.get("Dimensions")),
                    period: stat.get("Period").and_then(number),
                })
            })
            .collect();
    }
    match (
        r.prop("Namespace").and_then(text),
        r.prop("MetricName").and_then(text),
    ) {
        (Some(namespace), Some(name)) => vec![AlarmMetric {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            dimensions: dims(r.prop("Dimensions")),
            period: r.prop("Period").and_then(number),
        }],
        _ => Vec::new(),
    }
}

/// EventBridge rules cost nothing when they match AWS service events on the default bus or
/// run on a schedule; custom events are billed when published, which the estimate has no
/// usage for.
fn events_rule(r: &Res<'_>) -> Result<Priced, CostError> {
    if r.prop("State").and_then(text) == Some("DISABLED") {
        return Ok(Priced::Free("a disabled rule costs nothing".to_owned()));
    }
    if r.prop("ScheduleExpression").is_some() {
        return Ok(Priced::Free("scheduled rules cost nothing".to_owned()));
    }
    let bus = r.prop("EventBusName").and_then(text).unwrap_or("default");
    let sources: Vec<&str> = match r.props().get("EventPattern").and_then(|p| p.get("source")) {
        Some(Value::Array(items)) => items.iter().filter_map(text).collect(),
        Some(Value::String(s)) => vec![s.as_str()],
        _ => Vec::new(),
    };
    if bus == "default" && !sources.is_empty() && sources.iter().all(|s| s.starts_with("aws.")) {
        return Ok(Priced::Free(format!(
            "matches AWS service events ({}) on the default bus, which cost nothing",
            sources.join(", ")
        )));
    }
    Err(r.unpriceable(
        "a rule on custom events: they are billed when published (`events.custom_event`), and the usage assumptions say nothing about them",
    ))
}

/// A metric filter: one custom metric a month for each metric it publishes (at least one).
fn metric_filter(r: &Res<'_>) -> Priced {
    let metrics: Vec<String> = r
        .prop("MetricTransformations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|t| {
            format!(
                "{}/{}",
                t.get("MetricNamespace").and_then(text).unwrap_or("?"),
                t.get("MetricName").and_then(text).unwrap_or("?")
            )
        })
        .collect();
    let n = metrics.len().max(1) as f64;
    Priced::Lines(vec![line(
        "cloudwatch.metric_month",
        n,
        format!(
            "{} it publishes: {}",
            if metrics.len() > 1 {
                "the custom metrics"
            } else {
                "the custom metric"
            },
            metrics.join(", ")
        ),
    )])
}

/// An SSM parameter: free in the standard tier; any other tier has no price.
fn ssm_parameter(r: &Res<'_>) -> Result<Priced, CostError> {
    Ok(match r.prop("Tier").and_then(text) {
        None | Some("Standard") => Priced::Free("standard-tier parameters cost nothing".to_owned()),
        Some(tier) => {
            return Err(r.unpriceable(format!(
                "the `{tier}` tier has no price in the table (standard-tier parameters are free)"
            )))
        }
    })
}
