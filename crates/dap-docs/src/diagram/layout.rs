//! The picture laid out in integer pixels: a lane per stack in deployment order, boxes in
//! slots along the data flow, labels wrapped, edges routed between the boxes.
//!
//! Sizes come from the routing: a channel is as wide as its tracks need, a box as tall as its
//! wrapped text and the edges on its left and right sides need.

use std::collections::BTreeMap;

use serde::Serialize;

use super::route::{self, Grid, Run};
use super::{Diagram, EdgeKind, NodeKind};

/// The width of every box.
pub(super) const NODE_W: i32 = 176;
/// The lane titles, left of the first channel.
pub(super) const LABEL_W: i32 = 170;
/// Round the picture.
pub(super) const MARGIN: i32 = 16;
/// The title's height.
pub(super) const TITLE_H: i32 = 44;
/// The legend's height.
pub(super) const LEGEND_H: i32 = 40;
/// Between a box and the channels above and below its lane.
const LANE_PAD: i32 = 10;
/// Between a box and the channels left and right of its slot.
const SLOT_PAD: i32 = 12;
/// Between parallel tracks.
const TRACK: i32 = 10;
/// The narrowest channel.
const MIN_CHANNEL: i32 = 20;
/// From a box's corner to the nearest point an edge may meet it.
const PORT_MARGIN: i32 = 10;
/// Characters on a line of a box's label (12 px) and of its detail (10 px).
const LABEL_CHARS: usize = 21;
const DETAIL_CHARS: usize = 27;
/// Baselines: the first label line, the next ones, the first detail line, the next ones.
const LABEL_TOP: i32 = 18;
const LABEL_LINE: i32 = 15;
const DETAIL_GAP: i32 = 16;
const DETAIL_LINE: i32 = 13;
/// Below the last baseline.
const TEXT_BOTTOM: i32 = 10;

/// A rectangle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Rect {
    /// Left.
    pub x: i32,
    /// Top.
    pub y: i32,
    /// Width.
    pub w: i32,
    /// Height.
    pub h: i32,
}

impl Rect {
    /// Whether a point is strictly inside.
    pub fn contains(&self, (x, y): (i32, i32)) -> bool {
        x > self.x && x < self.x + self.w && y > self.y && y < self.y + self.h
    }

    /// Whether a point is on the border.
    pub fn on_border(&self, (x, y): (i32, i32)) -> bool {
        let inside_x = x >= self.x && x <= self.x + self.w;
        let inside_y = y >= self.y && y <= self.y + self.h;
        (inside_x && (y == self.y || y == self.y + self.h))
            || (inside_y && (x == self.x || x == self.x + self.w))
    }
}

/// A lane: one stack.
#[derive(Clone, Debug, Serialize)]
pub struct Lane {
    /// The stack kind.
    pub kind: String,
    /// The stack name.
    pub name: String,
    /// Top.
    pub y: i32,
    /// Height.
    pub h: i32,
}

/// A node's box.
#[derive(Clone, Debug, Serialize)]
pub struct Placed {
    /// The node id.
    pub id: String,
    /// What it is.
    pub kind: NodeKind,
    /// Where it is.
    pub rect: Rect,
    /// The label, wrapped.
    pub label: Vec<String>,
    /// The detail, wrapped.
    pub detail: Vec<String>,
}

/// An edge, routed: a polyline of horizontal and vertical segments from the border of its
/// source box to the border of its target box.
#[derive(Clone, Debug, Serialize)]
pub struct Routed {
    /// Source node id.
    pub from: String,
    /// Target node id.
    pub to: String,
    /// What it means.
    pub kind: EdgeKind,
    /// A word for it.
    pub label: String,
    /// The corners, first and last on the boxes' borders.
    pub points: Vec<(i32, i32)>,
}

/// The diagram laid out, before it is written as SVG.
#[derive(Clone, Debug, Serialize)]
pub struct Layout {
    /// The picture's width.
    pub width: i32,
    /// The picture's height.
    pub height: i32,
    /// The lanes, top to bottom, in deployment order.
    pub lanes: Vec<Lane>,
    /// The boxes, in node order.
    pub boxes: Vec<Placed>,
    /// The edges, in edge order.
    pub edges: Vec<Routed>,
}

/// Wrap text onto lines of at most `max` characters: after a space (dropped), a `/`, `-`,
/// `_`, `.`, `,` or `@` where it can, inside a word only when the word alone is too long.
/// Nothing is cut: the lines hold every character but the spaces they break at.
pub fn wrap(text: &str, max: usize) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c == ' ' {
            words.push(std::mem::take(&mut word) + " ");
            continue;
        }
        word.push(c);
        if matches!(c, '/' | '-' | '_' | '.' | ',' | '@') {
            words.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for w in words {
        let fits = line.chars().count() + w.trim_end().chars().count() <= max;
        if !fits && !line.is_empty() {
            lines.push(line.trim_end().to_owned());
            line.clear();
        }
        line.push_str(&w);
        while line.trim_end().chars().count() > max {
            let head: String = line.chars().take(max).collect();
            line = line.chars().skip(max).collect();
            lines.push(head);
        }
    }
    if !line.trim_end().is_empty() || lines.is_empty() {
        lines.push(line.trim_end().to_owned());
    }
    lines
}

/// The slot of each node: `(lane, slot)`. Flow nodes by their rank along the flow, the
/// others near the average of their neighbours; then each lane packed left to right.
fn slots(d: &Diagram, lanes: &[Lane]) -> BTreeMap<String, (usize, usize)> {
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
    let mut slot = BTreeMap::new();
    for (li, lane) in lanes.iter().enumerate() {
        let mut in_lane: Vec<(i32, usize, &str)> = d
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.stack == lane.kind)
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
            slot.insert(id.to_owned(), (li, col as usize));
            next = col + 1;
        }
    }
    slot
}

/// The height of a box's text: the label lines, then the detail lines.
pub(super) fn text_height(label: &[String], detail: &[String]) -> i32 {
    LABEL_TOP
        + LABEL_LINE * (label.len() as i32 - 1)
        + DETAIL_GAP
        + DETAIL_LINE * (detail.len() as i32 - 1)
        + TEXT_BOTTOM
}

/// The baselines of a box's text lines, from the top of the text: label lines, then detail.
pub(super) fn baselines(label: usize, detail: usize) -> (Vec<i32>, Vec<i32>) {
    let l: Vec<i32> = (0..label as i32)
        .map(|i| LABEL_TOP + LABEL_LINE * i)
        .collect();
    let first = l.last().copied().unwrap_or(0) + DETAIL_GAP;
    let d = (0..detail as i32)
        .map(|i| first + DETAIL_LINE * i)
        .collect();
    (l, d)
}

/// The offset of track `t` of `k` on a line whose tracks are `sp` apart, centred.
fn offset(t: usize, k: usize, sp: i32) -> i32 {
    (2 * t as i32 - (k as i32 - 1)) * sp / 2
}

/// Where the grid lines are along one axis: the centre of each band, from the band widths.
fn centres(start: i32, widths: &[i32]) -> (Vec<i32>, i32) {
    let mut at = start;
    let mut v = Vec::with_capacity(widths.len());
    for w in widths {
        v.push(at + w / 2);
        at += w;
    }
    (v, at)
}

/// The tracks of each grid line, keyed by `(horizontal, line)`.
struct Tracks(BTreeMap<(bool, usize), usize>);

impl Tracks {
    fn count(&self, horizontal: bool, line: usize) -> usize {
        self.0.get(&(horizontal, line)).copied().unwrap_or(0)
    }

    /// How far apart the tracks of a line are: a slot's tracks (edges meeting boxes at the
    /// top or bottom) close up to fit the box's width; others are `TRACK` apart (boxes grow
    /// to fit the tracks on their sides).
    fn spacing(&self, horizontal: bool, line: usize) -> i32 {
        let k = self.count(horizontal, line) as i32;
        if !horizontal && line % 2 == 1 && k > 1 {
            ((NODE_W - 2 * PORT_MARGIN) / (k - 1)).min(TRACK) / 2 * 2
        } else {
            TRACK
        }
    }

    /// Where a run is, across its line: the line's centre plus its track's offset.
    fn at(&self, centre: i32, run: &Run) -> i32 {
        let k = self.count(run.horizontal, run.line).max(1);
        centre + offset(run.track, k, self.spacing(run.horizontal, run.line))
    }
}

/// A node's wrapped text and its box's height.
struct Text {
    label: Vec<String>,
    detail: Vec<String>,
    height: i32,
}

/// Wrap each node's text; make its box as tall as the text, and as the tracks of the edges
/// that meet it on its left and right sides need.
fn texts(d: &Diagram, paths: &[Vec<Run>], tracks: &Tracks) -> Vec<Text> {
    let index: BTreeMap<&str, usize> = d
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let mut reach = vec![0; d.nodes.len()];
    for (e, runs) in d.edges.iter().zip(paths) {
        for (id, run) in [(&e.from, runs.first()), (&e.to, runs.last())] {
            if let (Some(&i), Some(run)) = (index.get(id.as_str()), run) {
                if run.horizontal {
                    let k = tracks.count(true, run.line);
                    reach[i] = offset(run.track, k, TRACK).abs().max(reach[i]);
                }
            }
        }
    }
    d.nodes
        .iter()
        .zip(reach)
        .map(|(n, reach)| {
            let label = wrap(&n.label, LABEL_CHARS);
            let detail = wrap(&n.detail, DETAIL_CHARS);
            let height = text_height(&label, &detail).max(2 * (reach + PORT_MARGIN));
            Text {
                label,
                detail,
                height,
            }
        })
        .collect()
}

/// The band of each grid row: a channel as wide as its tracks, a lane as tall as its
/// tallest box and its tracks.
fn row_heights(rows: usize, cells: &[route::Point], texts: &[Text], tracks: &Tracks) -> Vec<i32> {
    (0..rows)
        .map(|a| {
            let k = tracks.count(true, a) as i32;
            if a % 2 == 0 {
                return ((k + 1) * TRACK).max(MIN_CHANNEL);
            }
            let tallest = cells
                .iter()
                .zip(texts)
                .filter(|(c, _)| c.0 == a)
                .map(|(_, t)| t.height)
                .max()
                .unwrap_or(0);
            (tallest + 2 * LANE_PAD).max((k + 1) * TRACK).max(60)
        })
        .collect()
}

/// The band of each grid column: a channel as wide as its tracks, a slot as wide as a box.
fn col_widths(cols: usize, tracks: &Tracks) -> Vec<i32> {
    (0..cols)
        .map(|b| match b % 2 {
            0 => ((tracks.count(false, b) as i32 + 1) * TRACK).max(MIN_CHANNEL),
            _ => NODE_W + 2 * SLOT_PAD,
        })
        .collect()
}

impl Layout {
    /// Lay out a diagram: place the boxes in cells, route the edges on the grid, give the
    /// runs tracks, then size the bands and turn grid lines into pixels.
    pub fn new(d: &Diagram) -> Layout {
        let mut lanes: Vec<Lane> = d
            .stacks
            .iter()
            .map(|(kind, name)| Lane {
                kind: kind.clone(),
                name: name.clone(),
                y: 0,
                h: 0,
            })
            .collect();
        let slot = slots(d, &lanes);
        let slots_n = slot.values().map(|(_, s)| s + 1).max().unwrap_or(1);
        let mut grid = Grid::new(lanes.len(), slots_n);
        let cell = |id: &str| {
            let (l, s) = slot.get(id).copied().unwrap_or((0, 0));
            Grid::cell(l, s)
        };
        let cells: Vec<route::Point> = d.nodes.iter().map(|n| cell(&n.id)).collect();
        for c in &cells {
            grid.put_box(*c);
        }
        let mut paths: Vec<Vec<Run>> = vec![Vec::new(); d.edges.len()];
        for i in routing_order(d, &cell) {
            let e = &d.edges[i];
            if let Some(path) = grid.route(cell(&e.from), cell(&e.to)) {
                paths[i] = route::runs(&path);
            }
        }
        let tracks = Tracks(route::assign_tracks(&grid, &mut paths));
        let texts = texts(d, &paths, &tracks);
        let (xs, right) = centres(MARGIN + LABEL_W, &col_widths(grid.cols, &tracks));
        let (ys, bottom) = centres(
            MARGIN + TITLE_H,
            &row_heights(grid.rows, &cells, &texts, &tracks),
        );
        for (i, lane) in lanes.iter_mut().enumerate() {
            let top = if i == 0 { MARGIN + TITLE_H } else { ys[2 * i] };
            let end = if i + 1 == grid.rows / 2 {
                bottom
            } else {
                ys[2 * i + 2]
            };
            lane.y = top;
            lane.h = end - top;
        }
        let boxes: Vec<Placed> = d
            .nodes
            .iter()
            .zip(texts)
            .zip(&cells)
            .map(|((n, t), &(r, c))| Placed {
                id: n.id.clone(),
                kind: n.kind,
                rect: Rect {
                    x: xs[c] - NODE_W / 2,
                    y: ys[r] - t.height / 2,
                    w: NODE_W,
                    h: t.height,
                },
                label: t.label,
                detail: t.detail,
            })
            .collect();
        let at = |run: &Run| {
            let centre = if run.horizontal {
                ys[run.line]
            } else {
                xs[run.line]
            };
            tracks.at(centre, run)
        };
        let rect_of = |id: &str| boxes.iter().find(|b| b.id == id).map(|b| b.rect);
        let edges = d
            .edges
            .iter()
            .zip(&paths)
            .map(|(e, runs)| Routed {
                from: e.from.clone(),
                to: e.to.clone(),
                kind: e.kind,
                label: e.label.clone(),
                points: points(runs, &at, rect_of(&e.from), rect_of(&e.to), cell(&e.from)),
            })
            .collect();
        Layout {
            width: right + MARGIN,
            height: bottom + LEGEND_H + MARGIN,
            lanes,
            boxes,
            edges,
        }
    }
}

/// Flow edges first, then encryption, roles and control; within a kind, short ones first,
/// so the main flow gets the straightest paths.
fn routing_order(d: &Diagram, cell: &dyn Fn(&str) -> route::Point) -> Vec<usize> {
    let mut order: Vec<(EdgeKind, usize, usize)> = d
        .edges
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let (a, b) = (cell(&e.from), cell(&e.to));
            (e.kind, a.0.abs_diff(b.0) + a.1.abs_diff(b.1), i)
        })
        .collect();
    order.sort();
    order.into_iter().map(|(_, _, i)| i).collect()
}

/// The corners of a routed edge: from the source box's border, where each run turns, to the
/// target box's border.
fn points(
    runs: &[Run],
    at: &dyn Fn(&Run) -> i32,
    from: Option<Rect>,
    to: Option<Rect>,
    start: route::Point,
) -> Vec<(i32, i32)> {
    let (Some(from), Some(to), Some(first), Some(last)) = (from, to, runs.first(), runs.last())
    else {
        return Vec::new();
    };
    // The direction of the first run: away from the source's cell.
    let first_forward = if first.horizontal {
        first.lo == start.1
    } else {
        first.lo == start.0
    };
    let border = |r: Rect, run: &Run, leaving_forward: bool| -> (i32, i32) {
        match (run.horizontal, leaving_forward) {
            (true, true) => (r.x + r.w, at(run)),
            (true, false) => (r.x, at(run)),
            (false, true) => (at(run), r.y + r.h),
            (false, false) => (at(run), r.y),
        }
    };
    let mut pts = vec![border(from, first, first_forward)];
    for w in runs.windows(2) {
        pts.push(if w[0].horizontal {
            (at(&w[1]), at(&w[0]))
        } else {
            (at(&w[0]), at(&w[1]))
        });
    }
    // The last run arrives forward if it leaves the target on its far side going backward.
    let end = if runs.len() == 1 {
        !first_forward
    } else {
        let before = &runs[runs.len() - 2];
        let coming_from = before.line;
        last.lo != coming_from
    };
    pts.push(border(to, last, end));
    pts
}
