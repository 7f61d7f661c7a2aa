//! End to end against a moto server: the `local` environment from nothing, no-op plans,
//! one setting changed, destroy; the account pin; templates through S3; assets uploaded once.

use std::sync::Arc;

use dap_applier::{ChangeAction, Error, Options, PlanOptions, Quiet, StackAction, StackOutcome};
use dap_moto::Moto;

use crate::common::{env, env_from, env_text, fast, moto, moto_clients, on_moto, runtime};

/// The stack names of `local`, in deployment order.
const LOCAL: [&str; 7] = [
    "dap-local-security",
    "dap-local-storage",
    "dap-local-audit",
    "dap-local-access",
    "dap-local-catalog",
    "dap-local-analytics",
    "dap-local-monitoring",
];

// Long: one environment's life on moto, read top to bottom (create, no-op plan, one change,
// destroy); each step starts from the state the one before left.
#[test]
fn local_from_nothing_then_no_changes_then_one_retention_change_then_destroy() {
    let moto = moto();
    runtime().block_on(async {
        let local = env("local");
        let applier = on_moto(&moto, &local, fast()).await.unwrap();
        assert_eq!(applier.identity().account, "123456789012");

        // From nothing: every stack is a creation of all its resources, without change sets.
        let plan = applier.plan(PlanOptions::default()).await.unwrap();
        assert!(plan.stacks.iter().all(|s| s.action == StackAction::Create));
        let summary = plan.summary();
        assert_eq!((summary.add, summary.change, summary.remove), (108, 0, 0));
        // No change sets; the search for retained resources of the stacks to create (none).
        assert_eq!(
            applier.calls().0.keys().collect::<Vec<_>>(),
            [
                "cloudformation:DescribeStacks",
                "cloudtrail:GetTrail",
                "cloudwatch logs:DescribeLogGroups",
                "glue:GetDatabase",
                "glue:GetTable",
                "kms:ListAliases",
                "kms:ListKeys",
                "s3:HeadBucket",
                "sts:GetCallerIdentity"
            ]
        );
        assert!(plan.imports().is_empty());

        let report = applier.apply(&plan, Arc::new(Quiet)).await.unwrap();
        assert!(report.succeeded(), "{:#?}", report.stacks);
        let names: Vec<&str> = report.stacks.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, LOCAL);
        assert!(report
            .stacks
            .iter()
            .all(|s| s.outcome == StackOutcome::Created));
        let storage = &report.stacks[1];
        assert!(
            storage.outputs.iter().any(|o| o.key == "LandingBucketName"
                && o.value == "dap-local-landing-123456789012-ca-central-1"),
            "{:?}",
            storage.outputs
        );
        assert_eq!(report.assets.len(), 3);
        assert!(report.assets.iter().all(|a| a.uploaded));
        // The catalog stack carries the six data-quality rulesets, which moto accepts without
        // creating (ARCHITECTURE.md, "moto gaps"); the no-op plan below proves the deployed
        // template is the one with them.
        let rendered = dap_planner::render(&local).unwrap();
        let catalog = rendered
            .stacks
            .iter()
            .find(|s| s.name == "dap-local-catalog")
            .unwrap();
        assert_eq!(
            catalog
                .yaml
                .matches("Type: AWS::Glue::DataQualityRuleset")
                .count(),
            6
        );

        // Plan again: nothing changed, and it took a single CloudFormation call.
        let before = applier.calls();
        let plan = applier.plan(PlanOptions::default()).await.unwrap();
        let calls = applier.call_counter().since(&before);
        assert!(!plan.has_changes(), "{plan:#?}");
        assert_eq!(calls.total(), 1, "{calls}");
        assert_eq!(calls.get("cloudformation:DescribeStacks"), 1);

        // Apply again: nothing to do, and no call at all (no write in particular).
        let before = applier.calls();
        let report = applier.apply(&plan, Arc::new(Quiet)).await.unwrap();
        assert!(report
            .stacks
            .iter()
            .all(|s| s.outcome == StackOutcome::Unchanged));
        assert_eq!(applier.call_counter().since(&before).total(), 0);

        // One setting changes: the plan shows exactly that change.
        let changed_text =
            env_text("local").replace("landing_expiry_days: 7", "landing_expiry_days: 14");
        let changed = env_from("local", &changed_text);
        let applier = on_moto(&moto, &changed, fast()).await.unwrap();
        let plan = applier.plan(PlanOptions::default()).await.unwrap();
        let summary = plan.summary();
        assert_eq!((summary.add, summary.change, summary.remove), (0, 1, 0));
        let updated: Vec<&str> = plan
            .stacks
            .iter()
            .filter(|s| s.action != StackAction::None)
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(updated, ["dap-local-storage"]);
        let storage = &plan.stacks[1];
        assert!(
            storage.stack_changes.is_empty(),
            "{:?}",
            storage.stack_changes
        );
        let change = &storage.changes[0];
        assert_eq!(change.action, ChangeAction::Modify);
        assert_eq!(
            (change.resource_type.as_str(), change.logical_id.as_str()),
            ("AWS::S3::Bucket", "LandingBucket")
        );
        let props: Vec<(String, String, String)> = change
            .properties
            .iter()
            .map(|p| {
                (
                    p.path.clone(),
                    p.before.as_ref().unwrap().to_string(),
                    p.after.as_ref().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(props.len(), 1, "{props:?}");
        assert!(
            props[0].0.starts_with("LifecycleConfiguration.Rules["),
            "{props:?}"
        );
        assert!(props[0].0.ends_with("].ExpirationInDays"), "{props:?}");
        assert_eq!((props[0].1.as_str(), props[0].2.as_str()), ("7", "14"));
        let calls = applier.calls();
        assert_eq!(calls.get("cloudformation:CreateChangeSet"), 1, "{calls}");
        assert_eq!(calls.get("cloudformation:DeleteChangeSet"), 1, "{calls}");

        let report = applier.apply(&plan, Arc::new(Quiet)).await.unwrap();
        assert!(report.succeeded(), "{:#?}", report.stacks);
        assert_eq!(report.stacks[1].outcome, StackOutcome::Updated);
        assert!(report
            .stacks
            .iter()
            .enumerate()
            .all(|(i, s)| i == 1 || s.outcome == StackOutcome::Unchanged));
        assert!(
            report.assets.is_empty(),
            "no stack that uses the scripts changed"
        );
        assert!(!applier
            .plan(PlanOptions::default())
            .await
            .unwrap()
            .has_changes());

        // Destroy: every stack goes, dependents first; the data stays.
        let destroy = applier.destroy_plan().await.unwrap();
        let order: Vec<&str> = destroy.stacks.iter().map(|s| s.name.as_str()).collect();
        let mut reversed = LOCAL.to_vec();
        reversed.reverse();
        assert_eq!(order, reversed);
        let report = applier.destroy(&destroy, Arc::new(Quiet)).await.unwrap();
        assert!(report.succeeded(), "{:#?}", report.stacks);
        let kept_buckets: Vec<&str> = report
            .retained
            .iter()
            .filter(|r| r.resource_type == "AWS::S3::Bucket")
            .map(|r| r.physical_id.as_deref().unwrap())
            .collect();
        assert_eq!(kept_buckets.len(), 7, "{kept_buckets:?}");
        assert!(report
            .retained
            .iter()
            .any(|r| r.resource_type == "AWS::KMS::Key"));
        let s3 = s3_client(&moto).await;
        let buckets = s3.list_buckets().send().await.unwrap();
        let mut existing: Vec<&str> = buckets.buckets().iter().filter_map(|b| b.name()).collect();
        existing.sort();
        let mut kept = kept_buckets.clone();
        kept.sort();
        assert_eq!(existing, kept);
        assert!(existing.contains(&"dap-local-landing-123456789012-ca-central-1"));
        // And nothing of the environment is left to plan against: a fresh plan creates again.
        let plan = applier.plan(PlanOptions::default()).await.unwrap();
        assert!(plan.stacks.iter().all(|s| s.action == StackAction::Create));
    });
}

async fn s3_client(moto: &Moto) -> aws_sdk_s3::Client {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("ca-central-1"))
        .endpoint_url(moto.endpoint())
        .credentials_provider(aws_sdk_sts::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .load()
        .await;
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    )
}

#[test]
fn a_refreshed_plan_of_an_unchanged_environment_reads_moto_s_no_changes_answers_as_none() {
    let moto = moto();
    runtime().block_on(async {
        let local = env("local");
        let applier = on_moto(&moto, &local, fast()).await.unwrap();
        let plan = applier.plan(PlanOptions::default()).await.unwrap();
        assert!(applier
            .apply(&plan, Arc::new(Quiet))
            .await
            .unwrap()
            .succeeded());
        let before = applier.calls();
        let refresh = PlanOptions {
            refresh: true,
            ..PlanOptions::default()
        };
        let plan = applier.plan(refresh).await.unwrap();
        assert!(!plan.has_changes(), "{plan:#?}");
        let calls = applier.call_counter().since(&before);
        assert_eq!(calls.get("cloudformation:CreateChangeSet"), 7, "{calls}");
        assert_eq!(calls.get("cloudformation:DeleteChangeSet"), 7, "{calls}");
    });
}

#[test]
fn a_kept_change_set_outlives_the_plan() {
    let moto = moto();
    runtime().block_on(async {
        let applier = on_moto(&moto, &env("local"), fast()).await.unwrap();
        let plan = applier.plan(PlanOptions::default()).await.unwrap();
        assert!(applier
            .apply(&plan, Arc::new(Quiet))
            .await
            .unwrap()
            .succeeded());
        let text = env_text("local").replace("log_retention_days: 30", "log_retention_days: 60");
        let changed = env_from("local", &text);
        let applier = on_moto(&moto, &changed, fast()).await.unwrap();
        let keep = PlanOptions {
            keep_change_sets: true,
            ..PlanOptions::default()
        };
        let plan = applier.plan(keep).await.unwrap();
        let changed: Vec<&dap_applier::StackPlan> = plan
            .stacks
            .iter()
            .filter(|s| s.action == StackAction::Update)
            .collect();
        assert!(!changed.is_empty());
        assert_eq!(applier.calls().get("cloudformation:DeleteChangeSet"), 0);
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("ca-central-1"))
            .endpoint_url(moto.endpoint())
            .credentials_provider(aws_sdk_sts::config::Credentials::new(
                "testing", "testing", None, None, "test",
            ))
            .load()
            .await;
        let cfn = aws_sdk_cloudformation::Client::new(&config);
        for s in changed {
            let id = s.change_set_id.as_deref().expect("kept");
            let cs = cfn
                .describe_change_set()
                .change_set_name(id)
                .send()
                .await
                .unwrap();
            assert_eq!(cs.stack_name(), Some(s.name.as_str()));
            assert!(!cs.changes().is_empty());
        }
    });
}

#[test]
fn the_account_pin_refuses_another_account_after_one_call() {
    // A second server that answers as another account, as a wrong profile would.
    let other = Moto::start_with(&dap_moto::Options {
        account_id: Some("210987654321".to_owned()),
        ..Default::default()
    })
    .unwrap();
    runtime().block_on(async {
        let local = env("local");
        let clients = moto_clients(other.endpoint(), &local.region).await;
        let counter = clients.calls().clone();
        let rendered = dap_planner::render(&local).unwrap();
        let err = match dap_applier::Applier::connect(clients, &local, rendered, fast()).await {
            Err(e) => e,
            Ok(_) => panic!("connected to the wrong account"),
        };
        assert!(matches!(err, Error::WrongAccount { .. }), "{err}");
        let text = err.to_string();
        assert!(text.contains("`210987654321`"), "{text}");
        assert!(text.contains("`123456789012`"), "{text}");
        let calls = counter.snapshot();
        assert_eq!(calls.total(), 1, "{calls}");
        assert_eq!(calls.get("sts:GetCallerIdentity"), 1);
    });
}

#[test]
fn the_region_pin_refuses_another_region_before_any_call() {
    let moto = moto();
    runtime().block_on(async {
        let local = env("local");
        let clients = moto_clients(moto.endpoint(), "us-west-2").await;
        let counter = clients.calls().clone();
        let rendered = dap_planner::render(&local).unwrap();
        let err = match dap_applier::Applier::connect(clients, &local, rendered, fast()).await {
            Err(e) => e,
            Ok(_) => panic!("connected in the wrong region"),
        };
        assert_eq!(
            err.to_string(),
            "wrong region: the AWS configuration selects region `us-west-2`, but environment `local` is pinned to region `ca-central-1`; nothing was read or written"
        );
        assert_eq!(counter.snapshot().total(), 0);
    });
}

#[test]
fn templates_over_the_inline_limit_go_through_the_assets_bucket() {
    let moto = moto();
    runtime().block_on(async {
        let local = env("local");
        let options = Options {
            inline_template_limit: 22_000,
            ..fast()
        };
        let applier = on_moto(&moto, &local, options).await.unwrap();
        let rendered = dap_planner::render(&local).unwrap();
        let big: Vec<&str> = rendered
            .stacks
            .iter()
            .filter(|s| s.yaml.len() > 22_000)
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(
            big,
            [
                "dap-local-access",
                "dap-local-catalog",
                "dap-local-monitoring"
            ]
        );
        let plan = applier.plan(PlanOptions::default()).await.unwrap();
        let report = applier.apply(&plan, Arc::new(Quiet)).await.unwrap();
        assert!(report.succeeded(), "{:#?}", report.stacks);
        // Two scripts, the data-quality module and three templates.
        assert_eq!(
            applier.calls().get("s3:PutObject"),
            6,
            "{}",
            applier.calls()
        );
        assert!(!applier
            .plan(PlanOptions::default())
            .await
            .unwrap()
            .has_changes());
    });
}

#[test]
fn an_unchanged_script_is_not_uploaded_again() {
    let moto = moto();
    runtime().block_on(async {
        let applier = on_moto(&moto, &env("local"), fast()).await.unwrap();
        let plan = applier.plan(PlanOptions::default()).await.unwrap();
        assert!(applier
            .apply(&plan, Arc::new(Quiet))
            .await
            .unwrap()
            .succeeded());
        // A Glue setting changes the analytics stack, which refers to the scripts.
        let text = env_text("local").replace(
            "monthly_usd: 50",
            "monthly_usd: 50\n\nglue:\n  timeout_minutes: 30",
        );
        let changed = env_from("local", &text);
        let applier = on_moto(&moto, &changed, fast()).await.unwrap();
        let plan = applier.plan(PlanOptions::default()).await.unwrap();
        let updated: Vec<&str> = plan
            .stacks
            .iter()
            .filter(|s| s.action != StackAction::None)
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(updated, ["dap-local-analytics"]);
        let report = applier.apply(&plan, Arc::new(Quiet)).await.unwrap();
        assert!(report.succeeded(), "{:#?}", report.stacks);
        assert_eq!(report.assets.len(), 3);
        assert!(report.assets.iter().all(|a| !a.uploaded));
        let calls = applier.calls();
        assert_eq!(calls.get("s3:HeadObject"), 3, "{calls}");
        assert_eq!(calls.get("s3:PutObject"), 0, "{calls}");
    });
}
