//! Orthogonal edge routing over the channels between boxes.
//!
//! The picture is a grid of cells: one row per lane, one column per slot. The router works on
//! the lines of that grid: an even row index is the horizontal channel above a lane (or below
//! the last), an odd one runs through the middle of a lane; an even column index is the
//! vertical channel left of a slot (or right of the last), an odd one runs through the middle
//! of a slot. A point with both indices odd is a cell: a box, which only its own edges may
//! enter, or an empty slot, which any edge may cross. So a path never goes through a box.
//!
//! Paths are found one edge at a time by Dijkstra's algorithm over (point, heading), with a
//! cost for length, for each bend, for sharing a channel segment with an edge already routed
//! and for crossing one. Then each path is cut into straight runs, and the runs on one grid
//! line get tracks: runs that overlap, or touch anywhere but in a box, get different tracks,
//! so parallel edges never draw over each other and edges that meet a box on the same side
//! meet it at different points. Everything is integer arithmetic and ordered by index: the
//! same graph gives the same paths.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

/// A point of the grid: `(row, column)`.
pub(super) type Point = (usize, usize);

/// Cost of one step along a channel between lanes, or across a slot.
const STEP_ACROSS: u32 = 10;
/// Cost of one step up or down (lanes are closer together than slots are wide).
const STEP_DOWN: u32 = 6;
/// Cost of a bend.
const BEND: u32 = 14;
/// Cost of sharing a segment with each edge already routed there.
const SHARE: u32 = 4;
/// Cost of crossing an edge already routed.
const CROSS: u32 = 5;
/// Cost of passing through an empty slot rather than along a channel.
const EMPTY_SLOT: u32 = 2;

/// The routing grid: its size and which cells hold a box.
pub(super) struct Grid {
    /// Rows of grid lines: `2 × lanes + 1`.
    pub rows: usize,
    /// Columns of grid lines: `2 × slots + 1`.
    pub cols: usize,
    boxes: Vec<bool>,
    /// Segments used so far: to the right of a point, and below it.
    right: Vec<u32>,
    down: Vec<u32>,
}

impl Grid {
    /// An empty grid for `lanes × slots` cells.
    pub fn new(lanes: usize, slots: usize) -> Grid {
        let (rows, cols) = (2 * lanes + 1, 2 * slots + 1);
        Grid {
            rows,
            cols,
            boxes: vec![false; rows * cols],
            right: vec![0; rows * cols],
            down: vec![0; rows * cols],
        }
    }

    /// The grid point at the centre of a cell.
    pub fn cell(lane: usize, slot: usize) -> Point {
        (2 * lane + 1, 2 * slot + 1)
    }

    /// Put a box in a cell.
    pub fn put_box(&mut self, p: Point) {
        let i = self.index(p);
        self.boxes[i] = true;
    }

    /// Whether a box is at this point.
    pub fn is_box(&self, p: Point) -> bool {
        self.boxes[self.index(p)]
    }

    fn index(&self, (r, c): Point) -> usize {
        r * self.cols + c
    }

    /// The segment between two neighbours, as an index into `right` or `down`.
    fn segment(&self, a: Point, b: Point) -> (bool, usize) {
        if a.0 == b.0 {
            (true, self.index((a.0, a.1.min(b.1))))
        } else {
            (false, self.index((a.0.min(b.0), a.1)))
        }
    }

    fn used(&self, a: Point, b: Point) -> u32 {
        match self.segment(a, b) {
            (true, i) => self.right[i],
            (false, i) => self.down[i],
        }
    }

    /// Edges already routed across a point in the other direction than `horizontal`.
    fn crossing(&self, p: Point, horizontal: bool) -> u32 {
        let (r, c) = p;
        if horizontal {
            let above = if r > 0 {
                self.down[self.index((r - 1, c))]
            } else {
                0
            };
            above.max(self.down[self.index(p)])
        } else {
            let left = if c > 0 {
                self.right[self.index((r, c - 1))]
            } else {
                0
            };
            left.max(self.right[self.index(p)])
        }
    }

    fn mark(&mut self, path: &[Point]) {
        for w in path.windows(2) {
            match self.segment(w[0], w[1]) {
                (true, i) => self.right[i] += 1,
                (false, i) => self.down[i] += 1,
            }
        }
    }

    /// The cheapest path from one box to another, and mark it used. `None` only if the
    /// boxes are walled in, which a grid with channels all round cannot do.
    pub fn route(&mut self, from: Point, to: Point) -> Option<Vec<Point>> {
        let path = self.search(from, to)?;
        self.mark(&path);
        Some(path)
    }

    fn search(&self, from: Point, to: Point) -> Option<Vec<Point>> {
        const NONE: usize = 4;
        let states = self.rows * self.cols * 5;
        let mut best = vec![u32::MAX; states];
        let mut prev = vec![usize::MAX; states];
        let state = |p: Point, h: usize| self.index(p) * 5 + h;
        let mut heap = BinaryHeap::new();
        best[state(from, NONE)] = 0;
        heap.push(Reverse((0u32, from, NONE)));
        let mut end = None;
        while let Some(Reverse((cost, p, heading))) = heap.pop() {
            let s = state(p, heading);
            if cost > best[s] {
                continue;
            }
            if p == to {
                end = Some(s);
                break;
            }
            for (h, q) in self.neighbours(p) {
                if self.is_box(q) && q != to {
                    continue;
                }
                let horizontal = h >= 2;
                let mut c = cost + if horizontal { STEP_ACROSS } else { STEP_DOWN };
                if heading != NONE && heading != h {
                    c += BEND;
                }
                c += SHARE * self.used(p, q) + CROSS * self.crossing(q, horizontal);
                if q.0 % 2 == 1 && q.1 % 2 == 1 && q != to {
                    c += EMPTY_SLOT;
                }
                let t = state(q, h);
                if c < best[t] {
                    best[t] = c;
                    prev[t] = s;
                    heap.push(Reverse((c, q, h)));
                }
            }
        }
        let mut s = end?;
        let mut path = Vec::new();
        loop {
            let i = s / 5;
            path.push((i / self.cols, i % self.cols));
            if prev[s] == usize::MAX {
                break;
            }
            s = prev[s];
        }
        path.reverse();
        Some(path)
    }

    /// The neighbours of a point with their heading: 0 up, 1 down, 2 left, 3 right.
    fn neighbours(&self, (r, c): Point) -> Vec<(usize, Point)> {
        let mut v = Vec::with_capacity(4);
        if r > 0 {
            v.push((0, (r - 1, c)));
        }
        if r + 1 < self.rows {
            v.push((1, (r + 1, c)));
        }
        if c > 0 {
            v.push((2, (r, c - 1)));
        }
        if c + 1 < self.cols {
            v.push((3, (r, c + 1)));
        }
        v
    }
}

/// A straight piece of a path, along one grid line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Run {
    /// Along a row (else along a column).
    pub horizontal: bool,
    /// The row or column index of the line.
    pub line: usize,
    /// The extent along the line, as the other index: `lo < hi`.
    pub lo: usize,
    /// See `lo`.
    pub hi: usize,
    /// The track on the line, from the tracks' assignment.
    pub track: usize,
}

/// A path's straight runs, in path order.
pub(super) fn runs(path: &[Point]) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    let mut start = 0;
    for i in 1..path.len() {
        let last = i + 1 == path.len();
        let turns = !last && {
            let (a, b, c) = (path[i - 1], path[i], path[i + 1]);
            (a.0 == b.0) != (b.0 == c.0)
        };
        if turns || last {
            let (a, b) = (path[start], path[i]);
            let horizontal = a.0 == b.0;
            let (line, x, y) = if horizontal {
                (a.0, a.1, b.1)
            } else {
                (a.1, a.0, b.0)
            };
            runs.push(Run {
                horizontal,
                line,
                lo: x.min(y),
                hi: x.max(y),
                track: 0,
            });
            start = i;
        }
    }
    runs
}

/// Give every run a track on its line; return the number of tracks of each line, keyed by
/// `(horizontal, line)`. Runs conflict when they overlap, or touch at a point that is not a
/// box (two edges that leave a box on opposite sides may share a track).
pub(super) fn assign_tracks(grid: &Grid, paths: &mut [Vec<Run>]) -> BTreeMap<(bool, usize), usize> {
    // Per line: (lo, hi, edge, run).
    type Item = (usize, usize, usize, usize);
    let mut by_line: BTreeMap<(bool, usize), Vec<Item>> = BTreeMap::new();
    for (e, runs) in paths.iter().enumerate() {
        for (i, r) in runs.iter().enumerate() {
            by_line
                .entry((r.horizontal, r.line))
                .or_default()
                .push((r.lo, r.hi, e, i));
        }
    }
    let mut counts = BTreeMap::new();
    for ((horizontal, line), mut items) in by_line {
        items.sort();
        let at = |x: usize| if horizontal { (line, x) } else { (x, line) };
        let mut tracks: Vec<Vec<(usize, usize)>> = Vec::new();
        for (lo, hi, e, i) in items {
            let conflicts = |&(l, h): &(usize, usize)| {
                (lo.max(l) < hi.min(h))
                    || (hi == l && !grid.is_box(at(hi)))
                    || (h == lo && !grid.is_box(at(lo)))
            };
            let t = tracks
                .iter()
                .position(|taken| !taken.iter().any(conflicts))
                .unwrap_or(tracks.len());
            if t == tracks.len() {
                tracks.push(Vec::new());
            }
            tracks[t].push((lo, hi));
            paths[e][i].track = t;
        }
        counts.insert((horizontal, line), tracks.len());
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_goes_round_a_box_in_its_way() {
        // Three boxes in one lane; from the first to the third.
        let mut g = Grid::new(1, 3);
        for s in 0..3 {
            g.put_box(Grid::cell(0, s));
        }
        let path = g.route(Grid::cell(0, 0), Grid::cell(0, 2)).unwrap();
        assert!(!path[1..path.len() - 1].iter().any(|p| g.is_box(*p)));
        assert_eq!(path.first(), Some(&(1, 1)));
        assert_eq!(path.last(), Some(&(1, 5)));
        // Over or under the middle box: through a channel row.
        assert!(path.iter().any(|p| p.0 == 0 || p.0 == 2), "{path:?}");
    }

    #[test]
    fn a_path_crosses_an_empty_slot() {
        let mut g = Grid::new(1, 3);
        g.put_box(Grid::cell(0, 0));
        g.put_box(Grid::cell(0, 2));
        let path = g.route(Grid::cell(0, 0), Grid::cell(0, 2)).unwrap();
        assert_eq!(path, vec![(1, 1), (1, 2), (1, 3), (1, 4), (1, 5)]);
        assert_eq!(
            runs(&path),
            vec![Run {
                horizontal: true,
                line: 1,
                lo: 1,
                hi: 5,
                track: 0
            }]
        );
    }

    fn run(line: usize, lo: usize, hi: usize) -> Run {
        Run {
            horizontal: false,
            line,
            lo,
            hi,
            track: 0,
        }
    }

    #[test]
    fn runs_get_tracks_apart_unless_a_box_is_between() {
        let mut g = Grid::new(2, 1);
        g.put_box(Grid::cell(1, 0)); // (3, 1)
        let check = |a: Run, b: Run, apart: bool| {
            let mut paths = vec![vec![a], vec![b]];
            let counts = assign_tracks(&g, &mut paths);
            assert_eq!(paths[0][0].track != paths[1][0].track, apart, "{paths:?}");
            assert_eq!(counts[&(false, 1)], if apart { 2 } else { 1 });
        };
        // Two edges into the top of the box: different tracks, so different points.
        check(run(1, 2, 3), run(1, 0, 3), true);
        // Into the top and out of the bottom: the box is between them.
        check(run(1, 2, 3), run(1, 3, 4), false);
        // End to end at an empty point: apart, or they would read as one line.
        check(run(1, 0, 1), run(1, 1, 2), true);
        // Far apart on the same line.
        check(run(1, 0, 1), run(1, 2, 3), false);
    }
}
