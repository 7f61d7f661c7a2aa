//! The nodes: one per resource the picture shows (or per group, such as the trail alarms),
//! in a fixed order of service families; and the flow ranks the layout uses.

use std::collections::BTreeMap;

use serde_yaml::Value;

use super::{ident, Diagram, Edge, EdgeKind, Node, NodeKind};
use crate::platform::{Platform, Resource};

/// Bucket name → node id, for the edges to find buckets named in properties.
pub(super) type Buckets = BTreeMap<String, String>;

fn node(r: &Resource, id: String, label: String, detail: String, kind: NodeKind) -> Node {
    Node {
        id,
        stack: r.stack.clone(),
        label,
        detail,
        kind,
        resources: vec![(r.stack.clone(), r.id.clone())],
    }
}

/// Add every node, family by family; the order is the order of the Mermaid source.
pub(super) fn nodes(d: &mut Diagram, p: &Platform) -> Buckets {
    keys(d, p);
    let buckets = buckets(d, p);
    logs(d, p);
    roles(d, p);
    catalog(d, p);
    jobs(d, p);
    athena(d, p);
    hosts(d, p);
    monitoring(d, p);
    topics(d, p);
    budgets(d, p);
    dashboards(d, p);
    buckets
}

fn keys(d: &mut Diagram, p: &Platform) {
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
}

fn buckets(d: &mut Diagram, p: &Platform) -> Buckets {
    let mut bucket_nodes = Buckets::new();
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
    bucket_nodes
}

fn logs(d: &mut Diagram, p: &Platform) {
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
}

fn roles(d: &mut Diagram, p: &Platform) {
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
}

fn catalog(d: &mut Diagram, p: &Platform) {
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
}

fn jobs(d: &mut Diagram, p: &Platform) {
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
}

fn athena(d: &mut Diagram, p: &Platform) {
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
}

fn hosts(d: &mut Diagram, p: &Platform) {
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
}

/// The `(namespace, metric)` pairs the trail's metric filters publish.
fn filtered_metrics(filters: &[&Resource]) -> Vec<(String, String)> {
    let field = |t: &Value, k: &str| {
        t.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    filters
        .iter()
        .flat_map(|f| {
            f.prop(&["MetricTransformations"])
                .and_then(Value::as_sequence)
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|t| (field(&t, "MetricNamespace"), field(&t, "MetricName")))
        })
        .collect()
}

/// Monitoring: the alarms on the trail's metric filters as one node, then the event rules,
/// then the other alarms one by one.
fn monitoring(d: &mut Diagram, p: &Platform) {
    let filters: Vec<&Resource> = p.of_type("AWS::Logs::MetricFilter").collect();
    let filtered = filtered_metrics(&filters);
    let alarms: Vec<&Resource> = p.of_type("AWS::CloudWatch::Alarm").collect();
    let (trail_alarms, other_alarms): (Vec<&Resource>, Vec<&Resource>) =
        alarms.iter().partition(|a| {
            filtered.contains(&(
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
}

/// Each topic, and its subscriptions as one node it notifies.
fn topics(d: &mut Diagram, p: &Platform) {
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
}

fn budgets(d: &mut Diagram, p: &Platform) {
    for b in p.of_type("AWS::Budgets::Budget") {
        let amount = b
            .prop(&["Budget", "BudgetLimit", "Amount"])
            .and_then(|v| p.resolve(&b.stack, v))
            .unwrap_or_default();
        let amount = match amount.parse::<f64>() {
            Ok(x) => crate::format::number(x),
            Err(_) => amount,
        };
        d.nodes.push(node(
            b,
            ident(&format!("budget_{}", b.id)),
            "budget".to_owned(),
            format!("{amount} USD a month"),
            NodeKind::Monitor,
        ));
    }
}

fn dashboards(d: &mut Diagram, p: &Platform) {
    for db in p.of_type("AWS::CloudWatch::Dashboard") {
        d.nodes.push(node(
            db,
            ident(&format!("dashboard_{}", db.id)),
            "dashboard".to_owned(),
            db.prop_str(&["DashboardName"]).unwrap_or(&db.id).to_owned(),
            NodeKind::Monitor,
        ));
    }
}

impl Diagram {
    /// Add an edge between two nodes that exist, once per kind.
    pub(super) fn edge(&mut self, from: &str, to: &str, kind: EdgeKind, label: &str) {
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

    /// The node that stands for a resource.
    pub(super) fn node_of(&self, stack: &str, id: &str) -> Option<String> {
        self.nodes
            .iter()
            .find(|n| n.resources.iter().any(|(s, i)| s == stack && i == id))
            .map(|n| n.id.clone())
    }

    /// Longest-path rank of each node along the data flow.
    pub(super) fn ranks(&self) -> BTreeMap<String, i32> {
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
}
