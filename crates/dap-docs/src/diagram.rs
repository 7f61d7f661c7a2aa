//! The architecture as a graph, built from the stacks and their resources, drawn as Mermaid
//! (for Markdown) and as SVG (laid out here, in integer coordinates, so the same templates
//! always give the same bytes on every machine).
//!
//! The SVG puts each stack in a horizontal lane, named after the stack. Columns follow the
//! data flow (landing → clean job → raw → curate job → curated → Athena → reports); the other
//! nodes sit near what they connect to.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;
use serde_yaml::Value;

use crate::access::{AccessMatrix, Level, LocationKind};
use crate::encryption::names_key;
use crate::platform::{Platform, Resource};

/// What a node stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// A KMS key.
    Key,
    /// An S3 bucket.
    Bucket,
    /// The trail or a log group.
    Log,
    /// An IAM role.
    Role,
    /// The Glue database or crawler.
    Catalog,
    /// A Glue job.
    Job,
    /// The Athena workgroup.
    Query,
    /// Named queries, the report server: where results go.
    Report,
    /// Alarms, rules, topic, recipients, budget, dashboard.
    Monitor,
}

/// One node.
#[derive(Clone, Debug, Serialize)]
pub struct Node {
    /// A stable id (letters, digits and `_`).
    pub id: String,
    /// The stack kind it belongs to.
    pub stack: String,
    /// Its name in the picture.
    pub label: String,
    /// A second, smaller line.
    pub detail: String,
    /// What it is.
    pub kind: NodeKind,
    /// The resources it stands for, as `(stack, logical id)`.
    #[serde(skip)]
    pub resources: Vec<(String, String)>,
}

/// What an edge means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    /// Data moves along it.
    Flow,
    /// A key encrypts the target.
    Encrypts,
    /// A role runs or uses the target.
    Role,
    /// Logging, alarms, notifications, the catalog.
    Control,
}

/// One edge.
#[derive(Clone, Debug, Serialize)]
pub struct Edge {
    /// Source node id.
    pub from: String,
    /// Target node id.
    pub to: String,
    /// What it means.
    pub kind: EdgeKind,
    /// A word for it ("reads", "encrypts").
    pub label: String,
}

/// The architecture graph.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Diagram {
    /// The environment's name.
    pub env: String,
    /// The stacks: `(kind, name)`, in deployment order.
    pub stacks: Vec<(String, String)>,
    /// The nodes.
    pub nodes: Vec<Node>,
    /// The edges.
    pub edges: Vec<Edge>,
}

fn ident(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

impl Diagram {
    /// Build the graph from the templates and the access matrix.
    pub fn new(p: &Platform, access: &AccessMatrix) -> Diagram {
        let mut d = Diagram {
            env: p.env.name.clone(),
            stacks: p
                .stacks
                .iter()
                .map(|s| (s.kind.clone(), s.name.clone()))
                .collect(),
            ..Diagram::default()
        };
        let node = |r: &Resource, id: String, label: String, detail: String, kind: NodeKind| Node {
            id,
            stack: r.stack.clone(),
            label,
            detail,
            kind,
            resources: vec![(r.stack.clone(), r.id.clone())],
        };
        let mut bucket_nodes: BTreeMap<String, String> = BTreeMap::new();
        for k in p.of_type("AWS::KMS::Key") {
            let alias = p.key_label(k);
            let short = p.short(alias.trim_start_matches("alias/"));
            d.nodes.push(node(
                k,
                ident(&format!("key_{}", k.id)),
                format!("{short} key"),
                alias,
                NodeKind::Key,
            ));
        }
        for b in p.of_type("AWS::S3::Bucket") {
            let name = b
                .prop(&["BucketName"])
                .and_then(|v| p.resolve(&b.stack, v))
                .unwrap_or_else(|| b.id.clone());
            let zone = dap_planner::names::Zone::ALL
                .into_iter()
                .find(|z| p.names.bucket(*z) == name)
                .map(|z| z.slug().to_owned())
                .unwrap_or_else(|| name.clone());
            let id = ident(&format!("bucket_{zone}"));
            bucket_nodes.insert(name, id.clone());
            d.nodes
                .push(node(b, id, zone, "S3 bucket".to_owned(), NodeKind::Bucket));
        }
        for t in p.of_type("AWS::CloudTrail::Trail") {
            d.nodes.push(node(
                t,
                ident(&format!("trail_{}", t.id)),
                "trail".to_owned(),
                t.prop_str(&["TrailName"]).unwrap_or(&t.id).to_owned(),
                NodeKind::Log,
            ));
        }
        for g in p.of_type("AWS::Logs::LogGroup") {
            d.nodes.push(node(
                g,
                ident(&format!("logs_{}", g.id)),
                "log group".to_owned(),
                g.prop_str(&["LogGroupName"]).unwrap_or(&g.id).to_owned(),
                NodeKind::Log,
            ));
        }
        for r in p.of_type("AWS::IAM::Role") {
            let name = r.prop_str(&["RoleName"]).unwrap_or(&r.id);
            d.nodes.push(node(
                r,
                ident(&format!("role_{}", p.short(name))),
                p.short(name),
                "IAM role".to_owned(),
                NodeKind::Role,
            ));
        }
        for db in p.of_type("AWS::Glue::Database") {
            let name = db.prop_str(&["DatabaseInput", "Name"]).unwrap_or(&db.id);
            let tables = p
                .of_type("AWS::Glue::Table")
                .filter(|t| {
                    t.prop(&["DatabaseName"])
                        .and_then(|v| p.resolve(&t.stack, v))
                        .as_deref()
                        == Some(name)
                })
                .count();
            d.nodes.push(node(
                db,
                ident(&format!("db_{}", db.id)),
                format!("Glue database, {tables} tables"),
                name.to_owned(),
                NodeKind::Catalog,
            ));
        }
        for c in p.of_type("AWS::Glue::Crawler") {
            d.nodes.push(node(
                c,
                ident(&format!("crawler_{}", c.id)),
                "crawler".to_owned(),
                p.short(c.prop_str(&["Name"]).unwrap_or(&c.id)),
                NodeKind::Catalog,
            ));
        }
        for j in p.of_type("AWS::Glue::Job") {
            let name = p.short(j.prop_str(&["Name"]).unwrap_or(&j.id));
            let what = name.rsplit('-').next().unwrap_or(&name).to_owned();
            d.nodes.push(node(
                j,
                ident(&format!("job_{}", j.id)),
                format!("{what} job"),
                name,
                NodeKind::Job,
            ));
        }
        for wg in p.of_type("AWS::Athena::WorkGroup") {
            d.nodes.push(node(
                wg,
                ident(&format!("wg_{}", wg.id)),
                "Athena workgroup".to_owned(),
                wg.prop_str(&["Name"]).unwrap_or(&wg.id).to_owned(),
                NodeKind::Query,
            ));
        }
        let queries: Vec<&Resource> = p.of_type("AWS::Athena::NamedQuery").collect();
        if let Some(first) = queries.first() {
            let mut n = node(
                first,
                "named_queries".to_owned(),
                "named queries".to_owned(),
                format!("{} reports", queries.len()),
                NodeKind::Report,
            );
            n.resources = queries
                .iter()
                .map(|q| (q.stack.clone(), q.id.clone()))
                .collect();
            d.nodes.push(n);
        }
        for i in p.of_type("AWS::EC2::Instance") {
            let mut n = node(
                i,
                ident(&format!("host_{}", i.id)),
                "report server".to_owned(),
                "EC2, private, SSM".to_owned(),
                NodeKind::Report,
            );
            if let Some(lt) = i
                .prop(&["LaunchTemplate", "LaunchTemplateId"])
                .and_then(|v| v.get("Ref"))
                .and_then(Value::as_str)
            {
                n.resources.push((i.stack.clone(), lt.to_owned()));
            }
            d.nodes.push(n);
        }
        // Monitoring: trail alarms as one node, the others one by one.
        let filters: Vec<&Resource> = p.of_type("AWS::Logs::MetricFilter").collect();
        let filtered_metrics: Vec<(String, String)> = filters
            .iter()
            .flat_map(|f| {
                f.prop(&["MetricTransformations"])
                    .and_then(Value::as_sequence)
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|t| {
                        (
                            t.get("MetricNamespace")
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_owned(),
                            t.get("MetricName")
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_owned(),
                        )
                    })
            })
            .collect();
        let alarms: Vec<&Resource> = p.of_type("AWS::CloudWatch::Alarm").collect();
        let (trail_alarms, other_alarms): (Vec<&Resource>, Vec<&Resource>) =
            alarms.iter().partition(|a| {
                filtered_metrics.contains(&(
                    a.prop_str(&["Namespace"]).unwrap_or_default().to_owned(),
                    a.prop_str(&["MetricName"]).unwrap_or_default().to_owned(),
                ))
            });
        if let Some(first) = trail_alarms.first() {
            let cis = trail_alarms
                .iter()
                .filter(|a| {
                    a.prop_str(&["AlarmDescription"])
                        .is_some_and(|s| s.starts_with("CIS"))
                })
                .count();
            let mut n = node(
                first,
                "trail_alarms".to_owned(),
                if cis == trail_alarms.len() {
                    format!("{cis} CIS alarms")
                } else {
                    format!("{} trail alarms", trail_alarms.len())
                },
                "metric filters on the trail".to_owned(),
                NodeKind::Monitor,
            );
            n.resources = trail_alarms
                .iter()
                .map(|a| (a.stack.clone(), a.id.clone()))
                .chain(filters.iter().map(|f| (f.stack.clone(), f.id.clone())))
                .collect();
            d.nodes.push(n);
        }
        for r in p.of_type("AWS::Events::Rule") {
            d.nodes.push(node(
                r,
                ident(&format!("rule_{}", r.id)),
                "event rule".to_owned(),
                p.short(r.prop_str(&["Name"]).unwrap_or(&r.id)),
                NodeKind::Monitor,
            ));
        }
        for a in &other_alarms {
            d.nodes.push(node(
                a,
                ident(&format!("alarm_{}", a.id)),
                "alarm".to_owned(),
                p.short(a.prop_str(&["AlarmName"]).unwrap_or(&a.id)),
                NodeKind::Monitor,
            ));
        }
        for t in p.of_type("AWS::SNS::Topic") {
            d.nodes.push(node(
                t,
                ident(&format!("topic_{}", t.id)),
                "alarm topic".to_owned(),
                t.prop_str(&["TopicName"]).unwrap_or(&t.id).to_owned(),
                NodeKind::Monitor,
            ));
            let subs: Vec<&Resource> = p
                .of_type("AWS::SNS::Subscription")
                .filter(|s| {
                    s.prop(&["TopicArn"])
                        .and_then(|v| v.get("Ref"))
                        .and_then(Value::as_str)
                        == Some(t.id.as_str())
                })
                .collect();
            if let Some(first) = subs.first() {
                let protocol = first.prop_str(&["Protocol"]).unwrap_or("?");
                let mut n = node(
                    first,
                    ident(&format!("subscribers_{}", t.id)),
                    format!(
                        "{} {protocol} recipient{}",
                        subs.len(),
                        if subs.len() == 1 { "" } else { "s" }
                    ),
                    first.prop_str(&["Endpoint"]).unwrap_or("?").to_owned(),
                    NodeKind::Monitor,
                );
                n.resources = subs
                    .iter()
                    .map(|s| (s.stack.clone(), s.id.clone()))
                    .collect();
                d.nodes.push(n);
                d.edge(
                    &format!("topic_{}", t.id),
                    &format!("subscribers_{}", t.id),
                    EdgeKind::Control,
                    "notifies",
                );
            }
        }
        for b in p.of_type("AWS::Budgets::Budget") {
            let amount = b
                .prop(&["Budget", "BudgetLimit", "Amount"])
                .and_then(|v| p.resolve(&b.stack, v))
                .unwrap_or_default();
            d.nodes.push(node(
                b,
                ident(&format!("budget_{}", b.id)),
                "budget".to_owned(),
                format!("{amount} USD a month"),
                NodeKind::Monitor,
            ));
        }
        for db in p.of_type("AWS::CloudWatch::Dashboard") {
            d.nodes.push(node(
                db,
                ident(&format!("dashboard_{}", db.id)),
                "dashboard".to_owned(),
                db.prop_str(&["DashboardName"]).unwrap_or(&db.id).to_owned(),
                NodeKind::Monitor,
            ));
        }
        d.edges_from(p, access, &bucket_nodes);
        d
    }

    fn edge(&mut self, from: &str, to: &str, kind: EdgeKind, label: &str) {
        let (from, to) = (ident(from), ident(to));
        if from == to || !self.has(&from) || !self.has(&to) {
            return;
        }
        if self
            .edges
            .iter()
            .any(|e| e.from == from && e.to == to && e.kind == kind)
        {
            return;
        }
        self.edges.push(Edge {
            from,
            to,
            kind,
            label: label.to_owned(),
        });
    }

    fn has(&self, id: &str) -> bool {
        self.nodes.iter().any(|n| n.id == id)
    }

    fn node_of(&self, stack: &str, id: &str) -> Option<String> {
        self.nodes
            .iter()
            .find(|n| n.resources.iter().any(|(s, i)| s == stack && i == id))
            .map(|n| n.id.clone())
    }

    fn edges_from(
        &mut self,
        p: &Platform,
        access: &AccessMatrix,
        buckets: &BTreeMap<String, String>,
    ) {
        let bucket_of = |uri: &str| -> Option<String> {
            let rest = uri.strip_prefix("s3://")?;
            let name = rest.split('/').next()?;
            buckets.get(name).cloned()
        };
        let role_node =
            |arn: &str| format!("role_{}", p.short(arn.rsplit('/').next().unwrap_or(arn)));
        // The data flow: jobs read their source and write their target.
        for j in p.of_type("AWS::Glue::Job") {
            let job = format!("job_{}", j.id);
            let arg = |k: &str| j.prop_str(&["DefaultArguments", k]).and_then(bucket_of);
            if let Some(src) = arg("--source") {
                self.edge(&src, &job, EdgeKind::Flow, "reads");
            }
            for k in ["--target", "--quality_report"] {
                if let Some(dst) = arg(k) {
                    self.edge(&job, &dst, EdgeKind::Flow, "writes");
                }
            }
            if let Some(role) = j.prop(&["Role"]).and_then(|v| p.resolve(&j.stack, v)) {
                self.edge(&role_node(&role), &job, EdgeKind::Role, "runs as");
            }
        }
        // Athena: reads what its users may read through it, writes results, feeds reports.
        for wg in p.of_type("AWS::Athena::WorkGroup") {
            let wg_node = format!("wg_{}", wg.id);
            let wg_loc = access.locations.iter().position(|l| {
                matches!(&l.kind, LocationKind::Workgroup { arn } if arn.ends_with(&format!("/{}", wg.prop_str(&["Name"]).unwrap_or_default())))
            });
            if let Some(w) = wg_loc {
                for (pi, pr) in access.principals.iter().enumerate() {
                    if access.cells[pi][w].level < Level::Write
                        || pr.kind != crate::access::PrincipalKind::Role
                    {
                        continue;
                    }
                    for (li, loc) in access.locations.iter().enumerate() {
                        let c = &access.cells[pi][li];
                        let via_athena = c.qualifiers.iter().any(|q| q.contains("via Athena"));
                        if let LocationKind::S3 { bucket, .. } = &loc.kind {
                            if c.level == Level::Read && via_athena {
                                if let Some(b) = buckets.get(bucket) {
                                    self.edge(b, &wg_node, EdgeKind::Flow, "queries");
                                }
                            }
                        }
                    }
                }
            }
            if let Some(out) = wg
                .prop_str(&[
                    "WorkGroupConfiguration",
                    "ResultConfiguration",
                    "OutputLocation",
                ])
                .and_then(bucket_of)
            {
                self.edge(&wg_node, &out, EdgeKind::Flow, "results");
            }
            self.edge(&wg_node, "named_queries", EdgeKind::Flow, "runs");
            for db in p.of_type("AWS::Glue::Database") {
                self.edge(
                    &format!("db_{}", db.id),
                    &wg_node,
                    EdgeKind::Control,
                    "schema",
                );
            }
            // Report servers whose role may query the workgroup.
            for i in p.of_type("AWS::EC2::Instance") {
                if let Some(role) = instance_role(p, i) {
                    let id = p.short(&role);
                    if let Some(w) = wg_loc {
                        if access.level(&id, &access.locations[w].id) >= Level::Write {
                            self.edge(
                                &wg_node,
                                &format!("host_{}", i.id),
                                EdgeKind::Flow,
                                "reports",
                            );
                        }
                    }
                    self.edge(
                        &format!("role_{id}"),
                        &format!("host_{}", i.id),
                        EdgeKind::Role,
                        "runs as",
                    );
                }
            }
        }
        for c in p.of_type("AWS::Glue::Crawler") {
            let crawler = format!("crawler_{}", c.id);
            if let Some(role) = c.prop(&["Role"]).and_then(|v| p.resolve(&c.stack, v)) {
                self.edge(&role_node(&role), &crawler, EdgeKind::Role, "runs as");
            }
            if let Some(db) = c
                .prop(&["DatabaseName"])
                .and_then(|v| v.get("Ref"))
                .and_then(Value::as_str)
            {
                self.edge(
                    &crawler,
                    &format!("db_{db}"),
                    EdgeKind::Control,
                    "partitions",
                );
            }
        }
        // The trail: log files to a bucket, events to a log group, alarms on the group.
        for t in p.of_type("AWS::CloudTrail::Trail") {
            let trail = format!("trail_{}", t.id);
            if let Some(b) = t
                .prop(&["S3BucketName"])
                .and_then(|v| p.resolve(&t.stack, v))
                .and_then(|n| buckets.get(&n).cloned())
            {
                self.edge(&trail, &b, EdgeKind::Control, "log files");
            }
            if let Some(id) = t
                .prop(&["CloudWatchLogsLogGroupArn", "Fn::GetAtt"])
                .and_then(Value::as_sequence)
                .and_then(|s| s.first())
                .and_then(Value::as_str)
            {
                self.edge(&trail, &format!("logs_{id}"), EdgeKind::Control, "events");
            }
            if let Some(role) = t
                .prop(&["CloudWatchLogsRoleArn"])
                .and_then(|v| p.resolve(&t.stack, v))
            {
                self.edge(&role_node(&role), &trail, EdgeKind::Role, "delivers");
            }
        }
        for f in p.of_type("AWS::Logs::MetricFilter") {
            let group = f
                .prop(&["LogGroupName"])
                .and_then(|v| p.resolve(&f.stack, v));
            if let Some(g) = p
                .of_type("AWS::Logs::LogGroup")
                .find(|g| g.prop_str(&["LogGroupName"]).map(str::to_owned) == group)
            {
                self.edge(
                    &format!("logs_{}", g.id),
                    "trail_alarms",
                    EdgeKind::Control,
                    "filters",
                );
            }
        }
        // Alarms, rules and budgets notify topics.
        for a in p.of_type("AWS::CloudWatch::Alarm") {
            let from = self.node_of(&a.stack, &a.id).unwrap_or_default();
            for action in a
                .prop(&["AlarmActions"])
                .and_then(Value::as_sequence)
                .cloned()
                .unwrap_or_default()
            {
                if let Some(topic) = action.get("Ref").and_then(Value::as_str) {
                    self.edge(
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
                        self.edge(&format!("rule_{rule}"), &from, EdgeKind::Control, "counts");
                    }
                }
            }
        }
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
                    self.edge(
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
                    self.edge(
                        &rule,
                        &format!("topic_{topic}"),
                        EdgeKind::Control,
                        "notifies",
                    );
                }
            }
        }
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
                        self.edge(
                            &format!("budget_{}", b.id),
                            &format!("topic_{topic}"),
                            EdgeKind::Control,
                            "alerts",
                        );
                    }
                }
            }
        }
        // Keys encrypt what names them.
        let keys: Vec<(String, String)> = p
            .of_type("AWS::KMS::Key")
            .map(|k| (format!("key_{}", k.id), p.key_arn(&k.id)))
            .collect();
        let targets: Vec<(String, Vec<(String, String)>)> = self
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
                    self.edge(key_node, node, EdgeKind::Encrypts, "encrypts");
                }
            }
        }
        // People's roles: to what they do most (write where they write, else read).
        let role_nodes: Vec<(String, String)> = self
            .nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Role)
            .map(|n| (n.id.clone(), n.label.clone()))
            .collect();
        for (node, role) in role_nodes {
            if self
                .edges
                .iter()
                .any(|e| e.from == node && e.kind == EdgeKind::Role)
            {
                continue;
            }
            let mut best: Vec<(Level, String)> = Vec::new();
            for (loc, cell) in access.row(&role) {
                let target = match &loc.kind {
                    LocationKind::S3 { bucket, .. } => buckets.get(bucket).cloned(),
                    LocationKind::Workgroup { .. } | LocationKind::LogGroup { .. } => self
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
                    self.edge(&node, t, EdgeKind::Role, word);
                }
            }
        }
        self.edges.sort_by_key(|e| e.kind);
    }

    /// The diagram as a Mermaid flowchart, one subgraph per stack.
    pub fn mermaid(&self) -> String {
        let mut s = String::from("flowchart LR\n");
        for (kind, name) in &self.stacks {
            let nodes: Vec<&Node> = self.nodes.iter().filter(|n| &n.stack == kind).collect();
            if nodes.is_empty() {
                continue;
            }
            let _ = writeln!(
                s,
                "  subgraph {}[\"{}\"]",
                ident(&format!("stack_{kind}")),
                name
            );
            for n in nodes {
                let _ = writeln!(
                    s,
                    "    {}[\"{}<br/><small>{}</small>\"]",
                    n.id,
                    mermaid_text(&n.label),
                    mermaid_text(&n.detail)
                );
            }
            s.push_str("  end\n");
        }
        for e in &self.edges {
            let arrow = match e.kind {
                EdgeKind::Flow => format!("==>|{}|", e.label),
                EdgeKind::Encrypts | EdgeKind::Role => format!("-.->|{}|", e.label),
                EdgeKind::Control => format!("-->|{}|", e.label),
            };
            let _ = writeln!(s, "  {} {arrow} {}", e.from, e.to);
        }
        for (class, fill) in CLASSES {
            let _ = writeln!(s, "  classDef {class} fill:{fill},stroke:#555,color:#111");
        }
        for n in &self.nodes {
            let _ = writeln!(s, "  class {} {}", n.id, class_of(n.kind));
        }
        s
    }

    /// The data flow as a list of steps, in flow order.
    pub fn flow(&self) -> Vec<String> {
        let ranks = self.ranks();
        let mut steps: Vec<(i32, String)> = self
            .edges
            .iter()
            .filter(|e| e.kind == EdgeKind::Flow)
            .map(|e| {
                let from = self.label(&e.from);
                let to = self.label(&e.to);
                (
                    ranks.get(&e.from).copied().unwrap_or(0),
                    format!("{from} → {to} ({})", e.label),
                )
            })
            .collect();
        steps.sort();
        steps.into_iter().map(|(_, s)| s).collect()
    }

    fn label(&self, id: &str) -> String {
        self.nodes
            .iter()
            .find(|n| n.id == id)
            .map(|n| match n.kind {
                NodeKind::Job | NodeKind::Query => format!("{} `{}`", n.label, n.detail),
                _ => n.label.clone(),
            })
            .unwrap_or_else(|| id.to_owned())
    }

    /// Longest-path rank of each node along the data flow.
    fn ranks(&self) -> BTreeMap<String, i32> {
        let mut rank: BTreeMap<String, i32> = BTreeMap::new();
        let flow: Vec<&Edge> = self
            .edges
            .iter()
            .filter(|e| e.kind == EdgeKind::Flow)
            .collect();
        for e in &flow {
            rank.entry(e.from.clone()).or_insert(0);
            rank.entry(e.to.clone()).or_insert(0);
        }
        for _ in 0..self.nodes.len() {
            let mut changed = false;
            for e in &flow {
                let r = rank[&e.from] + 1;
                if r > rank[&e.to] && r <= self.nodes.len() as i32 {
                    rank.insert(e.to.clone(), r);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        rank
    }

    /// The diagram as a standalone SVG.
    pub fn svg(&self) -> String {
        svg::draw(self)
    }
}

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

fn mermaid_text(s: &str) -> String {
    s.replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
}

const CLASSES: [(&str, &str); 9] = [
    ("key", "#fff3e0"),
    ("bucket", "#e3f0fb"),
    ("log", "#eeeeee"),
    ("role", "#e8f5e9"),
    ("catalog", "#e0f7fa"),
    ("job", "#ede7f6"),
    ("query", "#ede7f6"),
    ("report", "#fffde7"),
    ("monitor", "#fce4ec"),
];

fn class_of(k: NodeKind) -> &'static str {
    match k {
        NodeKind::Key => "key",
        NodeKind::Bucket => "bucket",
        NodeKind::Log => "log",
        NodeKind::Role => "role",
        NodeKind::Catalog => "catalog",
        NodeKind::Job => "job",
        NodeKind::Query => "query",
        NodeKind::Report => "report",
        NodeKind::Monitor => "monitor",
    }
}

fn fill_of(k: NodeKind) -> &'static str {
    let class = class_of(k);
    CLASSES
        .iter()
        .find(|(c, _)| *c == class)
        .map(|(_, f)| *f)
        .unwrap_or("#ffffff")
}

mod svg {
    //! A lane-per-stack layout in integer coordinates.

    use std::collections::BTreeMap;
    use std::fmt::Write;

    use super::{fill_of, Diagram, EdgeKind};

    const NODE_W: i32 = 160;
    const NODE_H: i32 = 44;
    const COL_W: i32 = 186;
    const LANE_H: i32 = 80;
    const LABEL_W: i32 = 190;
    const MARGIN: i32 = 16;
    const TITLE_H: i32 = 44;
    const LEGEND_H: i32 = 40;

    /// The lanes, top to bottom: keys above the buckets they encrypt, the jobs and Athena
    /// next to the buckets they read and write.
    const LANE_ORDER: [&str; 8] = [
        "security",
        "storage",
        "analytics",
        "catalog",
        "reporting",
        "access",
        "audit",
        "monitoring",
    ];

    fn esc(s: &str) -> String {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    }

    fn fit(s: &str, max: usize) -> String {
        if s.chars().count() <= max {
            s.to_owned()
        } else {
            let cut: String = s.chars().take(max - 1).collect();
            format!("{cut}…")
        }
    }

    pub fn draw(d: &Diagram) -> String {
        let mut lanes: Vec<(String, String)> = Vec::new();
        for kind in LANE_ORDER {
            if let Some(s) = d.stacks.iter().find(|(k, _)| k == kind) {
                lanes.push(s.clone());
            }
        }
        for s in &d.stacks {
            if !lanes.contains(s) {
                lanes.push(s.clone());
            }
        }
        // Columns: flow nodes by their rank along the flow, the others near the average of
        // their neighbours.
        let ranks = d.ranks();
        let mut want: BTreeMap<&str, i32> = BTreeMap::new();
        for n in &d.nodes {
            if let Some(r) = ranks.get(&n.id) {
                want.insert(&n.id, *r);
            }
        }
        for _ in 0..4 {
            for n in &d.nodes {
                if ranks.contains_key(&n.id) {
                    continue;
                }
                let cols: Vec<i32> = d
                    .edges
                    .iter()
                    .filter_map(|e| {
                        if e.from == n.id {
                            want.get(e.to.as_str()).copied()
                        } else if e.to == n.id {
                            want.get(e.from.as_str()).copied()
                        } else {
                            None
                        }
                    })
                    .collect();
                if !cols.is_empty() {
                    let sum: i32 = cols.iter().sum();
                    let avg = (2 * sum + cols.len() as i32) / (2 * cols.len() as i32);
                    want.insert(&n.id, avg.max(0));
                }
            }
        }
        let mut slot: BTreeMap<&str, (i32, i32)> = BTreeMap::new();
        let mut max_col = 0;
        for (li, (kind, _)) in lanes.iter().enumerate() {
            let mut in_lane: Vec<(i32, usize, &str)> = d
                .nodes
                .iter()
                .enumerate()
                .filter(|(_, n)| &n.stack == kind)
                .map(|(i, n)| {
                    (
                        want.get(n.id.as_str()).copied().unwrap_or(0),
                        i,
                        n.id.as_str(),
                    )
                })
                .collect();
            in_lane.sort();
            let mut next = 0;
            for (w, _, id) in in_lane {
                let col = w.max(next);
                slot.insert(id, (li as i32, col));
                next = col + 1;
                max_col = max_col.max(col);
            }
        }
        let width = MARGIN * 2 + LABEL_W + (max_col + 1) * COL_W;
        let lanes_top = MARGIN + TITLE_H;
        let height = lanes_top + lanes.len() as i32 * LANE_H + LEGEND_H + MARGIN;
        let center = |id: &str| -> (i32, i32) {
            let (lane, col) = slot.get(id).copied().unwrap_or((0, 0));
            (
                MARGIN + LABEL_W + col * COL_W + COL_W / 2,
                lanes_top + lane * LANE_H + LANE_H / 2,
            )
        };
        let mut s = String::new();
        let _ = writeln!(
            s,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">"
        );
        let _ = writeln!(s, "<title>{} architecture</title>", esc(&d.env));
        s.push_str("<defs>\n");
        for (kind, colour) in EDGE_COLOURS {
            let _ = writeln!(
                s,
                "<marker id=\"arrow-{kind}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerUnits=\"userSpaceOnUse\" markerWidth=\"9\" markerHeight=\"9\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"{colour}\"/></marker>"
            );
        }
        s.push_str("</defs>\n");
        let _ = writeln!(
            s,
            "<rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>"
        );
        let _ = writeln!(
            s,
            "<text x=\"{MARGIN}\" y=\"{}\" font-size=\"18\" font-weight=\"bold\" fill=\"#111\">{}: architecture, generated from the stacks</text>",
            MARGIN + 22,
            esc(&d.env)
        );
        for (i, (kind, name)) in lanes.iter().enumerate() {
            let y = lanes_top + i as i32 * LANE_H;
            let fill = if i % 2 == 0 { "#f7f7f7" } else { "#efefef" };
            let _ = writeln!(
                s,
                "<rect x=\"{MARGIN}\" y=\"{y}\" width=\"{}\" height=\"{LANE_H}\" fill=\"{fill}\" stroke=\"#d0d0d0\"/>",
                width - 2 * MARGIN
            );
            let _ = writeln!(
                s,
                "<text x=\"{}\" y=\"{}\" font-size=\"13\" font-weight=\"bold\" fill=\"#222\">{}</text>",
                MARGIN + 10,
                y + LANE_H / 2 - 2,
                esc(name)
            );
            let _ = writeln!(
                s,
                "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#555\">{} stack</text>",
                MARGIN + 10,
                y + LANE_H / 2 + 14,
                esc(kind)
            );
        }
        for e in &d.edges {
            let (x1, y1) = center(&e.from);
            let (x2, y2) = center(&e.to);
            let path = if y1 == y2 {
                if (x2 - x1).abs() <= COL_W {
                    let dir = if x2 > x1 { 1 } else { -1 };
                    format!(
                        "M{} {y1} L{} {y2}",
                        x1 + dir * NODE_W / 2,
                        x2 - dir * NODE_W / 2
                    )
                } else {
                    let top = y1 - NODE_H / 2;
                    format!(
                        "M{x1} {top} C{x1} {} {x2} {} {x2} {top}",
                        top - 30,
                        top - 30
                    )
                }
            } else {
                let down = y2 > y1;
                let (sy, ey) = if down {
                    (y1 + NODE_H / 2, y2 - NODE_H / 2)
                } else {
                    (y1 - NODE_H / 2, y2 + NODE_H / 2)
                };
                let mid = (sy + ey) / 2;
                format!("M{x1} {sy} C{x1} {mid} {x2} {mid} {x2} {ey}")
            };
            let (kind, colour, width, dash) = edge_style(e.kind);
            let _ = writeln!(
                s,
                "<path d=\"{path}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"{width}\"{dash} marker-end=\"url(#arrow-{kind})\"><title>{} {} {}</title></path>",
                esc(&e.from),
                esc(&e.label),
                esc(&e.to)
            );
        }
        for n in &d.nodes {
            let (cx, cy) = center(&n.id);
            let (x, y) = (cx - NODE_W / 2, cy - NODE_H / 2);
            let _ = writeln!(
                s,
                "<g><rect x=\"{x}\" y=\"{y}\" width=\"{NODE_W}\" height=\"{NODE_H}\" rx=\"6\" fill=\"{}\" stroke=\"#555\"/><text x=\"{cx}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\" fill=\"#111\">{}</text><text x=\"{cx}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\" fill=\"#444\">{}</text></g>",
                fill_of(n.kind),
                y + 18,
                esc(&fit(&n.label, 24)),
                y + 34,
                esc(&fit(&n.detail, 28))
            );
        }
        let ly = height - MARGIN - LEGEND_H / 2;
        let mut lx = MARGIN + 10;
        for (kind, text) in [
            (EdgeKind::Flow, "data flow"),
            (EdgeKind::Encrypts, "encrypts"),
            (EdgeKind::Role, "role runs or uses"),
            (EdgeKind::Control, "logs, alarms, catalog"),
        ] {
            let (k, colour, width, dash) = edge_style(kind);
            let _ = writeln!(
                s,
                "<path d=\"M{lx} {ly} L{} {ly}\" stroke=\"{colour}\" stroke-width=\"{width}\"{dash} marker-end=\"url(#arrow-{k})\"/><text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#222\">{text}</text>",
                lx + 40,
                lx + 48,
                ly + 4
            );
            lx += 200;
        }
        s.push_str("</svg>\n");
        s
    }

    const EDGE_COLOURS: [(&str, &str); 4] = [
        ("flow", "#1f5fa8"),
        ("encrypts", "#c77800"),
        ("role", "#2e7d32"),
        ("control", "#777777"),
    ];

    fn edge_style(k: EdgeKind) -> (&'static str, &'static str, &'static str, &'static str) {
        match k {
            EdgeKind::Flow => ("flow", "#1f5fa8", "2.5", ""),
            EdgeKind::Encrypts => ("encrypts", "#c77800", "1.2", " stroke-dasharray=\"5 4\""),
            EdgeKind::Role => ("role", "#2e7d32", "1.2", " stroke-dasharray=\"2 3\""),
            EdgeKind::Control => ("control", "#777777", "1.2", ""),
        }
    }
}
