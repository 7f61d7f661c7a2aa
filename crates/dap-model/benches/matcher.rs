//! The IAM matcher on adversarial input: sixty stars against a forty-character name, the
//! input a backtracking matcher would take hours on. Prints the figures.
use std::hint::black_box;
use std::time::Instant;

use dap_model::matcher::{covers, glob_nocase, intersects, overlaps_nocase};

fn time(label: &str, runs: u32, f: impl Fn() -> bool) {
    let start = Instant::now();
    let mut hits = 0u32;
    for _ in 0..runs {
        hits += u32::from(black_box(f()));
    }
    let per = start.elapsed() / runs;
    println!("{label:<48} {per:>10.2?} per call ({hits}/{runs} true)");
}

fn main() {
    let pattern = format!("s3:List{}x", "*".repeat(60));
    let name = "s3:ListBucketMultipartUploadsAndMoreYY!!";
    assert_eq!(name.len(), 40);
    time("glob: 60 stars vs 40 chars (no match)", 10_000, || {
        glob_nocase(black_box(&pattern), black_box(name))
    });
    time("covers: 60 stars vs 40-char prefix", 10_000, || {
        covers(black_box(&pattern), black_box(name))
    });
    time("intersects: 60 stars vs 40-char prefix", 10_000, || {
        intersects(black_box(&pattern), black_box(name))
    });
    let a = format!("{}x", "*".repeat(60));
    let b = format!("{}y", "*".repeat(40));
    time("overlaps: 60-star vs 40-star pattern", 1_000, || {
        overlaps_nocase(black_box(&a), black_box(&b))
    });
    time("glob: s3:Get* vs s3:GetObject", 100_000, || {
        glob_nocase(black_box("s3:Get*"), black_box("s3:GetObject"))
    });
}
