//! Checks every shipped environment's rendered templates many times and prints the time per
//! full pass: `check_rendered` (serialize each typed template to its tree, run every rule,
//! apply suppressions), and for comparison the same from the YAML text (`check_sources`,
//! which also parses it). A benchmark prints figures; it never asserts them. Goal: all
//! environments in under 10 ms.
//!
//! Run: `cargo bench -p dap-rules --bench check` (or `make bench`).

use std::time::{Duration, Instant};

fn median(mut times: Vec<Duration>) -> (Duration, Duration, Duration) {
    times.sort();
    (times[times.len() / 2], times[0], times[times.len() - 1])
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let rendered: Vec<_> = dap_testkit::shipped()
        .iter()
        .map(|e| {
            let env = dap_config::parse(&e.file, &e.text).expect("shipped environments are valid");
            let r = dap_planner::render(&env).expect("shipped environments render");
            (env, r)
        })
        .collect();
    let pass = || {
        let mut findings = 0;
        for (env, r) in &rendered {
            let report = dap_rules::check_rendered(env, r);
            assert!(!report.has_errors(), "{}: {:?}", env.name, report.findings);
            findings += report.findings.len();
        }
        findings
    };
    let from_text = || {
        let mut findings = 0;
        for (env, r) in &rendered {
            let files = dap_rules::files(r);
            let sources = dap_rules::sources(r, &files);
            let report = dap_rules::check_sources(&env.name, &sources, Some(env)).unwrap();
            findings += report.findings.len();
        }
        findings
    };
    let first = Instant::now();
    let findings = pass();
    let cold = first.elapsed();
    let iterations = 50;
    let time = |f: &dyn Fn() -> usize| {
        let times: Vec<Duration> = (0..iterations)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed()
            })
            .collect();
        median(times)
    };
    let (median, min, max) = time(&pass);
    let (text_median, text_min, _) = time(&from_text);
    let bytes: usize = rendered
        .iter()
        .flat_map(|(_, r)| r.stacks.iter().map(|s| s.yaml.len()))
        .sum();
    let resources: usize = rendered
        .iter()
        .flat_map(|(_, r)| r.stacks.iter().map(|s| s.template.resources.len()))
        .sum();
    println!(
        "check all {} environments ({} rules, {} resources, {} KiB of templates, {} suppressed findings)",
        rendered.len(),
        dap_rules::rules::all().len(),
        resources,
        bytes / 1024,
        findings
    );
    println!("  first pass (cold): {:.2} ms", ms(cold));
    println!(
        "  check_rendered, {iterations} passes: median {:.2} ms, min {:.2} ms, max {:.2} ms (goal: under 10 ms)",
        ms(median),
        ms(min),
        ms(max)
    );
    println!(
        "  from the YAML text (check_sources, parsing included): median {:.2} ms, min {:.2} ms",
        ms(text_median),
        ms(text_min)
    );
}
