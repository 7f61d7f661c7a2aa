//! Renders every shipped environment (parse + validate + render + sha256) many times and
//! prints the time per full pass and the process's peak memory. A benchmark prints figures;
//! it never asserts them. Goal: all environments in under 20 ms and 20 MB (release build).
//!
//! Run: `cargo bench -p dap-planner --bench render` (or `make bench`).

use std::time::Instant;

/// Every shipped environment file, read once (the benchmark times parsing, not reading).
fn environments() -> Vec<dap_testkit::Shipped> {
    dap_testkit::shipped()
}

fn pass(environments: &[dap_testkit::Shipped]) -> usize {
    let mut bytes = 0;
    for e in environments {
        let env = dap_config::parse(&e.file, &e.text).expect("shipped environments are valid");
        let r = dap_planner::render(&env).expect("shipped environments render");
        bytes += r.stacks.iter().map(|s| s.yaml.len()).sum::<usize>();
        bytes += r.manifest_json().len();
    }
    bytes
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let environments = environments();
    let first = Instant::now();
    let bytes = pass(&environments);
    let cold = first.elapsed();
    let iterations = 50;
    let mut times = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let t = Instant::now();
        std::hint::black_box(pass(&environments));
        times.push(t.elapsed());
    }
    times.sort();
    let median = times[iterations / 2];
    let min = times[0];
    let max = times[iterations - 1];
    println!(
        "render all {} environments ({} KiB of templates and manifests)",
        environments.len(),
        bytes / 1024
    );
    println!("  first pass (cold): {:.2} ms", cold.as_secs_f64() * 1e3);
    println!(
        "  {iterations} passes: median {:.2} ms, min {:.2} ms, max {:.2} ms",
        median.as_secs_f64() * 1e3,
        min.as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3
    );
    match peak_rss_kib() {
        Some(kib) => println!("  peak memory (VmHWM): {:.1} MiB", kib as f64 / 1024.0),
        None => println!("  peak memory: unavailable (no /proc/self/status)"),
    }
}
