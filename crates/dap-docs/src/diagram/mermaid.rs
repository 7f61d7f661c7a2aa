//! The graph as a Mermaid flowchart, for Markdown.

use std::fmt::Write;

use super::{class_of, ident, Diagram, EdgeKind, Node, CLASSES};

/// One subgraph per stack, in deployment order, then the edges and the classes.
pub(super) fn render(d: &Diagram) -> String {
    let mut s = String::from("flowchart LR\n");
    for (kind, name) in &d.stacks {
        let nodes: Vec<&Node> = d.nodes.iter().filter(|n| &n.stack == kind).collect();
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
                text(&n.label),
                text(&n.detail)
            );
        }
        s.push_str("  end\n");
    }
    for e in &d.edges {
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
    for n in &d.nodes {
        let _ = writeln!(s, "  class {} {}", n.id, class_of(n.kind));
    }
    s
}

fn text(s: &str) -> String {
    s.replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
}
