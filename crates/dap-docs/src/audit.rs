//! Audit coverage: what the trail records, where its logs go and for how long, the alarms and
//! who they notify; read from the templates.

use dap_planner::names::Zone;
use serde::Serialize;
use serde_yaml::Value;

use crate::platform::{Platform, Resource};

/// Whether the trail records a bucket's object-level events.
#[derive(Clone, Debug, Serialize)]
pub struct DataEvents {
    /// The zone.
    pub zone: String,
    /// The bucket.
    pub bucket: String,
    /// `read and write`, `read`, `write` or `not recorded`.
    pub recorded: String,
}

/// One trail.
#[derive(Clone, Debug, Serialize)]
pub struct Trail {
    /// The trail's name.
    pub name: String,
    /// `stack/LogicalId`.
    pub resource: String,
    /// Whether logging is on.
    pub logging: bool,
    /// Every region.
    pub multi_region: bool,
    /// Global service events (IAM, STS, CloudFront).
    pub global_events: bool,
    /// Log file integrity validation (digest files).
    pub validation: bool,
    /// Management events: `read and write`, `read`, `write` or `not recorded`.
    pub management: String,
    /// Data events per bucket.
    pub data_events: Vec<DataEvents>,
    /// The bucket receiving log files.
    pub bucket: String,
    /// That bucket's retention.
    pub bucket_retention: String,
    /// The key encrypting log files.
    pub key: String,
    /// The CloudWatch Logs group receiving events, if any.
    pub log_group: String,
    /// That group's retention.
    pub log_group_retention: String,
    /// That group's key.
    pub log_group_key: String,
    /// The role CloudTrail uses to deliver to the group.
    pub delivery_role: String,
}

/// One alarm.
#[derive(Clone, Debug, Serialize)]
pub struct Alarm {
    /// The control it implements (`CIS 4.1`), if its description names one.
    pub control: String,
    /// The alarm name.
    pub name: String,
    /// What it watches.
    pub description: String,
    /// The metric filter pattern on the trail's log group, for trail alarms.
    pub filter: String,
    /// The log group the filter reads.
    pub source: String,
    /// When it fires.
    pub condition: String,
    /// Where it notifies.
    pub actions: Vec<String>,
    /// Whether actions are enabled.
    pub actions_enabled: bool,
    /// The value of its `JobName` dimension, if any.
    #[serde(skip)]
    pub job: String,
}

/// One alarm topic.
#[derive(Clone, Debug, Serialize)]
pub struct Topic {
    /// The topic name.
    pub name: String,
    /// Its key.
    pub key: String,
    /// `protocol: endpoint` of each subscription.
    pub subscribers: Vec<String>,
    /// The services allowed to publish.
    pub publishers: Vec<String>,
}

/// One budget.
#[derive(Clone, Debug, Serialize)]
pub struct Budget {
    /// The budget's name.
    pub name: String,
    /// The limit.
    pub limit: String,
    /// Each notification: threshold and where it goes.
    pub notifications: Vec<String>,
}

/// One data-quality ruleset and where its results go.
#[derive(Clone, Debug, Serialize)]
pub struct QualityRuleset {
    /// The ruleset's name.
    pub name: String,
    /// `database.table`.
    pub table: String,
    /// Its rules, in DQDL, as written.
    pub rules: Vec<String>,
    /// The Glue job that evaluates it on every run (empty: none does).
    pub job: String,
    /// Where that job writes its quality summary.
    pub report: String,
    /// `namespace/metric` the job publishes the failed-rule count to.
    pub metric: String,
    /// The alarms on that metric for that job, with the topics they notify.
    pub alarms: Vec<String>,
}

/// The audit coverage report's facts.
#[derive(Clone, Debug, Serialize)]
pub struct Audit {
    /// The trails.
    pub trails: Vec<Trail>,
    /// The alarms.
    pub alarms: Vec<Alarm>,
    /// The topics alarms notify.
    pub topics: Vec<Topic>,
    /// Budgets and their alerts.
    pub budgets: Vec<Budget>,
    /// Dashboards.
    pub dashboards: Vec<String>,
    /// Server access logging of each bucket: `(zone, where)`.
    pub access_logging: Vec<(String, String)>,
    /// The data-quality rulesets.
    pub quality: Vec<QualityRuleset>,
}

/// The rulesets, each with the job whose `--quality_rulesets` names it, that job's report
/// location and metric, and the alarms on the metric for that job.
fn quality(p: &Platform, alarms: &[Alarm]) -> Vec<QualityRuleset> {
    let arg = |job: &Resource, key: &str| {
        job.prop(&["DefaultArguments", key])
            .and_then(|v| p.resolve(&job.stack, v))
            .unwrap_or_default()
    };
    p.of_type("AWS::Glue::DataQualityRuleset")
        .map(|r| {
            let name = r.prop_str(&["Name"]).unwrap_or(&r.id).to_owned();
            let database = r
                .prop(&["TargetTable", "DatabaseName"])
                .and_then(|v| p.resolve(&r.stack, v))
                .unwrap_or_default();
            let table = r.prop_str(&["TargetTable", "TableName"]).unwrap_or("?");
            let job = p.of_type("AWS::Glue::Job").find(|j| {
                arg(j, "--quality_rulesets")
                    .split(',')
                    .any(|pair| pair.split_once('=').map(|(_, n)| n) == Some(name.as_str()))
            });
            let (job_name, report, metric, job_alarms) = match job {
                Some(j) => {
                    let job_name = j.prop_str(&["Name"]).unwrap_or(&j.id).to_owned();
                    let metric = format!(
                        "{}/{}",
                        arg(j, "--quality_metric_namespace"),
                        dap_planner::quality::METRIC
                    );
                    let on_metric = alarms
                        .iter()
                        .filter(|a| a.source == format!("metric {metric}") && a.job == job_name)
                        .map(|a| format!("`{}` → {}", a.name, a.actions.join(", ")))
                        .collect();
                    (job_name, arg(j, "--quality_report"), metric, on_metric)
                }
                None => Default::default(),
            };
            QualityRuleset {
                name,
                table: format!("{database}.{table}"),
                rules: dap_planner::quality::split_rules(
                    r.prop_str(&["Ruleset"]).unwrap_or_default(),
                ),
                job: job_name,
                report,
                metric,
                alarms: job_alarms,
            }
        })
        .collect()
}

fn zone_of(p: &Platform, bucket: &str) -> String {
    Zone::ALL
        .into_iter()
        .find(|z| p.names.bucket(*z) == bucket)
        .map(|z| z.slug().to_owned())
        .unwrap_or_else(|| bucket.to_owned())
}

fn bucket_retention(p: &Platform, bucket: &str) -> String {
    let b = p.of_type("AWS::S3::Bucket").find(|b| {
        b.prop(&["BucketName"])
            .and_then(|v| p.resolve(&b.stack, v))
            .as_deref()
            == Some(bucket)
    });
    let Some(b) = b else {
        return "unknown (bucket not in these templates)".to_owned();
    };
    let days = b
        .prop(&["LifecycleConfiguration", "Rules"])
        .and_then(Value::as_sequence)
        .and_then(|rules| {
            rules
                .iter()
                .filter(|r| r.get("Status").and_then(Value::as_str) == Some("Enabled"))
                .find_map(|r| r.get("ExpirationInDays").and_then(Value::as_u64))
        });
    match days {
        Some(d) => format!("{d} days"),
        None => "kept until deleted".to_owned(),
    }
}

fn read_write(v: Option<&str>) -> String {
    match v {
        Some("All") | None => "read and write".to_owned(),
        Some("ReadOnly") => "read".to_owned(),
        Some("WriteOnly") => "write".to_owned(),
        Some(other) => other.to_owned(),
    }
}

fn flag(r: &Resource, key: &str) -> bool {
    r.prop(&[key]).and_then(Value::as_bool) == Some(true)
}

impl Audit {
    /// Read the facts from the templates.
    pub fn new(p: &Platform) -> Audit {
        let trails = p
            .of_type("AWS::CloudTrail::Trail")
            .map(|t| trail(p, t))
            .collect();
        let alarms: Vec<Alarm> = p
            .of_type("AWS::CloudWatch::Alarm")
            .map(|a| alarm(p, a))
            .collect();
        let topics = p.of_type("AWS::SNS::Topic").map(|t| topic(p, t)).collect();
        let budgets = p
            .of_type("AWS::Budgets::Budget")
            .map(|b| budget(p, b))
            .collect();
        let dashboards = p
            .of_type("AWS::CloudWatch::Dashboard")
            .map(|d| d.prop_str(&["DashboardName"]).unwrap_or(&d.id).to_owned())
            .collect();
        let access_logging = p
            .of_type("AWS::S3::Bucket")
            .map(|b| access_logging(p, b))
            .collect();
        let quality = quality(p, &alarms);
        Audit {
            quality,
            trails,
            alarms,
            topics,
            budgets,
            dashboards,
            access_logging,
        }
    }
}

/// One alarm: what it watches, the metric filter feeding it, when it fires and whom it notifies.
fn alarm(p: &Platform, a: &Resource) -> Alarm {
    let metric = a.prop_str(&["MetricName"]).unwrap_or_default();
    let namespace = a.prop_str(&["Namespace"]).unwrap_or_default();
    let filter = metric_filter(p, metric, namespace);
    let description = a.prop_str(&["AlarmDescription"]).unwrap_or_default();
    let control = description
        .split_once(':')
        .map(|(c, _)| c.to_owned())
        .filter(|c| c.starts_with("CIS"))
        .unwrap_or_default();
    let op = comparison_symbol(a.prop_str(&["ComparisonOperator"]).unwrap_or_default());
    let num = |k: &str| {
        a.prop(&[k])
            .and_then(|v| p.resolve(&a.stack, v))
            .unwrap_or_default()
    };
    let condition = condition(
        &num("Statistic"),
        metric,
        op,
        &num("Threshold"),
        &num("EvaluationPeriods"),
        &num("Period"),
    );
    let actions = p
        .resolve_all(&a.stack, a.prop(&["AlarmActions"]))
        .iter()
        .map(|arn| arn.rsplit(':').next().unwrap_or(arn).to_owned())
        .collect();
    let (filter_pattern, source) = match filter {
        Some(f) => (
            f.prop_str(&["FilterPattern"])
                .unwrap_or_default()
                .to_owned(),
            f.prop(&["LogGroupName"])
                .and_then(|v| p.resolve(&f.stack, v))
                .unwrap_or_default(),
        ),
        None => (String::new(), format!("metric {namespace}/{metric}")),
    };
    Alarm {
        control,
        name: a.prop_str(&["AlarmName"]).unwrap_or(&a.id).to_owned(),
        description: description.to_owned(),
        filter: filter_pattern,
        source,
        condition,
        actions,
        actions_enabled: flag(a, "ActionsEnabled"),
        job: alarm_job(p, a),
    }
}

/// The metric filter that publishes `namespace/metric`, if any.
fn metric_filter<'a>(p: &'a Platform, metric: &str, namespace: &str) -> Option<&'a Resource> {
    p.of_type("AWS::Logs::MetricFilter").find(|f| {
        f.prop(&["MetricTransformations"])
            .and_then(Value::as_sequence)
            .is_some_and(|ts| {
                ts.iter().any(|t| {
                    t.get("MetricName").and_then(Value::as_str) == Some(metric)
                        && t.get("MetricNamespace").and_then(Value::as_str) == Some(namespace)
                })
            })
    })
}

/// A CloudWatch comparison operator as a symbol (`≥`); an unknown one unchanged.
fn comparison_symbol(op: &str) -> &str {
    match op {
        "GreaterThanOrEqualToThreshold" => "≥",
        "GreaterThanThreshold" => ">",
        "LessThanThreshold" => "<",
        "LessThanOrEqualToThreshold" => "≤",
        other => other,
    }
}

/// The value of an alarm's `JobName` dimension, or empty.
fn alarm_job(p: &Platform, a: &Resource) -> String {
    a.prop(&["Dimensions"])
        .and_then(Value::as_sequence)
        .and_then(|ds| {
            ds.iter()
                .find(|d| d.get("Name").and_then(Value::as_str) == Some("JobName"))
        })
        .and_then(|d| d.get("Value"))
        .and_then(|v| p.resolve(&a.stack, v))
        .unwrap_or_default()
}

/// One topic: its key, its subscribers and the services allowed to publish to it.
fn topic(p: &Platform, t: &Resource) -> Topic {
    let arn = p.resolve(&t.stack, &ref_to(&t.id)).unwrap_or_default();
    let subscribers = p
        .of_type("AWS::SNS::Subscription")
        .filter(|s| {
            s.prop(&["TopicArn"])
                .and_then(|v| p.resolve(&s.stack, v))
                .as_deref()
                == Some(arn.as_str())
        })
        .map(|s| {
            format!(
                "{}: {}",
                s.prop_str(&["Protocol"]).unwrap_or("?"),
                s.prop_str(&["Endpoint"]).unwrap_or("?")
            )
        })
        .collect();
    Topic {
        name: t.prop_str(&["TopicName"]).unwrap_or(&t.id).to_owned(),
        key: t
            .prop(&["KmsMasterKeyId"])
            .map(|v| p.key_value_label(&t.stack, v))
            .unwrap_or_else(|| "none".to_owned()),
        subscribers,
        publishers: topic_publishers(p, &arn),
    }
}

/// The service principals the topic policies on `arn` allow, in statement order.
fn topic_publishers(p: &Platform, arn: &str) -> Vec<String> {
    let mut publishers = Vec::new();
    for tp in p.of_type("AWS::SNS::TopicPolicy") {
        if !p
            .resolve_all(&tp.stack, tp.prop(&["Topics"]))
            .iter()
            .any(|a| a == arn)
        {
            continue;
        }
        let stmts = tp
            .prop(&["PolicyDocument", "Statement"])
            .and_then(Value::as_sequence)
            .cloned()
            .unwrap_or_default();
        for s in stmts {
            if s.get("Effect").and_then(Value::as_str) != Some("Allow") {
                continue;
            }
            if let Some(svc) = s.get("Principal").and_then(|pr| pr.get("Service")) {
                for x in svc.as_sequence().cloned().unwrap_or_default() {
                    if let Some(x) = x.as_str() {
                        publishers.push(x.to_owned());
                    }
                }
            }
        }
    }
    publishers
}

/// One budget: its limit per period and each notification in words.
fn budget(p: &Platform, b: &Resource) -> Budget {
    let limit = b.prop(&["Budget", "BudgetLimit"]);
    let amount = limit
        .and_then(|l| l.get("Amount"))
        .and_then(|v| p.resolve(&b.stack, v))
        .unwrap_or_default();
    let unit = limit
        .and_then(|l| l.get("Unit"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let notifications = b
        .prop(&["NotificationsWithSubscribers"])
        .and_then(Value::as_sequence)
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|n| budget_notification(p, b, n, unit))
        .collect();
    Budget {
        name: b
            .prop_str(&["Budget", "BudgetName"])
            .unwrap_or(&b.id)
            .to_owned(),
        limit: format!(
            "{} {unit} per {}",
            number_text(&amount),
            match b.prop_str(&["Budget", "TimeUnit"]).unwrap_or("?") {
                "DAILY" => "day",
                "MONTHLY" => "month",
                "QUARTERLY" => "quarter",
                "ANNUALLY" => "year",
                other => other,
            }
        ),
        notifications,
    }
}

/// One budget notification in words: `actual spend above 80 % of the budget: notifies …`.
fn budget_notification(p: &Platform, b: &Resource, n: &Value, unit: &str) -> String {
    let note = n.get("Notification");
    let get = |k: &str| {
        note.and_then(|x| x.get(k))
            .and_then(|v| p.resolve(&b.stack, v))
            .unwrap_or_default()
    };
    let to: Vec<String> = n
        .get("Subscribers")
        .and_then(Value::as_sequence)
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|s| {
            let addr = s
                .get("Address")
                .and_then(|v| p.resolve(&b.stack, v))
                .unwrap_or_default();
            let kind = match s
                .get("SubscriptionType")
                .and_then(Value::as_str)
                .unwrap_or("?")
            {
                "SNS" => "topic",
                "EMAIL" => "email",
                other => other,
            };
            format!("{kind} {}", addr.rsplit(':').next().unwrap_or(&addr))
        })
        .collect();
    let threshold = number_text(&get("Threshold"));
    let threshold = if get("ThresholdType") == "PERCENTAGE" {
        format!("{threshold} % of the budget")
    } else {
        format!("{threshold} {unit}")
    };
    format!(
        "{} spend above {threshold}: notifies {}",
        get("NotificationType").to_lowercase(),
        to.join(", ")
    )
}

/// A bucket's server access logging: `(zone, where)`, or why it is not logged.
fn access_logging(p: &Platform, b: &Resource) -> (String, String) {
    let name = b
        .prop(&["BucketName"])
        .and_then(|v| p.resolve(&b.stack, v))
        .unwrap_or_default();
    let to = match b.prop(&["LoggingConfiguration"]) {
        Some(l) => format!(
            "to {} under `{}`",
            l.get("DestinationBucketName")
                .and_then(|v| p.resolve(&b.stack, v))
                .map(|n| zone_of(p, &n))
                .unwrap_or_default(),
            l.get("LogFilePrefix").and_then(Value::as_str).unwrap_or("")
        ),
        None => {
            let reason = b
                .body
                .get("Metadata")
                .and_then(|m| m.get("checkov"))
                .and_then(|c| c.get("skip"))
                .and_then(Value::as_sequence)
                .and_then(|s| s.first())
                .and_then(|s| s.get("comment"))
                .and_then(Value::as_str);
            match reason {
                Some(r) => format!("not logged: {r}"),
                None => "not logged".to_owned(),
            }
        }
    };
    (zone_of(p, &name), to)
}

/// A number read from a template (`1000.0`) as a reader writes it (`1,000`); anything that is
/// not a number unchanged.
fn number_text(s: &str) -> String {
    s.trim()
        .parse::<f64>()
        .map(crate::format::number)
        .unwrap_or_else(|_| s.to_owned())
}

/// A period in seconds, in words: `300` → `5 minutes`, `3600` → `1 hour`, `90` → `90 seconds`.
fn period(seconds: &str) -> String {
    let Ok(s) = seconds.trim().parse::<f64>() else {
        return format!("{seconds} seconds");
    };
    let (n, unit) = if s >= 86_400.0 && s % 86_400.0 == 0.0 {
        (s / 86_400.0, "day")
    } else if s >= 3_600.0 && s % 3_600.0 == 0.0 {
        (s / 3_600.0, "hour")
    } else if s >= 60.0 && s % 60.0 == 0.0 {
        (s / 60.0, "minute")
    } else {
        (s, "second")
    };
    format!(
        "{} {unit}{}",
        crate::format::number(n),
        if n == 1.0 { "" } else { "s" }
    )
}

/// When an alarm fires, in words: `sum of RootAccountUsage ≥ 1 in 1 period of 5 minutes`.
fn condition(
    statistic: &str,
    metric: &str,
    op: &str,
    threshold: &str,
    periods: &str,
    seconds: &str,
) -> String {
    let periods = match periods.trim().parse::<u64>() {
        Ok(1) => "1 period".to_owned(),
        Ok(n) => format!("{n} consecutive periods"),
        Err(_) => format!("{periods} periods"),
    };
    format!(
        "{} of {metric} {op} {} in {periods} of {}",
        statistic.to_lowercase(),
        number_text(threshold),
        period(seconds)
    )
}

fn ref_to(id: &str) -> Value {
    let mut m = serde_yaml::Mapping::new();
    m.insert(Value::from("Ref"), Value::from(id));
    Value::Mapping(m)
}

/// One trail: what it records, where its logs go, their key and retention.
fn trail(p: &Platform, t: &Resource) -> Trail {
    let selectors = t
        .prop(&["EventSelectors"])
        .and_then(Value::as_sequence)
        .cloned()
        .unwrap_or_default();
    let management = management_events(&selectors);
    let data_events = data_events(p, &selectors);
    let bucket = t
        .prop(&["S3BucketName"])
        .and_then(|v| p.resolve(&t.stack, v))
        .unwrap_or_default();
    let group_arn = t
        .prop(&["CloudWatchLogsLogGroupArn"])
        .and_then(|v| p.resolve(&t.stack, v));
    let group = group_arn.as_ref().and_then(|arn| {
        p.of_type("AWS::Logs::LogGroup").find(|g| {
            g.prop_str(&["LogGroupName"])
                .is_some_and(|n| arn.contains(&format!("log-group:{n}:")))
        })
    });
    Trail {
        name: t.prop_str(&["TrailName"]).unwrap_or(&t.id).to_owned(),
        resource: t.path(),
        logging: flag(t, "IsLogging"),
        multi_region: flag(t, "IsMultiRegionTrail"),
        global_events: t
            .prop(&["IncludeGlobalServiceEvents"])
            .and_then(Value::as_bool)
            != Some(false),
        validation: flag(t, "EnableLogFileValidation"),
        management,
        data_events,
        bucket_retention: bucket_retention(p, &bucket),
        bucket: format!("{} ({bucket})", zone_of(p, &bucket)),
        key: t
            .prop(&["KMSKeyId"])
            .map(|v| p.key_value_label(&t.stack, v))
            .unwrap_or_else(|| "none (SSE-S3)".to_owned()),
        log_group: group
            .and_then(|g| g.prop_str(&["LogGroupName"]))
            .map(str::to_owned)
            .or(group_arn.clone())
            .unwrap_or_else(|| "none".to_owned()),
        log_group_retention: group
            .and_then(|g| g.prop(&["RetentionInDays"]).and_then(Value::as_u64))
            .map(|d| format!("{d} days"))
            .unwrap_or_else(|| "-".to_owned()),
        log_group_key: group
            .and_then(|g| {
                g.prop(&["KmsKeyId"])
                    .map(|v| p.key_value_label(&g.stack, v))
            })
            .unwrap_or_else(|| "-".to_owned()),
        delivery_role: t
            .prop(&["CloudWatchLogsRoleArn"])
            .and_then(|v| p.resolve(&t.stack, v))
            .map(|a| a.rsplit('/').next().unwrap_or(&a).to_owned())
            .unwrap_or_else(|| "-".to_owned()),
    }
}

/// The management events the event selectors record (all of them when there are none).
fn management_events(selectors: &[Value]) -> String {
    selectors
        .iter()
        .find(|s| s.get("IncludeManagementEvents").and_then(Value::as_bool) != Some(false))
        .map(|s| read_write(s.get("ReadWriteType").and_then(Value::as_str)))
        .unwrap_or_else(|| {
            if selectors.is_empty() {
                "read and write".to_owned()
            } else {
                "not recorded".to_owned()
            }
        })
}

/// Whether the event selectors record each bucket's object-level events; the last selector
/// covering a bucket decides.
fn data_events(p: &Platform, selectors: &[Value]) -> Vec<DataEvents> {
    let mut data_events = Vec::new();
    for b in p.of_type("AWS::S3::Bucket") {
        let name = b
            .prop(&["BucketName"])
            .and_then(|v| p.resolve(&b.stack, v))
            .unwrap_or_default();
        let arn = format!("arn:{}:s3:::{name}/", p.partition());
        let mut recorded = "not recorded".to_owned();
        for s in selectors {
            let covers = s
                .get("DataResources")
                .and_then(Value::as_sequence)
                .is_some_and(|rs| {
                    rs.iter().any(|r| {
                        r.get("Type").and_then(Value::as_str) == Some("AWS::S3::Object")
                            && r.get("Values")
                                .and_then(Value::as_sequence)
                                .is_some_and(|vs| {
                                    vs.iter().filter_map(Value::as_str).any(|v| {
                                        v == arn || v == format!("arn:{}:s3", p.partition())
                                    })
                                })
                    })
                });
            if covers {
                recorded = read_write(s.get("ReadWriteType").and_then(Value::as_str));
            }
        }
        data_events.push(DataEvents {
            zone: zone_of(p, &name),
            bucket: name,
            recorded,
        });
    }
    data_events
}

#[cfg(test)]
mod tests {
    use super::{condition, number_text, period};

    fn check(got: String, expect: &str) {
        assert_eq!(got, expect);
    }

    #[test]
    fn alarm_conditions_read_as_sentences() {
        check(
            condition("Sum", "RootAccountUsage", "≥", "1.0", "1", "300"),
            "sum of RootAccountUsage ≥ 1 in 1 period of 5 minutes",
        );
        check(
            condition("Average", "Errors", ">", "2.5", "3", "3600"),
            "average of Errors > 2.5 in 3 consecutive periods of 1 hour",
        );
        check(period("60"), "1 minute");
        check(period("90"), "90 seconds");
        check(period("86400"), "1 day");
        check(period("7200"), "2 hours");
        check(number_text("1000.0"), "1,000");
        check(number_text("n/a"), "n/a");
    }
}
