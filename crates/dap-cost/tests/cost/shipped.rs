//! Every shipped environment priced: sums that add up, the prod estimate as users see it, and
//! every resource type the platform can emit known to the estimate.

use std::collections::BTreeSet;

use dap_cost::types::{is_known, FREE, PRICED};

use crate::{close, prices, shipped, shipped_named, usd};

#[test]
fn every_shipped_environment_is_priced_and_its_sums_add_up() {
    let table = prices();
    for (env, rendered) in shipped() {
        let estimate = dap_cost::estimate_rendered(&rendered, &env)
            .unwrap_or_else(|e| panic!("{}: {e}", env.name));
        let names: Vec<&str> = estimate.stacks.iter().map(|s| s.name.as_str()).collect();
        let expected: Vec<&str> = rendered.stacks.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, expected, "{}", env.name);
        for (stack, rendered_stack) in estimate.stacks.iter().zip(&rendered.stacks) {
            assert_eq!(
                stack.resources.len(),
                rendered_stack.template.resources.len(),
                "{}: every resource is listed, free ones included",
                stack.name
            );
            for r in &stack.resources {
                assert!(
                    r.lines.is_empty() != r.free.is_none(),
                    "{}/{}: lines or a reason to be free",
                    stack.name,
                    r.logical_id
                );
                for l in &r.lines {
                    let price = table.price(&l.price).unwrap();
                    assert!(l.quantity.is_finite() && l.quantity >= 0.0, "{l:?}");
                    close(l.usd, l.quantity * price.usd);
                    assert_eq!(l.unit, price.unit);
                    assert!(!l.basis.is_empty());
                }
                close(r.monthly_usd, r.lines.iter().map(|l| l.usd).sum());
            }
            close(
                stack.monthly_usd,
                stack.resources.iter().map(|r| r.monthly_usd).sum(),
            );
        }
        close(
            estimate.monthly_usd,
            estimate.stacks.iter().map(|s| s.monthly_usd).sum(),
        );
        assert!(estimate.monthly_usd > 10.0, "{}", env.name);
        let used: Vec<&str> = estimate
            .stacks
            .iter()
            .flat_map(|s| &s.resources)
            .flat_map(|r| &r.lines)
            .map(|l| table.price(&l.price).unwrap().as_of.as_str())
            .collect();
        assert_eq!(
            Some(estimate.prices_as_of.as_str()),
            used.iter().copied().min(),
            "the oldest date of the prices used"
        );
    }
}

#[test]
fn the_prod_estimate_as_users_see_it() {
    let (env, rendered) = shipped_named("prod");
    let estimate = dap_cost::estimate_rendered(&rendered, &env).unwrap();
    let text = dap_cost::render_text(&estimate, Some(f64::from(env.budget.monthly_usd)));
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!("prod-estimate", text));
}

#[test]
fn the_estimate_serializes_for_json_output() {
    let (env, rendered) = shipped_named("dev");
    let estimate = dap_cost::estimate_rendered(&rendered, &env).unwrap();
    let json = serde_json::to_value(&estimate).unwrap();
    assert_eq!(json["region"], "ca-central-1");
    assert_eq!(json["stacks"][0]["name"], "dap-dev-security");
    let key = &json["stacks"][0]["resources"][0];
    assert_eq!(key["resource_type"], "AWS::KMS::Key");
    assert_eq!(key["lines"][0]["price"], "kms.key_month");
    assert_eq!(key["lines"][0]["quantity"], 1.0);
    assert!(key.get("free").is_none());
    let back: dap_cost::Estimate = serde_json::from_value(json).unwrap();
    assert_eq!(back, estimate);
}

/// Every type any environment emits, and every type `dap-cfn` can model (its table and the
/// type names written in `crates/dap-cfn/src/resources/*.rs`), is priced or listed free.
#[test]
fn every_resource_type_is_priced_or_free() {
    let mut types: BTreeSet<String> = BTreeSet::new();
    for (_, rendered) in shipped() {
        for s in &rendered.stacks {
            for entry in s.template.resources.values() {
                types.insert(entry.type_name().to_owned());
            }
        }
    }
    types.extend(
        dap_cfn::resources::RESOURCE_TYPES
            .iter()
            .map(|t| (*t).to_owned()),
    );
    let dir = dap_testkit::repo().join("crates/dap-cfn/src/resources");
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|x| x == "rs") {
            files += 1;
            types.extend(type_names(&std::fs::read_to_string(&path).unwrap()));
        }
    }
    assert!(files >= 10, "{}", dir.display());
    assert!(types.len() >= 30, "{types:?}");
    let unknown: Vec<&String> = types.iter().filter(|t| !is_known(t)).collect();
    assert!(
        unknown.is_empty(),
        "types neither in PRICED nor in FREE (crates/dap-cost/src/types.rs): {unknown:?}"
    );
    // Nothing listed that no one can emit: the lists describe the platform.
    for t in PRICED.iter().chain(FREE.iter().map(|(t, _)| t)) {
        assert!(
            types.contains(*t),
            "{t} is listed but dap-cfn has no such type"
        );
    }
}

/// `AWS::<Service>::<Type>` names in a source text (not `AWS::SSM::Parameter::Value<...>`,
/// a parameter type, nor `AWS::S3::Object`, a CloudTrail data resource type).
fn type_names(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in source.match_indices("\"AWS::") {
        let rest = &source[at + 1..];
        let end = rest.find('"').unwrap_or(rest.len());
        let name = &rest[..end];
        let parts: Vec<&str> = name.split("::").collect();
        let ok = parts.len() == 3
            && parts[1..]
                .iter()
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()));
        if ok && name != "AWS::S3::Object" {
            out.push(name.to_owned());
        }
    }
    out
}

#[test]
fn prod_glue_runs_follow_the_schedule_and_the_chained_triggers() {
    let (env, rendered) = shipped_named("prod");
    let estimate = dap_cost::estimate_rendered(&rendered, &env).unwrap();
    let analytics = estimate.stack("dap-prod-analytics").unwrap();
    let daily = 365.0 / 12.0;
    // prod: G.2X × 5 workers; 5 minutes a run (the default); daily at 09:00 UTC.
    let clean = &analytics
        .resource("BusinessLicencesCleanJob")
        .unwrap()
        .lines[0];
    close(clean.quantity, 5.0 * 2.0 * 5.0 / 60.0 * daily);
    close(clean.usd, clean.quantity * usd("glue.etl_dpu_hour"));
    assert_eq!(
        clean.basis,
        "5 workers × 2 DPU (G.2X) × 5 min × 30.42 runs (cron(0 9 * * ? *))"
    );
    // The curate job runs when the clean job succeeds: as often.
    let curate = &analytics
        .resource("BusinessLicencesCurateJob")
        .unwrap()
        .lines[0];
    close(curate.quantity, clean.quantity);
    assert_eq!(
        curate.basis,
        "5 workers × 2 DPU (G.2X) × 5 min × 30.42 runs (after BusinessLicencesCleanJob; cron(0 9 * * ? *))"
    );
    // The crawler (catalog stack) runs when the curate job (analytics stack) succeeds.
    let catalog = estimate.stack("dap-prod-catalog").unwrap();
    let crawler = &catalog.resource("BusinessLicencesCrawler").unwrap().lines[0];
    close(crawler.quantity, 2.0 * 10.0 / 60.0 * daily);
    close(crawler.usd, crawler.quantity * usd("glue.crawler_dpu_hour"));

    // staging: G.1X × 3 workers, weekdays only.
    let (env, rendered) = shipped_named("staging");
    let estimate = dap_cost::estimate_rendered(&rendered, &env).unwrap();
    let clean = &estimate.stack("dap-staging-analytics").unwrap().resources;
    let clean = &clean
        .iter()
        .find(|r| r.logical_id == "BusinessLicencesCleanJob")
        .unwrap()
        .lines[0];
    close(clean.quantity, 3.0 * 1.0 * 5.0 / 60.0 * (5.0 / 7.0 * daily));
}

#[test]
fn prod_spreads_the_usage_assumptions_as_documented() {
    let (env, rendered) = shipped_named("prod");
    let estimate = dap_cost::estimate_rendered(&rendered, &env).unwrap();
    let storage = estimate.stack("dap-prod-storage").unwrap();
    let quantities = |id: &str| -> Vec<(String, f64)> {
        storage
            .resource(id)
            .unwrap()
            .lines
            .iter()
            .map(|l| (l.price.clone(), l.quantity))
            .collect()
    };
    // Defaults: landing 2 GB; requests 10,000 PUT and 100,000 GET over the 4 data buckets.
    assert_eq!(
        quantities("LandingBucket"),
        [
            ("s3.standard_gb_month".to_owned(), 2.0),
            ("s3.put_request".to_owned(), 2_500.0),
            ("s3.get_request".to_owned(), 25_000.0)
        ]
    );
    // Logs: 2 GB over the trail-logs and access-logs buckets; no requests counted.
    assert_eq!(
        quantities("AccessLogsBucket"),
        [("s3.standard_gb_month".to_owned(), 1.0)]
    );
    // KMS: two keys, rotated: three key-months each, and half the requests.
    let security = estimate.stack("dap-prod-security").unwrap();
    let key: f64 = security.resources[0].monthly_usd;
    close(
        key,
        3.0 * usd("kms.key_month") + 10_000.0 * usd("kms.request"),
    );
    // Logs: 2 GB ingested over the 6 log groups, kept 731 days.
    let audit = estimate.stack("dap-prod-audit").unwrap();
    let group = &audit.resource("TrailLogGroup").unwrap().lines;
    close(group[0].quantity, 2.0 / 6.0);
    close(group[1].quantity, 2.0 / 6.0 * 731.0 / (365.0 / 12.0));
    // The reporting host: t3.small always on, its 30 GB gp3 volume, detailed monitoring.
    let host = estimate
        .stack("dap-prod-reporting")
        .unwrap()
        .resource("ReportingHost")
        .unwrap();
    let lines: Vec<(&str, f64)> = host
        .lines
        .iter()
        .map(|l| (l.price.as_str(), l.quantity))
        .collect();
    assert_eq!(
        lines,
        [
            ("ec2.t3.small_hour", 730.0),
            ("ebs.gp3_gb_month", 30.0),
            ("cloudwatch.metric_month", 7.0)
        ]
    );
}
