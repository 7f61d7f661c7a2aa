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

// Over 120 lines: the one-pass drawing, moved here unchanged; it
// is split when the routed layout of issue 14 replaces it.
pub(super) fn draw(d: &Diagram) -> String {
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
