//! What moto cannot produce, against scripted responses at the SDK boundary
//! (aws-smithy-mocks): a stack failing and rolling back, throttling, AWS's forms of "no
//! changes", paged change sets with details, termination protection, stuck stacks.

use std::sync::Arc;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region};
use aws_sdk_cloudformation::error::ErrorMetadata;
use aws_sdk_cloudformation::operation::create_change_set::{
    CreateChangeSetError, CreateChangeSetOutput,
};
use aws_sdk_cloudformation::operation::create_stack::CreateStackOutput;
use aws_sdk_cloudformation::operation::delete_change_set::DeleteChangeSetOutput;
use aws_sdk_cloudformation::operation::delete_stack::DeleteStackOutput;
use aws_sdk_cloudformation::operation::describe_change_set::DescribeChangeSetOutput;
use aws_sdk_cloudformation::operation::describe_stack_events::DescribeStackEventsOutput;
use aws_sdk_cloudformation::operation::describe_stacks::DescribeStacksOutput;
use aws_sdk_cloudformation::operation::get_template::GetTemplateOutput;
use aws_sdk_cloudformation::operation::list_change_sets::ListChangeSetsOutput;
use aws_sdk_cloudformation::operation::list_stack_resources::ListStackResourcesOutput;
use aws_sdk_cloudformation::operation::update_stack::UpdateStackError;
use aws_sdk_cloudformation::operation::update_termination_protection::UpdateTerminationProtectionOutput;
use aws_sdk_cloudformation::types::{
    Change, ChangeAction as SdkAction, ChangeSetStatus, ChangeSource, Replacement,
    ResourceAttribute, ResourceChange, ResourceChangeDetail, ResourceStatus,
    ResourceTargetDefinition, Stack, StackEvent, StackResourceSummary, StackStatus, Tag,
};
use aws_sdk_s3::operation::head_object::HeadObjectError;
use aws_sdk_s3::operation::put_object::PutObjectOutput;
use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput;
use aws_smithy_mocks::{create_mock_http_client, mock, MockResponseInterceptor, Rule, RuleMode};
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::DateTime;
use dap_applier::{
    Applier, CallCounter, ChangeAction, Clients, Error, Options, PlanOptions, Quiet, StackAction,
    StackOutcome, TEMPLATE_SHA_TAG,
};
use dap_config::Environment;
use dap_planner::Rendered;

use crate::common::{env, runtime};

fn fast() -> Options {
    Options {
        poll_interval: Duration::from_millis(1),
        timeout: Duration::from_secs(10),
        ..Options::default()
    }
}

/// Clients answering from scripts; STS says the calls come from `account`.
fn clients(cfn_rules: &[&Rule], s3_rules: &[&Rule], account: &str) -> Clients {
    let calls = CallCounter::default();
    let creds = aws_sdk_sts::config::Credentials::new("a", "b", None, None, "script");
    let retry = RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(1));
    let interceptor = |rules: &[&Rule]| {
        rules.iter().fold(
            MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny),
            |i, r| i.with_rule(r),
        )
    };
    let cfn = aws_sdk_cloudformation::Client::from_conf(
        aws_sdk_cloudformation::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("ca-central-1"))
            .credentials_provider(creds.clone())
            .http_client(create_mock_http_client())
            .retry_config(retry.clone())
            .interceptor(interceptor(cfn_rules).with_rule(&no_change_sets()))
            .interceptor(calls.clone())
            .build(),
    );
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("ca-central-1"))
            .credentials_provider(creds.clone())
            .http_client(create_mock_http_client())
            .retry_config(retry.clone())
            .interceptor(interceptor(s3_rules).with_rule(&no_bucket()))
            .interceptor(calls.clone())
            .build(),
    );
    let account = account.to_owned();
    let who = mock!(aws_sdk_sts::Client::get_caller_identity).then_output(move || {
        GetCallerIdentityOutput::builder()
            .account(&account)
            .arn(format!("arn:aws:sts::{account}:assumed-role/deployer/ci"))
            .build()
    });
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("ca-central-1"))
            .credentials_provider(creds)
            .http_client(create_mock_http_client())
            .interceptor(interceptor(&[&who]))
            .interceptor(calls.clone())
            .build(),
    );
    Clients::from_clients(cfn, s3, sts, calls.clone()).with_read_clients(nothing_retained(&calls))
}

/// A client of `$krate` answering from `$rules`, counting its calls.
macro_rules! scripted {
    ($krate:ident, $rules:expr, $calls:expr) => {
        $krate::Client::from_conf(
            $krate::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new("ca-central-1"))
                .credentials_provider(aws_sdk_sts::config::Credentials::new(
                    "a", "b", None, None, "script",
                ))
                .http_client(create_mock_http_client())
                .interceptor($rules.iter().fold(
                    MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny),
                    |i, r| i.with_rule(r),
                ))
                .interceptor($calls.clone())
                .build(),
        )
    };
}

/// The read clients of an account where `plan` finds nothing retained: no log group, trail,
/// key or Glue catalog (buckets: the S3 rules' default).
fn nothing_retained(calls: &CallCounter) -> dap_applier::ReadClients {
    use aws_sdk_cloudtrail::operation::get_trail::GetTrailError;
    use aws_sdk_cloudwatchlogs::operation::describe_log_groups::DescribeLogGroupsOutput;
    use aws_sdk_glue::operation::get_database::GetDatabaseError;
    use aws_sdk_glue::operation::get_table::GetTableError;
    use aws_sdk_kms::operation::list_aliases::ListAliasesOutput;
    use aws_sdk_kms::operation::list_keys::ListKeysOutput;
    let logs = mock!(aws_sdk_cloudwatchlogs::Client::describe_log_groups)
        .then_output(|| DescribeLogGroupsOutput::builder().build());
    let trail = mock!(aws_sdk_cloudtrail::Client::get_trail).then_error(|| {
        GetTrailError::TrailNotFoundException(
            aws_sdk_cloudtrail::types::error::TrailNotFoundException::builder().build(),
        )
    });
    let keys =
        mock!(aws_sdk_kms::Client::list_keys).then_output(|| ListKeysOutput::builder().build());
    let aliases = mock!(aws_sdk_kms::Client::list_aliases)
        .then_output(|| ListAliasesOutput::builder().build());
    let database = mock!(aws_sdk_glue::Client::get_database).then_error(|| {
        GetDatabaseError::EntityNotFoundException(
            aws_sdk_glue::types::error::EntityNotFoundException::builder().build(),
        )
    });
    let table = mock!(aws_sdk_glue::Client::get_table).then_error(|| {
        GetTableError::EntityNotFoundException(
            aws_sdk_glue::types::error::EntityNotFoundException::builder().build(),
        )
    });
    let none: [&Rule; 0] = [];
    dap_applier::ReadClients::from_clients(
        scripted!(aws_sdk_iam, none, calls),
        scripted!(aws_sdk_kms, [&keys, &aliases], calls),
        scripted!(aws_sdk_cloudtrail, [&trail], calls),
        scripted!(aws_sdk_cloudwatch, none, calls),
        scripted!(aws_sdk_cloudwatchlogs, [&logs], calls),
        scripted!(aws_sdk_sns, none, calls),
    )
    .with_glue(scripted!(aws_sdk_glue, [&database, &table], calls))
}

/// No bucket of the model exists, unless a test scripts otherwise.
fn no_bucket() -> Rule {
    use aws_sdk_s3::operation::head_bucket::HeadBucketError;
    mock!(aws_sdk_s3::Client::head_bucket).then_error(|| {
        HeadBucketError::NotFound(aws_sdk_s3::types::error::NotFound::builder().build())
    })
}

/// The plan's sweep of stale change sets finds none, unless a test scripts otherwise.
fn no_change_sets() -> Rule {
    mock!(aws_sdk_cloudformation::Client::list_change_sets)
        .then_output(|| ListChangeSetsOutput::builder().build())
}

async fn connect(clients: Clients, env: &Environment) -> Applier {
    let rendered = dap_planner::render(env).unwrap();
    Applier::connect(clients, env, rendered, fast())
        .await
        .unwrap()
}

fn id(name: &str) -> String {
    format!("arn:aws:cloudformation:ca-central-1:123456789012:stack/{name}/0f0f")
}

/// A deployed stack as `DescribeStacks` shows it.
fn stack(
    rendered: &Rendered,
    name: &str,
    status: StackStatus,
    sha: &str,
    protected: bool,
) -> Stack {
    let tags = rendered
        .manifest
        .stack_tags
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .chain([(TEMPLATE_SHA_TAG, sha)])
        .map(|(k, v)| Tag::builder().key(k).value(v).build());
    Stack::builder()
        .stack_name(name)
        .stack_id(id(name))
        .stack_status(status)
        .creation_time(DateTime::from_secs(0))
        .enable_termination_protection(protected)
        .set_tags(Some(tags.collect()))
        .build()
}

/// Every stack of an environment deployed with its current template and settings.
fn all_deployed(rendered: &Rendered, protected: bool) -> Vec<Stack> {
    rendered
        .stacks
        .iter()
        .map(|s| {
            stack(
                rendered,
                &s.name,
                StackStatus::UpdateComplete,
                &s.sha256,
                protected,
            )
        })
        .collect()
}

fn describe_all(stacks: Vec<Stack>) -> Rule {
    mock!(aws_sdk_cloudformation::Client::describe_stacks)
        .match_requests(|r| r.stack_name().is_none())
        .then_output(move || {
            DescribeStacksOutput::builder()
                .set_stacks(Some(stacks.clone()))
                .build()
        })
}

fn validation(message: &str) -> ErrorMetadata {
    ErrorMetadata::builder()
        .code("ValidationError")
        .message(message)
        .build()
}

// Long: the scripted answers of one failing apply, in the order the applier asks, beside what
// it must report; split, the script and its checks would be read apart.
#[test]
fn a_failing_stack_is_reported_with_its_root_cause_and_its_dependents_are_not_attempted() {
    let local = env("local");
    let rendered = dap_planner::render(&local).unwrap();
    let nothing = describe_all(Vec::new());
    let create = mock!(aws_sdk_cloudformation::Client::create_stack)
        .match_requests(|r| {
            matches!(
                r.stack_name(),
                Some("dap-local-security") | Some("dap-local-storage")
            )
        })
        .then_compute_output(|r| {
            CreateStackOutput::builder()
                .stack_id(id(r.stack_name().unwrap()))
                .build()
        });
    let (sec, sto) = (rendered.stacks[0].clone(), rendered.stacks[1].clone());
    let r2 = rendered.clone();
    let poll = mock!(aws_sdk_cloudformation::Client::describe_stacks)
        .match_requests(|r| r.stack_name().is_some())
        .then_compute_output(move |r| {
            let s = if r.stack_name() == Some(id(&sec.name).as_str()) {
                stack(&r2, &sec.name, StackStatus::CreateComplete, &sec.sha256, false)
            } else {
                let mut s = stack(&r2, &sto.name, StackStatus::RollbackComplete, &sto.sha256, false);
                s.stack_status_reason = Some(
                    "The following resource(s) failed to create: [LandingBucket]. Rollback requested by user."
                        .to_owned(),
                );
                s
            };
            DescribeStacksOutput::builder().stacks(s).build()
        });
    let event = |logical: &str, ty: &str, status: ResourceStatus, reason: &str| {
        StackEvent::builder()
            .stack_id(id("dap-local-storage"))
            .event_id(logical)
            .stack_name("dap-local-storage")
            .logical_resource_id(logical)
            .resource_type(ty)
            .resource_status(status)
            .resource_status_reason(reason)
            .timestamp(DateTime::from_secs(0))
            .build()
    };
    let events =
        mock!(aws_sdk_cloudformation::Client::describe_stack_events).then_output(move || {
            let stack = "AWS::CloudFormation::Stack";
            let bucket = "AWS::S3::Bucket";
            DescribeStackEventsOutput::builder()
                .stack_events(event(
                    "dap-local-storage",
                    stack,
                    ResourceStatus::RollbackComplete,
                    "",
                ))
                .stack_events(event(
                    "RawBucket",
                    bucket,
                    ResourceStatus::CreateFailed,
                    "Resource creation cancelled",
                ))
                .stack_events(event(
                    "LandingBucket",
                    bucket,
                    ResourceStatus::CreateFailed,
                    "dap-local-landing-123456789012-ca-central-1 already exists",
                ))
                .stack_events(event(
                    "dap-local-storage",
                    stack,
                    ResourceStatus::CreateInProgress,
                    "User Initiated",
                ))
                .stack_events(event(
                    "OldBucket",
                    bucket,
                    ResourceStatus::CreateFailed,
                    "an older operation",
                ))
                .build()
        });
    runtime().block_on(async {
        let c = clients(&[&nothing, &create, &poll, &events], &[], "123456789012");
        let applier = connect(c, &local).await;
        let plan = applier.plan(PlanOptions::default()).await.unwrap();
        let report = applier.apply(&plan, Arc::new(Quiet)).await.unwrap();
        assert!(!report.succeeded());
        let outcomes: Vec<(&str, &str)> = report
            .stacks
            .iter()
            .map(|s| (s.name.as_str(), s.outcome.label()))
            .collect();
        assert_eq!(
            outcomes,
            [
                ("dap-local-security", "created"),
                ("dap-local-storage", "failed"),
                ("dap-local-audit", "skipped"),
                ("dap-local-access", "skipped"),
                ("dap-local-catalog", "skipped"),
                ("dap-local-analytics", "skipped"),
                ("dap-local-monitoring", "skipped"),
            ]
        );
        let failed: Vec<_> = report.failed().collect();
        assert_eq!(failed.len(), 1);
        assert_eq!(
            failed[0].outcome,
            StackOutcome::Failed {
                status: Some("ROLLBACK_COMPLETE".to_owned()),
                reason: "`LandingBucket` (AWS::S3::Bucket) CREATE_FAILED: dap-local-landing-123456789012-ca-central-1 already exists".to_owned(),
            }
        );
        assert_eq!(
            report.stacks[2].outcome,
            StackOutcome::Skipped {
                because: "dap-local-storage".to_owned()
            }
        );
        let calls = applier.calls();
        assert_eq!(calls.get("cloudformation:CreateStack"), 2, "{calls}");
        assert_eq!(
            calls.get("s3:PutObject") + calls.get("s3:HeadObject"),
            0,
            "no asset upload: analytics never started ({calls})"
        );
    });
}

#[test]
fn throttled_calls_are_retried_and_counted() {
    let local = env("local");
    let throttled = r#"<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>1</RequestId></ErrorResponse>"#;
    let describe = mock!(aws_sdk_cloudformation::Client::describe_stacks)
        .sequence()
        .http_status(400, Some(throttled.to_owned()))
        .times(2)
        .output(|| DescribeStacksOutput::builder().build())
        .build();
    runtime().block_on(async {
        let applier = connect(clients(&[&describe], &[], "123456789012"), &local).await;
        let plan = applier.plan(PlanOptions::default()).await.unwrap();
        assert!(plan.stacks.iter().all(|s| s.action == StackAction::Create));
        assert_eq!(applier.calls().get("cloudformation:DescribeStacks"), 3);
    });
}

#[test]
fn throttling_that_does_not_stop_is_an_error_naming_the_call() {
    let local = env("local");
    let throttled = r#"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>"#;
    let describe = mock!(aws_sdk_cloudformation::Client::describe_stacks)
        .sequence()
        .http_status(400, Some(throttled.to_owned()))
        .repeatedly()
        .build();
    runtime().block_on(async {
        let applier = connect(clients(&[&describe], &[], "123456789012"), &local).await;
        let err = applier.plan(PlanOptions::default()).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "`cloudformation:DescribeStacks` failed: Throttling: Rate exceeded"
        );
        assert_eq!(applier.calls().get("cloudformation:DescribeStacks"), 3);
    });
}

#[test]
fn both_forms_of_no_changes_are_a_plan_without_changes() {
    let local = env("local");
    let rendered = dap_planner::render(&local).unwrap();
    let describe = describe_all(all_deployed(&rendered, false));
    // AWS and moto: the request itself is refused when nothing differs...
    let refused = mock!(aws_sdk_cloudformation::Client::create_change_set)
        .match_requests(|r| r.stack_name() == Some("dap-local-security"))
        .then_error(|| {
            CreateChangeSetError::generic(validation("No updates are to be performed."))
        });
    // ...or the change set is created and FAILS with this reason.
    let created = mock!(aws_sdk_cloudformation::Client::create_change_set)
        .match_requests(|r| r.stack_name() != Some("dap-local-security"))
        .then_compute_output(|r| {
            CreateChangeSetOutput::builder()
                .id(format!("arn:cs/{}", r.stack_name().unwrap()))
                .build()
        });
    let failed = mock!(aws_sdk_cloudformation::Client::describe_change_set).then_output(|| {
        DescribeChangeSetOutput::builder()
            .status(ChangeSetStatus::Failed)
            .status_reason("The submitted information didn't contain changes. Submit different information to create a change set.")
            .build()
    });
    let delete = mock!(aws_sdk_cloudformation::Client::delete_change_set)
        .then_output(|| DeleteChangeSetOutput::builder().build());
    runtime().block_on(async {
        let c = clients(
            &[&describe, &refused, &created, &failed, &delete],
            &[],
            "123456789012",
        );
        let applier = connect(c, &local).await;
        let refresh = PlanOptions {
            refresh: true,
            ..PlanOptions::default()
        };
        let plan = applier.plan(refresh).await.unwrap();
        assert!(!plan.has_changes(), "{plan:#?}");
        assert_eq!(
            plan.summary().to_string(),
            "0 to add, 0 to change, 0 to remove"
        );
        let calls = applier.calls();
        assert_eq!(calls.get("cloudformation:CreateChangeSet"), 7, "{calls}");
        assert_eq!(calls.get("cloudformation:DeleteChangeSet"), 6, "{calls}");
    });
}

#[test]
fn a_paged_change_set_is_read_whole_with_aws_s_details_and_the_local_diff() {
    let local = env("local");
    let rendered = dap_planner::render(&local).unwrap();
    let mut deployed = all_deployed(&rendered, false);
    let storage = &rendered.stacks[1];
    deployed[1] = stack(
        &rendered,
        &storage.name,
        StackStatus::UpdateComplete,
        "an-older-sha",
        false,
    );
    let describe = describe_all(deployed);
    let older = storage
        .yaml
        .replace("ExpirationInDays: 7", "ExpirationInDays: 9");
    assert_ne!(older, storage.yaml);
    let template = mock!(aws_sdk_cloudformation::Client::get_template)
        .then_output(move || GetTemplateOutput::builder().template_body(&older).build());
    let create = mock!(aws_sdk_cloudformation::Client::create_change_set).then_output(|| {
        CreateChangeSetOutput::builder()
            .id("arn:cs/storage")
            .build()
    });
    let change = |logical: &str, replacement: Replacement, property: &str| {
        Change::builder()
            .resource_change(
                ResourceChange::builder()
                    .action(SdkAction::Modify)
                    .logical_resource_id(logical)
                    .resource_type("AWS::S3::Bucket")
                    .physical_resource_id(format!("{logical}-physical"))
                    .replacement(replacement)
                    .details(
                        ResourceChangeDetail::builder()
                            .target(
                                ResourceTargetDefinition::builder()
                                    .attribute(ResourceAttribute::Properties)
                                    .name(property)
                                    .build(),
                            )
                            .change_source(ChangeSource::DirectModification)
                            .build(),
                    )
                    .build(),
            )
            .build()
    };
    let first = mock!(aws_sdk_cloudformation::Client::describe_change_set)
        .match_requests(|r| r.next_token().is_none())
        .then_output(move || {
            DescribeChangeSetOutput::builder()
                .status(ChangeSetStatus::CreateComplete)
                .changes(change(
                    "LandingBucket",
                    Replacement::False,
                    "LifecycleConfiguration",
                ))
                .next_token("page-2")
                .build()
        });
    let second = mock!(aws_sdk_cloudformation::Client::describe_change_set)
        .match_requests(|r| r.next_token() == Some("page-2"))
        .then_output(move || {
            DescribeChangeSetOutput::builder()
                .status(ChangeSetStatus::CreateComplete)
                .changes(change("RawBucket", Replacement::True, "BucketName"))
                .build()
        });
    let delete = mock!(aws_sdk_cloudformation::Client::delete_change_set)
        .then_output(|| DeleteChangeSetOutput::builder().build());
    runtime().block_on(async {
        let c = clients(
            &[&describe, &template, &create, &first, &second, &delete],
            &[],
            "123456789012",
        );
        let applier = connect(c, &local).await;
        let plan = applier.plan(PlanOptions::default()).await.unwrap();
        let s = &plan.stacks[1];
        assert_eq!(s.action, StackAction::Update);
        assert_eq!(s.changes.len(), 2);
        let landing = &s.changes[0];
        assert_eq!(landing.action, ChangeAction::Modify);
        assert_eq!(landing.replacement.as_deref(), Some("False"));
        assert_eq!(
            landing.causes,
            ["Properties.LifecycleConfiguration (DirectModification)"]
        );
        assert_eq!(landing.properties.len(), 1, "{:?}", landing.properties);
        assert!(landing.properties[0].path.ends_with("].ExpirationInDays"));
        assert_eq!(landing.properties[0].before, Some(9.into()));
        assert_eq!(landing.properties[0].after, Some(7.into()));
        assert_eq!(s.changes[1].replacement.as_deref(), Some("True"));
        assert_eq!(
            s.changes[1].physical_id.as_deref(),
            Some("RawBucket-physical")
        );
        assert_eq!(
            plan.summary().to_string(),
            "0 to add, 2 to change, 0 to remove"
        );
        assert!(plan
            .stacks
            .iter()
            .enumerate()
            .all(|(i, s)| i == 1 || s.action == StackAction::None));
        let calls = applier.calls();
        assert_eq!(calls.get("cloudformation:DescribeChangeSet"), 2, "{calls}");
        assert_eq!(calls.get("cloudformation:DeleteChangeSet"), 1, "{calls}");
    });
}

#[test]
fn a_change_set_failing_for_another_reason_is_an_error_and_is_deleted() {
    let local = env("local");
    let rendered = dap_planner::render(&local).unwrap();
    let describe = describe_all(all_deployed(&rendered, false));
    let create = mock!(aws_sdk_cloudformation::Client::create_change_set)
        .then_output(|| CreateChangeSetOutput::builder().id("arn:cs/x").build());
    let failed = mock!(aws_sdk_cloudformation::Client::describe_change_set).then_output(|| {
        DescribeChangeSetOutput::builder()
            .status(ChangeSetStatus::Failed)
            .status_reason("Parameters: [DataKeyArn] must have values")
            .build()
    });
    let delete = mock!(aws_sdk_cloudformation::Client::delete_change_set)
        .then_output(|| DeleteChangeSetOutput::builder().build());
    runtime().block_on(async {
        let c = clients(&[&describe, &create, &failed, &delete], &[], "123456789012");
        let applier = connect(c, &local).await;
        let refresh = PlanOptions {
            refresh: true,
            ..PlanOptions::default()
        };
        let err = applier.plan(refresh).await.unwrap_err();
        assert!(matches!(err, Error::ChangeSet { .. }), "{err}");
        assert!(
            err.to_string()
                .ends_with("failed: Parameters: [DataKeyArn] must have values"),
            "{err}"
        );
        assert_eq!(applier.calls().get("cloudformation:DeleteChangeSet"), 7);
    });
}

#[test]
fn strict_stacks_are_created_with_termination_protection_and_assets_uploaded_first() {
    let prod = env("prod");
    let nothing = describe_all(Vec::new());
    // Only a create with termination protection and the template hash tag matches.
    let create = mock!(aws_sdk_cloudformation::Client::create_stack)
        .match_requests(|r| {
            r.enable_termination_protection() == Some(true)
                && r.tags().iter().any(|t| t.key() == Some(TEMPLATE_SHA_TAG))
                && r.tags()
                    .iter()
                    .any(|t| t.key() == Some("dap:environment") && t.value() == Some("prod"))
        })
        .then_compute_output(|r| {
            CreateStackOutput::builder()
                .stack_id(id(r.stack_name().unwrap()))
                .build()
        });
    let rendered = dap_planner::render(&prod).unwrap();
    let poll = mock!(aws_sdk_cloudformation::Client::describe_stacks)
        .match_requests(|r| r.stack_name().is_some())
        .then_compute_output(move |r| {
            let name = r
                .stack_name()
                .unwrap()
                .split('/')
                .nth(1)
                .unwrap()
                .to_owned();
            DescribeStacksOutput::builder()
                .stacks(stack(
                    &rendered,
                    &name,
                    StackStatus::CreateComplete,
                    "x",
                    true,
                ))
                .build()
        });
    let head = mock!(aws_sdk_s3::Client::head_object).then_error(|| {
        HeadObjectError::NotFound(aws_sdk_s3::types::error::NotFound::builder().build())
    });
    let put = mock!(aws_sdk_s3::Client::put_object)
        .match_requests(|r| {
            r.bucket() == Some("dap-prod-assets-333333333333-ca-central-1")
                && r.key().is_some_and(|k| {
                    k.starts_with("glue-scripts/") || k.starts_with("reporting-host/")
                })
                && r.metadata().is_some_and(|m| m.contains_key("sha256"))
        })
        .then_output(|| PutObjectOutput::builder().build());
    runtime().block_on(async {
        let c = clients(&[&nothing, &create, &poll], &[&head, &put], "333333333333");
        let applier = connect(c, &prod).await;
        let plan = applier.plan(PlanOptions::default()).await.unwrap();
        let report = applier.apply(&plan, Arc::new(Quiet)).await.unwrap();
        assert!(report.succeeded(), "{:#?}", report.stacks);
        assert_eq!(report.stacks.len(), 8);
        let calls = applier.calls();
        assert_eq!(calls.get("cloudformation:CreateStack"), 8, "{calls}");
        // The two Glue scripts and their data-quality module (analytics) and the reporting
        // host's eight files (reporting).
        assert_eq!(calls.get("s3:PutObject"), 11, "{calls}");
        assert_eq!(
            calls.get("cloudformation:UpdateTerminationProtection"),
            0,
            "{calls}"
        );
    });
}

#[test]
fn a_strict_stack_without_termination_protection_gets_it() {
    let prod = env("prod");
    let rendered = dap_planner::render(&prod).unwrap();
    let describe = describe_all(all_deployed(&rendered, false));
    let no_change = mock!(aws_sdk_cloudformation::Client::create_change_set).then_error(|| {
        CreateChangeSetError::generic(validation("No updates are to be performed."))
    });
    let no_update = mock!(aws_sdk_cloudformation::Client::update_stack)
        .then_error(|| UpdateStackError::generic(validation("No updates are to be performed.")));
    let protect = mock!(aws_sdk_cloudformation::Client::update_termination_protection)
        .match_requests(|r| r.enable_termination_protection() == Some(true))
        .then_output(|| UpdateTerminationProtectionOutput::builder().build());
    // The analytics stack refers to the scripts, the reporting stack to the host's files:
    // they are checked (here: already there).
    let assets = rendered.manifest.assets.clone();
    let head = mock!(aws_sdk_s3::Client::head_object).then_compute_output(move |r| {
        let a = assets
            .iter()
            .find(|a| Some(a.key.as_str()) == r.key())
            .unwrap();
        aws_sdk_s3::operation::head_object::HeadObjectOutput::builder()
            .metadata("sha256", &a.sha256)
            .build()
    });
    runtime().block_on(async {
        let c = clients(
            &[&describe, &no_change, &no_update, &protect],
            &[&head],
            "333333333333",
        );
        let applier = connect(c, &prod).await;
        let plan = applier.plan(PlanOptions::default()).await.unwrap();
        assert!(plan.has_changes());
        assert!(plan
            .stacks
            .iter()
            .all(|s| s.stack_changes == ["termination protection: off -> on"]));
        let report = applier.apply(&plan, Arc::new(Quiet)).await.unwrap();
        assert!(report.succeeded(), "{:#?}", report.stacks);
        assert!(report
            .stacks
            .iter()
            .all(|s| s.outcome == StackOutcome::Updated));
        let calls = applier.calls();
        assert_eq!(
            calls.get("cloudformation:UpdateTerminationProtection"),
            8,
            "{calls}"
        );
        assert_eq!(calls.get("s3:HeadObject"), 11, "{calls}");
        assert_eq!(calls.get("s3:PutObject"), 0, "{calls}");
    });
}

#[test]
fn destroy_refuses_a_strict_environment_without_reading_anything() {
    let prod = env("prod");
    runtime().block_on(async {
        let applier = connect(clients(&[], &[], "333333333333"), &prod).await;
        let err = applier.destroy_plan().await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment `prod` has protection `strict`: `dap` never destroys its stacks"
        );
        assert_eq!(applier.calls().service("cloudformation"), 0);
    });
}

fn resources(list: &[(&str, &str, ResourceStatus)]) -> Rule {
    let list: Vec<StackResourceSummary> = list
        .iter()
        .map(|(id, t, st)| {
            StackResourceSummary::builder()
                .logical_resource_id(*id)
                .physical_resource_id(format!("phys-{id}"))
                .resource_type(*t)
                .resource_status(st.clone())
                .last_updated_timestamp(DateTime::from_secs(0))
                .build()
        })
        .collect();
    mock!(aws_sdk_cloudformation::Client::list_stack_resources).then_output(move || {
        ListStackResourcesOutput::builder()
            .set_stack_resource_summaries(Some(list.clone()))
            .build()
    })
}

#[test]
fn a_failed_creation_that_left_a_retained_bucket_is_an_error_naming_it() {
    let local = env("local");
    let rendered = dap_planner::render(&local).unwrap();
    let mut deployed = all_deployed(&rendered, false);
    deployed[1].stack_status = Some(StackStatus::RollbackComplete);
    let describe = describe_all(deployed);
    let left = resources(&[
        (
            "RawBucket",
            "AWS::S3::Bucket",
            ResourceStatus::DeleteSkipped,
        ),
        (
            "RawBucketPolicy",
            "AWS::S3::BucketPolicy",
            ResourceStatus::DeleteComplete,
        ),
    ]);
    runtime().block_on(async {
        let applier = connect(clients(&[&describe, &left], &[], "123456789012"), &local).await;
        let err = applier.plan(PlanOptions::default()).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "stack `dap-local-storage` is `ROLLBACK_COMPLETE`: its failed creation left resources in place (kept by their deletion policy): `RawBucket` (AWS::S3::Bucket, DELETE_SKIPPED, phys-RawBucket); check them (they may hold data), delete or import them, delete the stack, then plan again"
        );
    });
}

#[test]
fn a_failed_creation_that_left_nothing_is_deleted_and_created_again() {
    let local = env("local");
    let rendered = dap_planner::render(&local).unwrap();
    let mut deployed = all_deployed(&rendered, false);
    deployed[1].stack_status = Some(StackStatus::RollbackComplete);
    let describe = describe_all(deployed);
    let nothing_left = resources(&[(
        "RawBucket",
        "AWS::S3::Bucket",
        ResourceStatus::DeleteComplete,
    )]);
    let delete = mock!(aws_sdk_cloudformation::Client::delete_stack)
        .match_requests(|r| r.stack_name() == Some(id("dap-local-storage").as_str()))
        .then_output(|| DeleteStackOutput::builder().build());
    let create = mock!(aws_sdk_cloudformation::Client::create_stack)
        .match_requests(|r| r.stack_name() == Some("dap-local-storage"))
        .then_compute_output(|_| {
            CreateStackOutput::builder()
                .stack_id(
                    "arn:aws:cloudformation:ca-central-1:123456789012:stack/dap-local-storage/new",
                )
                .build()
        });
    let r2 = rendered.clone();
    let poll = mock!(aws_sdk_cloudformation::Client::describe_stacks)
        .match_requests(|r| r.stack_name().is_some())
        .then_compute_output(move |r| {
            let old = r.stack_name().unwrap().ends_with("/0f0f");
            let mut s = stack(
                &r2,
                "dap-local-storage",
                if old {
                    StackStatus::DeleteComplete
                } else {
                    StackStatus::CreateComplete
                },
                "x",
                false,
            );
            s.stack_id = r.stack_name().map(str::to_owned);
            DescribeStacksOutput::builder().stacks(s).build()
        });
    runtime().block_on(async {
        let c = clients(
            &[&describe, &nothing_left, &delete, &create, &poll],
            &[],
            "123456789012",
        );
        let applier = connect(c, &local).await;
        let plan = applier.plan(PlanOptions::default()).await.unwrap();
        let storage = &plan.stacks[1];
        assert_eq!(storage.action, StackAction::Create);
        assert!(
            storage.stack_changes[0].starts_with("recreate: the stack's creation failed"),
            "{:?}",
            storage.stack_changes
        );
        let report = applier.apply(&plan, Arc::new(Quiet)).await.unwrap();
        assert!(report.succeeded(), "{:#?}", report.stacks);
        let calls = applier.calls();
        assert_eq!(calls.get("cloudformation:DeleteStack"), 1, "{calls}");
        assert_eq!(calls.get("cloudformation:CreateStack"), 1, "{calls}");
        assert_eq!(report.stacks[1].outcome.label(), "created");
    });
}

#[test]
fn every_state_a_stack_can_be_stuck_or_busy_in_stops_the_plan_with_what_to_do() {
    let local = env("local");
    let rendered = dap_planner::render(&local).unwrap();
    let cases = [
        (
            StackStatus::RollbackFailed,
            "delete it (its creation failed and so did the rollback",
        ),
        (
            StackStatus::CreateFailed,
            "delete it (its creation failed; data-bearing",
        ),
        (
            StackStatus::UpdateRollbackFailed,
            "continue the rollback (`aws cloudformation continue-update-rollback`",
        ),
        (
            StackStatus::DeleteFailed,
            "delete it again once the resource",
        ),
        (
            StackStatus::ImportRollbackFailed,
            "continue the rollback of the import",
        ),
        (
            StackStatus::ReviewInProgress,
            "a leftover of an interrupted run",
        ),
        (StackStatus::UpdateInProgress, "an operation is running"),
        (StackStatus::DeleteInProgress, "an operation is running"),
        (
            StackStatus::UpdateRollbackCompleteCleanupInProgress,
            "an operation is running",
        ),
    ];
    for (status, expect) in cases {
        let mut deployed = all_deployed(&rendered, false);
        deployed[2].stack_status = Some(status.clone());
        let describe = describe_all(deployed);
        runtime().block_on(async {
            let applier = connect(clients(&[&describe], &[], "123456789012"), &local).await;
            let err = applier.plan(PlanOptions::default()).await.unwrap_err();
            let text = err.to_string();
            assert!(
                text.starts_with(&format!(
                    "stack `dap-local-audit` is `{}`: ",
                    status.as_str()
                )) && text.contains(expect),
                "{text}"
            );
        });
    }
}

#[test]
fn the_account_pin_names_both_accounts() {
    let local = env("local");
    runtime().block_on(async {
        let c = clients(&[], &[], "999999999999");
        let counter = c.calls().clone();
        let rendered = dap_planner::render(&local).unwrap();
        let Err(err) = Applier::connect(c, &local, rendered, fast()).await else {
            panic!("connected to the wrong account");
        };
        assert_eq!(
            err.to_string(),
            "wrong account: the credentials are for account `999999999999` (`arn:aws:sts::999999999999:assumed-role/deployer/ci`), but environment `local` is pinned to account `123456789012`; nothing was read or written"
        );
        assert_eq!(counter.snapshot().total(), 1);
    });
}

// Long: the scripted answers of one import, in the order the applier asks, beside what it
// must do with each; split, the script and its checks would be read apart.
/// After a `destroy`, the storage stack is gone and its buckets (retained) are not: `plan`
/// finds them by name and proposes imports; `apply` refuses them unless allowed, and with
/// `--import` makes an `IMPORT` change set of the buckets alone, executes it, then updates the
/// stack to the whole template (moto cannot import: it creates the resources again).
#[test]
fn retained_buckets_are_found_by_plan_and_imported_then_updated_by_apply_with_import() {
    use aws_sdk_cloudformation::operation::execute_change_set::ExecuteChangeSetOutput;
    use aws_sdk_cloudformation::operation::update_stack::UpdateStackOutput;
    use aws_sdk_cloudformation::types::ChangeSetType;
    use aws_sdk_s3::operation::head_bucket::HeadBucketOutput;

    let local = env("local");
    let rendered = dap_planner::render(&local).unwrap();
    let storage_sha = rendered.stacks[1].sha256.clone();
    let mut deployed = all_deployed(&rendered, false);
    deployed.remove(1);
    let describe = describe_all(deployed);
    let head =
        mock!(aws_sdk_s3::Client::head_bucket).then_output(|| HeadBucketOutput::builder().build());
    let import = mock!(aws_sdk_cloudformation::Client::create_change_set)
        .match_requests(|r| {
            let body: serde_json::Value =
                serde_json::from_str(r.template_body().unwrap_or("{}")).unwrap();
            let resources = body["Resources"].as_object().unwrap();
            r.stack_name() == Some("dap-local-storage")
                && r.change_set_type() == Some(&ChangeSetType::Import)
                && r.client_token().is_some()
                && r.resources_to_import().len() == 7
                && r.resources_to_import().iter().all(|i| {
                    i.resource_type() == Some("AWS::S3::Bucket")
                        && i.resource_identifier()
                            .and_then(|m| m.get("BucketName"))
                            .is_some_and(|n| {
                                n.starts_with("dap-local-")
                                    && n.ends_with("-123456789012-ca-central-1")
                            })
                })
                && resources.len() == 7
                && resources.values().all(|r| r["DeletionPolicy"] == "Retain")
        })
        .then_output(|| {
            CreateChangeSetOutput::builder()
                .id("arn:aws:cloudformation:ca-central-1:123456789012:changeSet/dap-import/1")
                .stack_id(id("dap-local-storage"))
                .build()
        });
    let ready = mock!(aws_sdk_cloudformation::Client::describe_change_set).then_output(|| {
        DescribeChangeSetOutput::builder()
            .status(ChangeSetStatus::CreateComplete)
            .build()
    });
    let execute = mock!(aws_sdk_cloudformation::Client::execute_change_set)
        .match_requests(|r| r.client_request_token().is_some())
        .then_output(|| ExecuteChangeSetOutput::builder().build());
    let r2 = rendered.clone();
    let sha = storage_sha.clone();
    let poll = mock!(aws_sdk_cloudformation::Client::describe_stacks)
        .match_requests(|r| r.stack_name().is_some())
        .sequence()
        .output({
            let r2 = r2.clone();
            let sha = sha.clone();
            move || {
                DescribeStacksOutput::builder()
                    .stacks(stack(
                        &r2,
                        "dap-local-storage",
                        StackStatus::ImportComplete,
                        &sha,
                        false,
                    ))
                    .build()
            }
        })
        .output(move || {
            DescribeStacksOutput::builder()
                .stacks(stack(
                    &r2,
                    "dap-local-storage",
                    StackStatus::UpdateComplete,
                    &sha,
                    false,
                ))
                .build()
        })
        .build();
    let update = mock!(aws_sdk_cloudformation::Client::update_stack)
        .match_requests(|r| {
            r.stack_name() == Some(id("dap-local-storage").as_str())
                && r.client_request_token().is_some()
        })
        .then_output(|| UpdateStackOutput::builder().build());
    let protect = mock!(aws_sdk_cloudformation::Client::update_termination_protection)
        .then_output(|| UpdateTerminationProtectionOutput::builder().build());
    runtime().block_on(async {
        let c = clients(
            &[
                &describe, &import, &ready, &execute, &poll, &update, &protect,
            ],
            &[&head],
            "123456789012",
        );
        let applier = connect(c, &local).await;
        let mut plan = applier.plan(PlanOptions::default()).await.unwrap();
        let storage = &plan.stacks[1];
        assert_eq!(storage.action, StackAction::Create);
        let imports: Vec<(&str, Option<&str>)> = storage
            .changes
            .iter()
            .filter(|c| c.action == ChangeAction::Import)
            .map(|c| (c.logical_id.as_str(), c.physical_id.as_deref()))
            .collect();
        assert_eq!(imports.len(), 7, "{imports:?}");
        assert!(imports.contains(&("RawBucket", Some("dap-local-raw-123456789012-ca-central-1"))));
        assert_eq!(plan.summary().import, 7);
        assert!(plan.blocked().is_empty(), "an import is never a loss");

        let err = applier.apply(&plan, Arc::new(Quiet)).await.unwrap_err();
        assert!(
            matches!(err, Error::ImportNotAllowed { ref resources } if resources.len() == 7),
            "{err}"
        );
        assert_eq!(applier.calls().get("cloudformation:CreateChangeSet"), 0);

        plan.allow_import = true;
        let report = applier.apply(&plan, Arc::new(Quiet)).await.unwrap();
        assert!(report.succeeded(), "{:#?}", report.stacks);
        assert_eq!(report.stacks[1].outcome, StackOutcome::Imported);
        let calls = applier.calls();
        assert_eq!(calls.get("cloudformation:CreateChangeSet"), 1, "{calls}");
        assert_eq!(calls.get("cloudformation:ExecuteChangeSet"), 1, "{calls}");
        assert_eq!(calls.get("cloudformation:UpdateStack"), 1, "{calls}");
        assert_eq!(calls.get("cloudformation:CreateStack"), 0, "{calls}");
    });
}
