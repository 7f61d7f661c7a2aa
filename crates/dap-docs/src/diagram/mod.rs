//! The architecture as a graph, built from the stacks and their resources, drawn as Mermaid
//! (for Markdown) and as SVG (laid out here, in integer coordinates, so the same templates
//! always give the same bytes on every machine).
//!
//! The SVG puts each stack in a horizontal lane, named after the stack, in deployment order
//! (a stack's lane below the lanes of the stacks it depends on). Columns follow the data flow
//! (landing → clean job → raw → curate job → curated → Athena → reports); the other nodes
//! sit near what they connect to. Edges are routed orthogonally through the channels between
//! boxes, never through a box, and meet a box's side at distinct points; labels are wrapped,
//! never cut.
//!
//! - `graph`: the nodes, one function per service family, and the flow ranks;
//! - `edges`: the edges, inferred from the templates and the access matrix, one function per
//!   service family;
//! - `mermaid`: the Mermaid flowchart;
//! - `layout`: slots, wrapped labels, band sizes and pixel coordinates ([`Layout`]);
//! - `route`: the grid router and the tracks of parallel edges;
//! - `check`: what a clean drawing must be ([`Layout::problems`]);
//! - `svg`: the layout written as SVG.

mod check;
mod edges;
mod graph;
mod layout;
mod mermaid;
mod route;
mod svg;

use serde::Serialize;

use crate::access::AccessMatrix;
use crate::platform::Platform;

pub use check::{MIN_APART, MIN_LAST};
pub use layout::{wrap, Lane, Layout, Placed, Rect, Routed};

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
        let buckets = graph::nodes(&mut d, p);
        edges::infer(&mut d, p, access, &buckets);
        d
    }

    /// The diagram as a Mermaid flowchart, one subgraph per stack.
    pub fn mermaid(&self) -> String {
        mermaid::render(self)
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

    /// The diagram laid out: lanes, boxes and routed edges, as the SVG draws them.
    pub fn layout(&self) -> Layout {
        Layout::new(self)
    }

    /// The diagram as a standalone SVG.
    pub fn svg(&self) -> String {
        svg::draw(self, &self.layout())
    }
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
