//! The edges, inferred from the templates and the access matrix: one function per service
//! family. The order of the calls is the order of the edges (stable-sorted by kind at the end).

use serde_yaml::Value;

use super::graph::Buckets;
use super::{Diagram, EdgeKind, NodeKind};
use crate::access::{AccessMatrix, Level, LocationKind, PrincipalKind};
use crate::encryption::names_key;
use crate::platform::{Platform, Resource};

/// Add every edge the templates and the access matrix show.
pub(super) fn infer(d: &mut Diagram, p: &Platform, access: &AccessMatrix, buckets: &Buckets) {
    jobs(d, p, buckets);
    athena(d, p, access, buckets);
    crawlers(d, p);
    trail(d, p, buckets);
    metric_filters(d, p);
    alarms(d, p);
    rules(d, p);
    budgets(d, p);
    keys(d, p);
    people(d, access, buckets);
    d.edges.sort_by_key(|e| e.kind);
}

/// The bucket node of an `s3://bucket/prefix` URI.
fn bucket_of(buckets: &Buckets, uri: &str) -> Option<String> {
    let rest = uri.strip_prefix("s3://")?;
    let name = rest.split('/').next()?;
    buckets.get(name).cloned()
}

/// The node id of a role, from its ARN or name.
fn role_node(p: &Platform, arn: &str) -> String {
    format!("role_{}", p.short(arn.rsplit('/').next().unwrap_or(arn)))
}

/// The data flow: jobs read their source and write their target, as their role.
fn jobs(d: &mut Diagram, p: &Platform, buckets: &Buckets) {
    for j in p.of_type("AWS::Glue::Job") {
        let job = format!("job_{}", j.id);
        let arg = |k: &str| {
            j.prop_str(&["DefaultArguments", k])
                .and_then(|uri| bucket_of(buckets, uri))
        };
        if let Some(src) = arg("--source") {
            d.edge(&src, &job, EdgeKind::Flow, "reads");
        }
        for k in ["--target", "--quality_report"] {
            if let Some(dst) = arg(k) {
                d.edge(&job, &dst, EdgeKind::Flow, "writes");
            }
        }
        if let Some(role) = j.prop(&["Role"]).and_then(|v| p.resolve(&j.stack, v)) {
            d.edge(&role_node(p, &role), &job, EdgeKind::Role, "runs as");
        }
    }
}

/// Athena: reads what its users may read through it, writes results, feeds reports.
fn athena(d: &mut Diagram, p: &Platform, access: &AccessMatrix, buckets: &Buckets) {
    for wg in p.of_type("AWS::Athena::WorkGroup") {
        let wg_node = format!("wg_{}", wg.id);
        let wg_loc = access.locations.iter().position(|l| {
            matches!(&l.kind, LocationKind::Workgroup { arn } if arn.ends_with(&format!("/{}", wg.prop_str(&["Name"]).unwrap_or_default())))
        });
        if let Some(w) = wg_loc {
            queried_buckets(d, access, buckets, &wg_node, w);
        }
        if let Some(out) = wg
            .prop_str(&[
                "WorkGroupConfiguration",
                "ResultConfiguration",
                "OutputLocation",
            ])
            .and_then(|uri| bucket_of(buckets, uri))
        {
            d.edge(&wg_node, &out, EdgeKind::Flow, "results");
        }
        d.edge(&wg_node, "named_queries", EdgeKind::Flow, "runs");
        for db in p.of_type("AWS::Glue::Database") {
            d.edge(
                &format!("db_{}", db.id),
                &wg_node,
                EdgeKind::Control,
                "schema",
            );
        }
        report_servers(d, p, access, &wg_node, wg_loc);
    }
}

/// The buckets that the workgroup's users (roles that may write to it) read via Athena.
fn queried_buckets(
    d: &mut Diagram,
    access: &AccessMatrix,
    buckets: &Buckets,
    wg_node: &str,
    w: usize,
) {
    for (pi, pr) in access.principals.iter().enumerate() {
        if access.cells[pi][w].level < Level::Write || pr.kind != PrincipalKind::Role {
            continue;
        }
        for (li, loc) in access.locations.iter().enumerate() {
            let c = &access.cells[pi][li];
            let via_athena = c.qualifiers.iter().any(|q| q.contains("via Athena"));
            if let LocationKind::S3 { bucket, .. } = &loc.kind {
                if c.level == Level::Read && via_athena {
                    if let Some(b) = buckets.get(bucket) {
                        d.edge(b, wg_node, EdgeKind::Flow, "queries");
                    }
                }
            }
        }
    }
}

/// Report servers whose role may query the workgroup.
fn report_servers(
    d: &mut Diagram,
    p: &Platform,
    access: &AccessMatrix,
    wg_node: &str,
    wg_loc: Option<usize>,
) {
    for i in p.of_type("AWS::EC2::Instance") {
        if let Some(role) = instance_role(p, i) {
            let id = p.short(&role);
            if let Some(w) = wg_loc {
                if access.level(&id, &access.locations[w].id) >= Level::Write {
                    d.edge(
                        wg_node,
                        &format!("host_{}", i.id),
                        EdgeKind::Flow,
                        "reports",
                    );
                }
            }
            d.edge(
                &format!("role_{id}"),
                &format!("host_{}", i.id),
                EdgeKind::Role,
                "runs as",
            );
        }
    }
}

/// The role of an instance, through its launch template and instance profile.
fn instance_role(p: &Platform, i: &Resource) -> Option<String> {
    let lt_id = i
        .prop(&["LaunchTemplate", "LaunchTemplateId"])
        .and_then(|v| v.get("Ref"))
        .and_then(Value::as_str)?;
    let lt = p.resource(&i.stack, lt_id)?;
    let profile_id = lt
        .prop(&[
            "LaunchTemplateData",
            "IamInstanceProfile",
            "Arn",
            "Fn::GetAtt",
        ])
        .and_then(Value::as_sequence)?
        .first()?
        .as_str()?;
    let profile = p.resource(&i.stack, profile_id)?;
    p.resolve_all(&i.stack, profile.prop(&["Roles"]))
        .into_iter()
        .next()
}

/// Crawlers run as their role and add partitions to the database.
fn crawlers(d: &mut Diagram, p: &Platform) {
    for c in p.of_type("AWS::Glue::Crawler") {
        let crawler = format!("crawler_{}", c.id);
        if let Some(role) = c.prop(&["Role"]).and_then(|v| p.resolve(&c.stack, v)) {
            d.edge(&role_node(p, &role), &crawler, EdgeKind::Role, "runs as");
        }
        if let Some(db) = c
            .prop(&["DatabaseName"])
            .and_then(|v| v.get("Ref"))
            .and_then(Value::as_str)
        {
            d.edge(
                &crawler,
                &format!("db_{db}"),
                EdgeKind::Control,
                "partitions",
            );
        }
    }
}

/// The trail: log files to a bucket, events to a log group, delivered by a role.
fn trail(d: &mut Diagram, p: &Platform, buckets: &Buckets) {
    for t in p.of_type("AWS::CloudTrail::Trail") {
        let trail = format!("trail_{}", t.id);
        if let Some(b) = t
            .prop(&["S3BucketName"])
            .and_then(|v| p.resolve(&t.stack, v))
            .and_then(|n| buckets.get(&n).cloned())
        {
            d.edge(&trail, &b, EdgeKind::Control, "log files");
        }
        if let Some(id) = t
            .prop(&["CloudWatchLogsLogGroupArn", "Fn::GetAtt"])
            .and_then(Value::as_sequence)
            .and_then(|s| s.first())
            .and_then(Value::as_str)
        {
            d.edge(&trail, &format!("logs_{id}"), EdgeKind::Control, "events");
        }
        if let Some(role) = t
            .prop(&["CloudWatchLogsRoleArn"])
            .and_then(|v| p.resolve(&t.stack, v))
        {
            d.edge(&role_node(p, &role), &trail, EdgeKind::Role, "delivers");
        }
    }
}

/// Metric filters on a log group feed the trail alarms.
fn metric_filters(d: &mut Diagram, p: &Platform) {
    for f in p.of_type("AWS::Logs::MetricFilter") {
        let group = f
            .prop(&["LogGroupName"])
            .and_then(|v| p.resolve(&f.stack, v));
        if let Some(g) = p
            .of_type("AWS::Logs::LogGroup")
            .find(|g| g.prop_str(&["LogGroupName"]).map(str::to_owned) == group)
        {
            d.edge(
                &format!("logs_{}", g.id),
                "trail_alarms",
                EdgeKind::Control,
                "filters",
            );
        }
    }
}

/// Alarms notify topics; an alarm on an event rule's metric counts the rule.
fn alarms(d: &mut Diagram, p: &Platform) {
    for a in p.of_type("AWS::CloudWatch::Alarm") {
        let from = d.node_of(&a.stack, &a.id).unwrap_or_default();
        for action in a
            .prop(&["AlarmActions"])
            .and_then(Value::as_sequence)
            .cloned()
            .unwrap_or_default()
        {
            if let Some(topic) = action.get("Ref").and_then(Value::as_str) {
                d.edge(
                    &from,
                    &format!("topic_{topic}"),
                    EdgeKind::Control,
                    "alarms",
                );
            }
        }
        if let Some(dims) = a.prop(&["Dimensions"]).and_then(Value::as_sequence) {
            for dim in dims {
                if let Some(rule) = dim
                    .get("Value")
                    .and_then(|v| v.get("Ref"))
                    .and_then(Value::as_str)
                {
                    d.edge(&format!("rule_{rule}"), &from, EdgeKind::Control, "counts");
                }
            }
        }
    }
}

/// Event rules match the jobs' failures and notify topics.
fn rules(d: &mut Diagram, p: &Platform) {
    for r in p.of_type("AWS::Events::Rule") {
        let rule = format!("rule_{}", r.id);
        let jobs: Vec<String> = r
            .prop(&["EventPattern", "detail", "jobName"])
            .and_then(Value::as_sequence)
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        for j in p.of_type("AWS::Glue::Job") {
            if j.prop_str(&["Name"])
                .is_some_and(|n| jobs.iter().any(|x| x == n))
            {
                d.edge(
                    &format!("job_{}", j.id),
                    &rule,
                    EdgeKind::Control,
                    "failures",
                );
            }
        }
        for t in r
            .prop(&["Targets"])
            .and_then(Value::as_sequence)
            .cloned()
            .unwrap_or_default()
        {
            if let Some(topic) = t
                .get("Arn")
                .and_then(|v| v.get("Ref"))
                .and_then(Value::as_str)
            {
                d.edge(
                    &rule,
                    &format!("topic_{topic}"),
                    EdgeKind::Control,
                    "notifies",
                );
            }
        }
    }
}

/// Budgets alert the topics among their subscribers.
fn budgets(d: &mut Diagram, p: &Platform) {
    for b in p.of_type("AWS::Budgets::Budget") {
        let subs = b
            .prop(&["NotificationsWithSubscribers"])
            .and_then(Value::as_sequence)
            .cloned()
            .unwrap_or_default();
        for n in subs {
            for s in n
                .get("Subscribers")
                .and_then(Value::as_sequence)
                .cloned()
                .unwrap_or_default()
            {
                if let Some(topic) = s
                    .get("Address")
                    .and_then(|v| v.get("Ref"))
                    .and_then(Value::as_str)
                {
                    d.edge(
                        &format!("budget_{}", b.id),
                        &format!("topic_{topic}"),
                        EdgeKind::Control,
                        "alerts",
                    );
                }
            }
        }
    }
}

/// Keys encrypt what names them.
fn keys(d: &mut Diagram, p: &Platform) {
    let keys: Vec<(String, String)> = p
        .of_type("AWS::KMS::Key")
        .map(|k| (format!("key_{}", k.id), p.key_arn(&k.id)))
        .collect();
    let targets: Vec<(String, Vec<(String, String)>)> = d
        .nodes
        .iter()
        .filter(|n| n.kind != NodeKind::Role && n.kind != NodeKind::Key)
        .map(|n| (n.id.clone(), n.resources.clone()))
        .collect();
    for (key_node, arn) in &keys {
        for (node, resources) in &targets {
            let named = resources.iter().any(|(s, id)| {
                p.resource(s, id)
                    .and_then(|r| r.body.get("Properties"))
                    .is_some_and(|props| names_key(p, s, props, arn))
            });
            if named {
                d.edge(key_node, node, EdgeKind::Encrypts, "encrypts");
            }
        }
    }
}

/// People's roles (those that run nothing): to what they do most (write where they write,
/// else read).
fn people(d: &mut Diagram, access: &AccessMatrix, buckets: &Buckets) {
    let role_nodes: Vec<(String, String)> = d
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Role)
        .map(|n| (n.id.clone(), n.label.clone()))
        .collect();
    for (node, role) in role_nodes {
        if d.edges
            .iter()
            .any(|e| e.from == node && e.kind == EdgeKind::Role)
        {
            continue;
        }
        let mut best: Vec<(Level, String)> = Vec::new();
        for (loc, cell) in access.row(&role) {
            let target = match &loc.kind {
                LocationKind::S3 { bucket, .. } => buckets.get(bucket).cloned(),
                LocationKind::Workgroup { .. } | LocationKind::LogGroup { .. } => d
                    .nodes
                    .iter()
                    .find(|n| {
                        (n.kind == NodeKind::Query || n.kind == NodeKind::Log)
                            && loc.name.ends_with(&n.detail)
                    })
                    .map(|n| n.id.clone()),
                _ => None,
            };
            if let Some(t) = target {
                if cell.level >= Level::Read {
                    best.push((cell.level, t));
                }
            }
        }
        let top = best.iter().map(|(l, _)| *l).max();
        let mut done = Vec::new();
        for (l, t) in &best {
            if Some(*l) == top && !done.contains(t) {
                done.push(t.clone());
                let word = if *l >= Level::Write {
                    "writes"
                } else {
                    "reads"
                };
                d.edge(&node, t, EdgeKind::Role, word);
            }
        }
    }
}
