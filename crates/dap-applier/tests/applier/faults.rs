//! Throttling, HTTP 500 and dropped connections, injected by a loopback proxy in front of moto:
//! the SDK's retry configuration ([`dap_applier::retry_config`]) absorbs them and the apply
//! converges to the same stacks as a clean run.

use std::collections::BTreeMap;
use std::sync::Arc;

use dap_applier::{Applier, ConnectOptions, Quiet};
use dap_moto::{Fault, FaultProxy, Moto, Schedule};

use crate::common::{env, fast, moto, runtime};

/// Each stack of the environment with its resources (logical id and type), as moto has them.
fn deployed(moto: &Moto, stacks: &[String]) -> BTreeMap<String, Vec<(String, String)>> {
    stacks
        .iter()
        .map(|s| {
            let xml = moto
                .cloudformation(
                    "ca-central-1",
                    "ListStackResources",
                    &[("StackName", s.as_str())],
                )
                .unwrap();
            let ids = elements(&xml, "LogicalResourceId");
            let types = elements(&xml, "ResourceType");
            let mut resources: Vec<(String, String)> = ids.into_iter().zip(types).collect();
            resources.sort();
            (s.clone(), resources)
        })
        .collect()
}

fn elements(xml: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    xml.split(&open)
        .skip(1)
        .filter_map(|rest| rest.split(&close).next().map(str::to_owned))
        .collect()
}

/// Apply `local` with the clients `load_clients` builds (the real retry configuration), the
/// endpoint given; the applier's call counts afterwards.
fn apply_local(endpoint: &str) -> dap_applier::CallCounts {
    let mut local = env("local");
    local.endpoint_url = Some(endpoint.to_owned());
    runtime().block_on(async {
        let clients = dap_applier::load_clients(&local, &ConnectOptions::default()).await;
        let rendered = dap_planner::render(&local).unwrap();
        let applier = Applier::connect(clients, &local, rendered, fast())
            .await
            .unwrap();
        let plan = applier.plan(Default::default()).await.unwrap();
        let report = applier.apply(&plan, Arc::new(Quiet)).await.unwrap();
        assert!(report.succeeded(), "{report:?}");
        let again = applier.plan(Default::default()).await.unwrap();
        assert!(!again.has_changes(), "{}", again.summary());
        applier.calls()
    })
}

#[test]
fn an_apply_through_throttling_500s_and_resets_converges_to_the_stacks_of_a_clean_run() {
    let moto = moto();
    let clean_calls = apply_local(moto.endpoint());
    let names = moto.stack_names("ca-central-1").unwrap();
    assert_eq!(names.len(), 7, "{names:?}");
    let clean = deployed(&moto, &names);
    println!("clean run: {clean_calls}");

    moto.reset().unwrap();
    // Reads and writes of several services and protocols: the query protocol (the first
    // `DescribeStacks`, two stack creations), S3 (a `HeadBucket` of the plan's search for
    // retained buckets, an asset upload) and JSON (KMS `ListKeys`); throttling, HTTP 500 and
    // a reset in turn.
    let schedule = Schedule {
        every: 0,
        kinds: vec![Fault::Throttle, Fault::ServerError, Fault::Reset],
        limit: 6,
        operations: [
            "DescribeStacks",
            "CreateStack dap-local-security",
            "S3 HEAD",
            "TrentService.ListKeys",
            "CreateStack dap-local-storage",
            "S3 PUT",
        ]
        .map(str::to_owned)
        .to_vec(),
    };
    let proxy = FaultProxy::start(moto.port(), schedule).unwrap();
    let faulty_calls = apply_local(&proxy.endpoint());
    let counts = proxy.counts();
    println!("through the proxy: {faulty_calls}; proxy saw {counts:?}");

    assert_eq!(
        counts.faults,
        [
            (Fault::Throttle, 2),
            (Fault::ServerError, 2),
            (Fault::Reset, 2)
        ],
        "every scheduled fault was injected"
    );
    assert_eq!(
        faulty_calls.total(),
        counts.requests,
        "the call counter counts every attempt, retries included"
    );
    assert_eq!(counts.requests, counts.forwarded + counts.total_faults());
    assert_eq!(
        faulty_calls.total(),
        clean_calls.total() + counts.total_faults(),
        "each fault costs exactly one retry: {faulty_calls} vs {clean_calls}"
    );
    assert!(
        faulty_calls.writes().values().sum::<usize>()
            > clean_calls.writes().values().sum::<usize>(),
        "writes were retried too: {faulty_calls} vs {clean_calls}"
    );
    assert_eq!(moto.stack_names("ca-central-1").unwrap(), names);
    assert_eq!(
        deployed(&moto, &names),
        clean,
        "the same stacks and resources"
    );
    for s in &names {
        assert_eq!(
            moto.change_set_names("ca-central-1", s).unwrap(),
            Vec::<String>::new(),
            "no change set left on `{s}`"
        );
    }
}
