//! What a clean drawing must be, checked on the geometry: the tests run it on every shipped
//! environment's layout, and on the boxes and paths read back from its SVG.

use super::layout::{Layout, Rect};

/// Arrowheads and other attachment points on one box are at least this far apart.
pub const MIN_APART: i32 = 6;
/// The last segment of an edge is at least this long, for its arrowhead (9 px).
pub const MIN_LAST: i32 = 10;

/// Whether an axis-parallel segment passes through a rectangle's interior.
fn crosses(r: &Rect, (x1, y1): (i32, i32), (x2, y2): (i32, i32)) -> bool {
    let (lx, hx) = (x1.min(x2), x1.max(x2));
    let (ly, hy) = (y1.min(y2), y1.max(y2));
    lx < r.x + r.w && hx > r.x && ly < r.y + r.h && hy > r.y
}

/// The length two collinear axis-parallel segments share.
fn shared((a1, a2): ((i32, i32), (i32, i32)), (b1, b2): ((i32, i32), (i32, i32))) -> i32 {
    let ah = a1.1 == a2.1;
    let bh = b1.1 == b2.1;
    if ah != bh {
        return 0;
    }
    let (line_a, line_b, ra, rb) = if ah {
        (a1.1, b1.1, (a1.0, a2.0), (b1.0, b2.0))
    } else {
        (a1.0, b1.0, (a1.1, a2.1), (b1.1, b2.1))
    };
    if line_a != line_b {
        return 0;
    }
    let lo = ra.0.min(ra.1).max(rb.0.min(rb.1));
    let hi = ra.0.max(ra.1).min(rb.0.max(rb.1));
    hi - lo
}

impl Layout {
    /// What is wrong with the drawing, one line each; empty when it is clean:
    /// - an edge segment that is not horizontal or vertical, or that passes through the
    ///   interior of a box (any box, its own two included: an edge starts and ends on their
    ///   borders);
    /// - an edge that does not start on its source's border or end on its target's, or whose
    ///   last segment is too short for its arrowhead;
    /// - two edges that meet a box at points less than [`MIN_APART`] apart (arrowheads on top
    ///   of each other);
    /// - two edges drawn along the same line for a stretch;
    /// - two boxes that overlap.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let rect = |id: &str| self.boxes.iter().find(|b| b.id == id).map(|b| b.rect);
        for (i, a) in self.boxes.iter().enumerate() {
            for b in &self.boxes[i + 1..] {
                let (p, q) = (a.rect, b.rect);
                if p.x < q.x + q.w && q.x < p.x + p.w && p.y < q.y + q.h && q.y < p.y + p.h {
                    out.push(format!("boxes `{}` and `{}` overlap", a.id, b.id));
                }
            }
        }
        // Attachment points per box: (point, edge).
        let mut attached: Vec<(&str, (i32, i32), String)> = Vec::new();
        for e in &self.edges {
            let name = format!("{} → {}", e.from, e.to);
            let (Some(from), Some(to)) = (rect(&e.from), rect(&e.to)) else {
                out.push(format!("{name}: an end has no box"));
                continue;
            };
            let (Some(&first), Some(&last)) = (e.points.first(), e.points.last()) else {
                out.push(format!("{name}: not drawn"));
                continue;
            };
            if e.points.len() < 2 {
                out.push(format!("{name}: a single point"));
                continue;
            }
            if !from.on_border(first) {
                out.push(format!(
                    "{name}: starts at {first:?}, off its source's border"
                ));
            }
            if !to.on_border(last) {
                out.push(format!("{name}: ends at {last:?}, off its target's border"));
            }
            for w in e.points.windows(2) {
                let (p, q) = (w[0], w[1]);
                if p.0 != q.0 && p.1 != q.1 {
                    out.push(format!("{name}: segment {p:?}–{q:?} is slanted"));
                }
                if p == q {
                    out.push(format!("{name}: empty segment at {p:?}"));
                }
                for b in &self.boxes {
                    if crosses(&b.rect, p, q) {
                        out.push(format!(
                            "{name}: segment {p:?}–{q:?} crosses box `{}`",
                            b.id
                        ));
                    }
                }
            }
            let before = e.points[e.points.len() - 2];
            if (before.0 - last.0).abs() + (before.1 - last.1).abs() < MIN_LAST {
                out.push(format!("{name}: last segment too short for its arrowhead"));
            }
            attached.push((&e.from, first, name.clone()));
            attached.push((&e.to, last, name));
        }
        for (i, (box_a, p, a)) in attached.iter().enumerate() {
            for (box_b, q, b) in &attached[i + 1..] {
                if box_a == box_b && (p.0 - q.0).abs().max((p.1 - q.1).abs()) < MIN_APART {
                    out.push(format!("{a} and {b} meet `{box_a}` at {p:?} and {q:?}"));
                }
            }
        }
        for (i, a) in self.edges.iter().enumerate() {
            for b in &self.edges[i + 1..] {
                let overlap = a.points.windows(2).any(|s| {
                    b.points
                        .windows(2)
                        .any(|t| shared((s[0], s[1]), (t[0], t[1])) > 0)
                });
                if overlap {
                    out.push(format!(
                        "{} → {} and {} → {} run along the same line",
                        a.from, a.to, b.from, b.to
                    ));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::layout::{Placed, Routed};
    use super::super::{EdgeKind, NodeKind};
    use super::*;

    fn placed(id: &str, x: i32) -> Placed {
        Placed {
            id: id.to_owned(),
            kind: NodeKind::Bucket,
            rect: Rect {
                x,
                y: 100,
                w: 100,
                h: 40,
            },
            label: vec![id.to_owned()],
            detail: Vec::new(),
        }
    }

    fn edge(from: &str, to: &str, points: &[(i32, i32)]) -> Routed {
        Routed {
            from: from.to_owned(),
            to: to.to_owned(),
            kind: EdgeKind::Flow,
            label: "reads".to_owned(),
            points: points.to_vec(),
        }
    }

    /// Boxes a, b, c in a row, 50 px apart.
    fn three(edges: Vec<Routed>) -> Layout {
        Layout {
            width: 500,
            height: 300,
            lanes: Vec::new(),
            boxes: vec![placed("a", 0), placed("b", 150), placed("c", 300)],
            edges,
        }
    }

    #[test]
    fn a_straight_edge_through_a_box_is_found() {
        // a → c straight across b, the way the Bézier edges were drawn.
        let l = three(vec![edge("a", "c", &[(100, 120), (300, 120)])]);
        assert_eq!(
            l.problems(),
            ["a → c: segment (100, 120)–(300, 120) crosses box `b`"]
        );
    }

    #[test]
    fn a_routed_edge_round_the_box_is_clean() {
        let l = three(vec![
            edge("a", "c", &[(50, 100), (50, 80), (350, 80), (350, 100)]),
            edge("a", "b", &[(100, 120), (150, 120)]),
        ]);
        assert_eq!(l.problems(), Vec::<String>::new());
    }

    #[test]
    fn ends_off_the_border_and_piled_up_arrowheads_are_found() {
        let l = three(vec![
            edge("a", "b", &[(100, 120), (160, 120)]),
            edge("a", "c", &[(50, 100), (50, 80), (350, 80), (350, 100)]),
            edge("b", "c", &[(200, 100), (200, 70), (350, 70), (350, 100)]),
        ]);
        let p = l.problems();
        assert!(
            p.iter()
                .any(|s| s.contains("a → b: ends at (160, 120), off its target's border")),
            "{p:?}"
        );
        assert!(p.iter().any(|s| s.contains("crosses box `b`")), "{p:?}");
        assert!(
            p.iter()
                .any(|s| s.contains("a → c and b → c meet `c` at (350, 100) and (350, 100)")),
            "{p:?}"
        );
        assert!(
            p.iter().any(|s| s.contains("run along the same line")),
            "{p:?}"
        );
    }
}
