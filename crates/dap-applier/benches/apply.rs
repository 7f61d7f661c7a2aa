//! Benchmark: the `local` environment on a moto server started for the run. Prints the time
//! and the AWS calls of the first apply (from nothing), of a no-op plan (the goal: one
//! CloudFormation call), of a no-op apply, and of `verify` (goal: under 2 s, calls in
//! parallel; on moto it reports what moto's CloudFormation does not create, which costs the
//! same reads). Prints figures; asserts nothing.
//!
//!     cargo bench -p dap-applier --bench apply          (or `make bench`)
//!     DAP_BENCH_RUNS=50 cargo bench -p dap-applier --bench apply

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region};
use dap_applier::{Applier, Clients, Options, PlanOptions, Quiet};

fn main() {
    let runs: usize = std::env::var("DAP_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let moto = dap_moto::Moto::start().unwrap_or_else(|e| panic!("{e}"));
    let text = include_str!("../../../environments/local.yaml");
    let env = dap_config::parse("environments/local.yaml", text).unwrap();
    let rendered = dap_planner::render(&env).unwrap();
    let resources: usize = rendered.manifest.stacks.iter().map(|s| s.resources).sum();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let config = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(env.region.clone()))
            .endpoint_url(moto.endpoint())
            .credentials_provider(aws_sdk_sts::config::Credentials::new(
                "bench", "bench", None, None, "bench",
            ))
            .load()
            .await;
        let options = Options {
            poll_interval: Duration::from_millis(50),
            ..Options::default()
        };
        let t = Instant::now();
        let applier = Applier::connect(Clients::from_sdk_config(&config), &env, rendered, options)
            .await
            .unwrap();
        let connect = t.elapsed();
        let connect_calls = applier.calls();

        let before = applier.calls();
        let t = Instant::now();
        let plan = applier.plan(PlanOptions::default()).await.unwrap();
        let report = applier.apply(&plan, Arc::new(Quiet)).await.unwrap();
        let first = t.elapsed();
        assert!(report.succeeded(), "{:#?}", report.stacks);
        let first_calls = applier.call_counter().since(&before);

        let mut plan_times = Vec::new();
        let mut noop_calls = None;
        for _ in 0..runs {
            let before = applier.calls();
            let t = Instant::now();
            let plan = applier.plan(PlanOptions::default()).await.unwrap();
            plan_times.push(t.elapsed());
            assert!(!plan.has_changes());
            noop_calls.get_or_insert_with(|| applier.call_counter().since(&before));
        }
        plan_times.sort();

        let plan = applier.plan(PlanOptions::default()).await.unwrap();
        let before = applier.calls();
        let t = Instant::now();
        applier.apply(&plan, Arc::new(Quiet)).await.unwrap();
        let noop_apply = t.elapsed();
        let noop_apply_calls = applier.call_counter().since(&before);

        let mut verify_times = Vec::new();
        let mut verify_calls = None;
        let mut verify_summary = String::new();
        for _ in 0..runs.clamp(1, 10) {
            let before = applier.calls();
            let t = Instant::now();
            let v = applier.verify().await.unwrap();
            verify_times.push(t.elapsed());
            verify_summary = v.summary_line();
            verify_calls.get_or_insert_with(|| applier.call_counter().since(&before));
        }
        verify_times.sort();

        let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
        println!(
            "dap-applier bench: `local` ({} stacks, {} resources) on moto at {}",
            plan.stacks.len(),
            resources,
            moto.endpoint()
        );
        println!(
            "connect (account pin):        {:>10}  {connect_calls}",
            ms(connect)
        );
        println!(
            "first apply (plan + apply):   {:>10}  {first_calls}",
            ms(first)
        );
        println!(
            "no-op plan, median of {runs:<3}:    {:>10}  (min {}, max {})  {}",
            ms(plan_times[plan_times.len() / 2]),
            ms(plan_times[0]),
            ms(plan_times[plan_times.len() - 1]),
            noop_calls.unwrap()
        );
        println!(
            "no-op apply (plan given):     {:>10}  {noop_apply_calls}",
            ms(noop_apply)
        );
        println!(
            "verify, median of {:<3}:        {:>10}  (min {}, max {})  {}",
            verify_times.len(),
            ms(verify_times[verify_times.len() / 2]),
            ms(verify_times[0]),
            ms(verify_times[verify_times.len() - 1]),
            verify_calls.unwrap()
        );
        println!("verify result on moto:        {verify_summary}");
    });
}
