//! Hand-computed numbers on small templates, with a price table of round prices (so the
//! numbers do not move when the shipped table is refreshed), and the errors that name what to
//! fix.

use dap_config::Usage;
use dap_cost::{estimate, CostError, Estimate, PriceTable};
use serde_json::{json, Value};

use crate::close;

/// The shipped table with the prices these tests use set to round numbers.
fn round_prices() -> PriceTable {
    let mut table = crate::prices();
    for (key, usd) in [
        ("glue.etl_dpu_hour", 0.44),
        ("glue.crawler_dpu_hour", 0.44),
        ("athena.tb_scanned", 5.0),
        ("cloudwatch.alarm_month", 0.10),
        ("ec2.t3.small_hour", 0.02),
        ("ebs.gp3_gb_month", 0.1),
    ] {
        table.prices[key].usd = usd;
    }
    table
}

fn price(stacks: &[(&str, Value)], usage: &Usage) -> Result<Estimate, CostError> {
    let stacks: Vec<(String, Value)> = stacks
        .iter()
        .map(|(n, t)| ((*n).to_owned(), t.clone()))
        .collect();
    estimate(&stacks, usage, &round_prices())
}

fn job(workers: u32, worker_type: &str, timeout: u32) -> Value {
    json!({
        "Type": "AWS::Glue::Job",
        "Properties": {
            "Name": format!("job-{worker_type}"),
            "Command": {"Name": "glueetl"},
            "GlueVersion": "5.0",
            "WorkerType": worker_type,
            "NumberOfWorkers": workers,
            "Timeout": timeout
        }
    })
}

fn usd_of(e: &Estimate, stack: &str, id: &str) -> f64 {
    e.stack(stack).unwrap().resource(id).unwrap().monthly_usd
}

#[test]
fn a_glue_job_costs_workers_times_dpu_times_minutes_times_runs() {
    let analytics = json!({"Resources": {
        "Clean": job(5, "G.2X", 120),
        "Curate": job(2, "G.1X", 120),
        "Manual": job(10, "G.8X", 120),
        "CleanDaily": {"Type": "AWS::Glue::Trigger", "Properties": {
            "Type": "SCHEDULED", "Schedule": "cron(0 9 * * ? *)", "StartOnCreation": true,
            "Actions": [{"JobName": {"Ref": "Clean"}}]}},
        "CurateAfterClean": {"Type": "AWS::Glue::Trigger", "Properties": {
            "Type": "CONDITIONAL", "StartOnCreation": true,
            "Actions": [{"JobName": "job-G.1X"}],
            "Predicate": {"Conditions": [
                {"LogicalOperator": "EQUALS", "JobName": {"Ref": "Clean"}, "State": "SUCCEEDED"}]}}},
        "ManualOnDemand": {"Type": "AWS::Glue::Trigger", "Properties": {
            "Type": "ON_DEMAND", "Actions": [{"JobName": {"Ref": "Manual"}}]}}
    }});
    // The crawler lives in another stack and is started by name after the curate job.
    let catalog = json!({"Resources": {
        "Crawler": {"Type": "AWS::Glue::Crawler", "Properties": {"Name": "crawler"}},
        "CrawlAfterCurate": {"Type": "AWS::Glue::Trigger", "Properties": {
            "Type": "CONDITIONAL", "StartOnCreation": true,
            "Actions": [{"CrawlerName": "crawler"}],
            "Predicate": {"Conditions": [{"JobName": "job-G.1X", "State": "SUCCEEDED"}]}}}
    }});
    let usage = Usage {
        job_minutes_per_run: 12,
        job_runs_per_month: 3,
        ..Usage::default()
    };
    let e = price(&[("analytics", analytics), ("catalog", catalog)], &usage).unwrap();
    // 5 workers × 2 DPU × 12/60 h = 2 DPU-hours a run; 365/12 = 30.4167 runs; × $0.44.
    close(
        usd_of(&e, "analytics", "Clean"),
        2.0 * 30.416_666_666_666_668 * 0.44,
    );
    close(usd_of(&e, "analytics", "Clean"), 26.766_666_666_666_666);
    // 2 workers × 1 DPU × 0.2 h = 0.4 DPU-hours a run, as many runs as the clean job.
    close(usd_of(&e, "analytics", "Curate"), 5.353_333_333_333_333);
    // Only on demand: usage.job_runs_per_month (3) runs of 10 × 8 DPU × 0.2 h = 16 DPU-hours.
    close(usd_of(&e, "analytics", "Manual"), 3.0 * 16.0 * 0.44);
    // Crawler: 2 DPU × 10 minutes (the minimum) × 30.4167 runs × $0.44.
    close(
        usd_of(&e, "catalog", "Crawler"),
        2.0 * 10.0 / 60.0 * 30.416_666_666_666_668 * 0.44,
    );
    // Triggers cost nothing themselves.
    let trigger = e
        .stack("analytics")
        .unwrap()
        .resource("CleanDaily")
        .unwrap();
    assert!(trigger.lines.is_empty() && trigger.free.is_some());
    assert_eq!(
        e.stack("analytics").unwrap().resource("Manual").unwrap().lines[0].basis,
        "10 workers × 8 DPU (G.8X) × 12 min × 3 runs (no schedule starts it: usage.job_runs_per_month)"
    );
}

#[test]
fn a_glue_run_bills_at_least_a_minute_and_at_most_its_timeout() {
    let analytics = json!({"Resources": {
        "Short": job(2, "G.1X", 10),
        "Hourly": {"Type": "AWS::Glue::Trigger", "Properties": {
            "Type": "SCHEDULED", "Schedule": "cron(0 * * * ? *)",
            "Actions": [{"JobName": {"Ref": "Short"}}]}}
    }});
    // 12 minutes wanted, the job's timeout is 10: 2 DPU × 10/60 h × 730 runs.
    let usage = Usage {
        job_minutes_per_run: 12,
        ..Usage::default()
    };
    let e = price(&[("a", analytics.clone())], &usage).unwrap();
    close(usd_of(&e, "a", "Short"), 2.0 * 10.0 / 60.0 * 730.0 * 0.44);
    assert!(e.stacks[0].resources[0].lines[0]
        .basis
        .contains("10 min (the job's timeout)"));
    // No minutes at all (possible through the API, not the environment file): one is billed.
    let usage = Usage {
        job_minutes_per_run: 0,
        ..Usage::default()
    };
    let e = price(&[("a", analytics)], &usage).unwrap();
    close(usd_of(&e, "a", "Short"), 2.0 / 60.0 * 730.0 * 0.44);
}

#[test]
fn athena_bills_at_least_10_mb_a_query() {
    let workgroup = |cutoff: u64| {
        json!({"Resources": {"Workgroup": {"Type": "AWS::Athena::WorkGroup", "Properties": {
            "Name": "w",
            "WorkGroupConfiguration": {"BytesScannedCutoffPerQuery": cutoff}}}}})
    };
    let gib = 1024 * 1024 * 1024;
    for (mb, cutoff, billed_mb) in [
        (4, gib, 10.0),               // under the minimum: 10 MB billed
        (50, gib, 50.0),              // as scanned
        (50, 20 * 1024 * 1024, 20.0), // stopped at the workgroup's cutoff
        (0, gib, 10.0),               // even a query that scans nothing
    ] {
        let usage = Usage {
            queries_per_month: 1_000,
            mb_scanned_per_query: mb,
            ..Usage::default()
        };
        let e = price(&[("analytics", workgroup(cutoff))], &usage).unwrap();
        let tb = 1_000.0 * billed_mb / 1_048_576.0;
        let l = &e.stacks[0].resources[0].lines[0];
        close(l.quantity, tb);
        close(l.usd, tb * 5.0);
    }
    // 1,000 queries × 10 MB = 0.00954 TB × $5.
    let usage = Usage {
        queries_per_month: 1_000,
        mb_scanned_per_query: 4,
        ..Usage::default()
    };
    let e = price(&[("analytics", workgroup(gib))], &usage).unwrap();
    close(e.monthly_usd, 0.047_683_715_820_312_5);
    assert_eq!(
        e.stacks[0].resources[0].lines[0].basis,
        "1,000 queries × 10 MB (Athena bills at least 10 MB a query) (usage.queries_per_month, usage.mb_scanned_per_query)"
    );
}

#[test]
fn an_instance_costs_its_hours_and_its_volumes() {
    let reporting = json!({"Resources": {
        "Template": {"Type": "AWS::EC2::LaunchTemplate", "Properties": {
            "LaunchTemplateData": {"InstanceType": "t3.small", "BlockDeviceMappings": [
                {"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 30, "VolumeType": "gp3"}}]}}},
        "Host": {"Type": "AWS::EC2::Instance", "Properties": {
            "LaunchTemplate": {"LaunchTemplateId": {"Ref": "Template"}, "Version": "1"}}}
    }});
    let e = price(&[("reporting", reporting)], &Usage::default()).unwrap();
    // 730 h × $0.02 + 30 GB × $0.10; the template costs nothing itself.
    close(e.monthly_usd, 730.0 * 0.02 + 30.0 * 0.1);
}

#[test]
fn an_unknown_instance_type_is_named_with_the_price_it_lacks() {
    let reporting = json!({"Resources": {
        "Host": {"Type": "AWS::EC2::Instance", "Properties": {"InstanceType": "c7g.large"}}
    }});
    let err = price(&[("dap-prod-reporting", reporting)], &Usage::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "`Host` in stack `dap-prod-reporting` is a `c7g.large` instance, but the price table for `ca-central-1` (`crates/dap-cost/data/prices-ca-central-1.json`) has no `ec2.c7g.large_hour`; add that price to the table"
    );
}

#[test]
fn a_type_neither_priced_nor_free_is_an_error() {
    let template = json!({"Resources": {
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {}}
    }});
    let err = price(&[("dap-prod-queues", template)], &Usage::default()).unwrap_err();
    assert!(matches!(err, CostError::UnknownType { .. }));
    assert_eq!(
        err.to_string(),
        "`Queue` in stack `dap-prod-queues` has type `AWS::SQS::Queue`, which dap-cost neither prices nor lists as free; add it to `PRICED` (with its pricing) or to `FREE` (with the reason) in crates/dap-cost/src/types.rs"
    );
}

#[test]
fn shapes_without_a_price_are_errors_not_zero() {
    for (resource, why) in [
        (
            json!({"Type": "AWS::CloudWatch::Alarm", "Properties": {
                "Namespace": "AWS/Glue", "MetricName": "x", "Period": 10}}),
            "a high-resolution alarm (a period under 60 seconds) has no price in the table",
        ),
        (
            json!({"Type": "AWS::Glue::Job", "Properties": {
                "WorkerType": "Z.2X", "NumberOfWorkers": 2}}),
            "worker type `Z.2X` is not one dap-cost knows (G.025X, G.1X, G.2X, G.4X, G.8X, G.12X, G.16X, R.1X to R.8X, Standard)",
        ),
        (
            json!({"Type": "AWS::Events::Rule", "Properties": {
                "EventPattern": {"source": ["city.licences"]}}}),
            "a rule on custom events: they are billed when published (`events.custom_event`), and the usage assumptions say nothing about them",
        ),
        (
            json!({"Type": "AWS::SSM::Parameter", "Properties": {"Tier": "Advanced"}}),
            "the `Advanced` tier has no price in the table (standard-tier parameters are free)",
        ),
        (
            json!({"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "somewhere-else"}}),
            "its zone is unknown, so is its storage: the platform's buckets are `LandingBucket`, `RawBucket`, `CuratedBucket`, `AthenaResultsBucket`, `AssetsBucket`, `TrailLogsBucket`, `AccessLogsBucket` (or named `<prefix>-<zone>-<account>-<region>`)",
        ),
    ] {
        let template = json!({"Resources": {"R": resource}});
        let err = price(&[("s", template)], &Usage::default()).unwrap_err();
        match err {
            CostError::Unpriceable { why: got, .. } => assert_eq!(got, why),
            other => panic!("{other}"),
        }
    }
}

#[test]
fn a_bucket_is_told_apart_by_its_name_when_its_logical_id_is_another() {
    let template = json!({"Resources": {
        "Mine": {"Type": "AWS::S3::Bucket", "Properties": {
            "BucketName": "dap-x-curated-123456789012-ca-central-1"}}
    }});
    let usage = Usage::default();
    let e = price(&[("s", template)], &usage).unwrap();
    let lines = &e.stacks[0].resources[0].lines;
    assert_eq!(lines[0].quantity, f64::from(usage.storage_gb.curated));
    // The only data bucket: all the requests.
    assert_eq!(lines[1].quantity, usage.requests_per_month.put as f64);
}

/// Every type in `PRICED` has its pricing rule: a bare resource of it is priced, free, or
/// refused for its shape, never an unknown type.
#[test]
fn every_priced_type_has_a_rule() {
    for ty in dap_cost::types::PRICED {
        let template = json!({"Resources": {"R": {"Type": ty, "Properties": {}}}});
        match price(&[("s", template)], &Usage::default()) {
            Ok(_) | Err(CostError::Unpriceable { .. }) => {}
            Err(other) => panic!("{ty}: {other}"),
        }
    }
}
