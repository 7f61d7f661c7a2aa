//! The laid-out diagram written as SVG, in integer coordinates.

use std::fmt::Write;

use super::layout::{baselines, text_height, Layout, LEGEND_H, MARGIN};
use super::{fill_of, Diagram, EdgeKind};

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The SVG of a diagram: title, lanes, boxes, edges (after the boxes, so that arrowheads are
/// on top of the borders they touch), legend.
pub(super) fn draw(d: &Diagram, l: &Layout) -> String {
    let (width, height) = (l.width, l.height);
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
    lanes(&mut s, l);
    boxes(&mut s, l);
    edges(&mut s, l);
    legend(&mut s, height);
    s.push_str("</svg>\n");
    s
}

fn lanes(s: &mut String, l: &Layout) {
    for (i, lane) in l.lanes.iter().enumerate() {
        let fill = if i % 2 == 0 { "#f7f7f7" } else { "#efefef" };
        let _ = writeln!(
            s,
            "<rect x=\"{MARGIN}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\" stroke=\"#d0d0d0\"/>",
            lane.y,
            l.width - 2 * MARGIN,
            lane.h
        );
        let mid = lane.y + lane.h / 2;
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"13\" font-weight=\"bold\" fill=\"#222\">{}</text>",
            MARGIN + 10,
            mid - 2,
            esc(&lane.name)
        );
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#555\">{} stack</text>",
            MARGIN + 10,
            mid + 14,
            esc(&lane.kind)
        );
    }
}

fn boxes(s: &mut String, l: &Layout) {
    for b in &l.boxes {
        let r = b.rect;
        let cx = r.x + r.w / 2;
        let top = r.y + (r.h - text_height(&b.label, &b.detail)) / 2;
        let _ = write!(
            s,
            "<g id=\"node-{}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"6\" fill=\"{}\" stroke=\"#555\"/>",
            b.id,
            r.x,
            r.y,
            r.w,
            r.h,
            fill_of(b.kind)
        );
        let (label_y, detail_y) = baselines(b.label.len(), b.detail.len());
        for (line, y) in b.label.iter().zip(label_y) {
            let _ = write!(
                s,
                "<text x=\"{cx}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\" fill=\"#111\">{}</text>",
                top + y,
                esc(line)
            );
        }
        for (line, y) in b.detail.iter().zip(detail_y) {
            let _ = write!(
                s,
                "<text x=\"{cx}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\" fill=\"#444\">{}</text>",
                top + y,
                esc(line)
            );
        }
        s.push_str("</g>\n");
    }
}

fn edges(s: &mut String, l: &Layout) {
    for e in &l.edges {
        let mut path = String::new();
        for (i, (x, y)) in e.points.iter().enumerate() {
            let _ = write!(path, "{}{x} {y}", if i == 0 { "M" } else { " L" });
        }
        let (kind, colour, width, dash) = edge_style(e.kind);
        let _ = writeln!(
            s,
            "<path d=\"{path}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"{width}\"{dash} marker-end=\"url(#arrow-{kind})\"><title>{} {} {}</title></path>",
            esc(&e.from),
            esc(&e.label),
            esc(&e.to)
        );
    }
}

fn legend(s: &mut String, height: i32) {
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
