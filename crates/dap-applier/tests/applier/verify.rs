//! `verify` against moto: apply `local`, create through the service APIs what moto's
//! CloudFormation accepts but does not create (from the rendered templates), check that
//! `verify` is clean, then make each out-of-band change an auditor fears and check that it is
//! reported with its code, and that reverting it makes `verify` clean again.

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_config::{BehaviorVersion, Region};
use aws_sdk_sts::config::Credentials;
use dap_applier::{Applier, PlanOptions, Quiet, Verification};
use dap_model::{Model, Pin};
use serde_json::{json, Value};

use crate::common::{env, fast, moto, on_moto, runtime};

/// SDK clients straight at moto, for the test's own setup and tampering.
struct Sdk {
    s3: aws_sdk_s3::Client,
    iam: aws_sdk_iam::Client,
    kms: aws_sdk_kms::Client,
    ct: aws_sdk_cloudtrail::Client,
    cw: aws_sdk_cloudwatch::Client,
    logs: aws_sdk_cloudwatchlogs::Client,
    sns: aws_sdk_sns::Client,
    cfn: aws_sdk_cloudformation::Client,
}

async fn sdk(endpoint: &str) -> Sdk {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("ca-central-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
        .load()
        .await;
    Sdk {
        s3: aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config)
                .force_path_style(true)
                .build(),
        ),
        iam: aws_sdk_iam::Client::new(&config),
        kms: aws_sdk_kms::Client::new(&config),
        ct: aws_sdk_cloudtrail::Client::new(&config),
        cw: aws_sdk_cloudwatch::Client::new(&config),
        logs: aws_sdk_cloudwatchlogs::Client::new(&config),
        sns: aws_sdk_sns::Client::new(&config),
        cfn: aws_sdk_cloudformation::Client::new(&config),
    }
}

/// Every template value resolved to plain JSON (what CloudFormation hands the service), with
/// the stand-in key ARNs replaced by the deployed keys' ARNs.
fn resolved(model: &Model<'_>, stack: usize, v: &Value, keys: &BTreeMap<String, String>) -> Value {
    let r = &model.resolver;
    let out = match v {
        Value::Object(m)
            if m.len() == 1 && m.keys().all(|k| k == "Ref" || k.starts_with("Fn::")) =>
        {
            match r.resolve(stack, v) {
                Some(s) => Value::String(s),
                None => Value::Array(
                    r.resolve_all(stack, v)
                        .into_iter()
                        .map(Value::String)
                        .collect(),
                ),
            }
        }
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), resolved(model, stack, x, keys)))
                .collect(),
        ),
        Value::Array(a) => {
            Value::Array(a.iter().map(|x| resolved(model, stack, x, keys)).collect())
        }
        other => other.clone(),
    };
    let mut text = out.to_string();
    for (stand_in, arn) in keys {
        text = text.replace(stand_in, arn);
    }
    serde_json::from_str(&text).unwrap()
}

/// The deployed keys: stand-in ARN → real ARN.
async fn deployed_keys(sdk: &Sdk, model: &Model<'_>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let page = sdk
        .cfn
        .list_stack_resources()
        .stack_name("dap-local-security")
        .send()
        .await
        .unwrap();
    for r in page.stack_resource_summaries() {
        if r.resource_type() == Some("AWS::KMS::Key") {
            // moto's CloudFormation stores the key policy as an object, which makes
            // `DescribeKey` fail until `complete` puts it as a document: the ARN is built.
            let id = r.physical_resource_id().unwrap();
            out.insert(
                model.resolver.key_arn(r.logical_resource_id().unwrap()),
                format!("arn:aws:kms:ca-central-1:123456789012:key/{id}"),
            );
        }
    }
    out
}

fn s(v: &Value) -> String {
    v.as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| v.to_string())
}

/// Do through the service APIs what CloudFormation would have done on AWS for the types and
/// properties moto's CloudFormation drops, reading every value from the rendered templates.
async fn complete(sdk: &Sdk, applier: &Applier) {
    let _ = applier;
    let local = env("local");
    let rendered = dap_planner::render(&local).unwrap();
    let platform = dap_docs::Platform::new(&local, &rendered).unwrap();
    let docs = platform.documents();
    let model = Model::new(&docs, Some(Pin::new("123456789012", "ca-central-1")));
    let keys = deployed_keys(sdk, &model).await;
    for (stack, id, body) in model.resolver.resources() {
        let p = resolved(&model, stack, &body["Properties"], &keys);
        match body["Type"].as_str().unwrap() {
            "AWS::S3::Bucket" => complete_bucket(sdk, &p).await,
            "AWS::S3::BucketPolicy" => {
                sdk.s3
                    .put_bucket_policy()
                    .bucket(s(&p["Bucket"]))
                    .policy(p["PolicyDocument"].to_string())
                    .send()
                    .await
                    .unwrap();
            }
            "AWS::IAM::Role" => {
                let role = s(&p["RoleName"]);
                for arn in p["ManagedPolicyArns"].as_array().into_iter().flatten() {
                    sdk.iam
                        .attach_role_policy()
                        .role_name(&role)
                        .policy_arn(s(arn))
                        .send()
                        .await
                        .unwrap();
                }
            }
            "AWS::KMS::Key" => {
                let arn = &keys[&model.resolver.key_arn(id)];
                if p["EnableKeyRotation"] == true {
                    sdk.kms
                        .enable_key_rotation()
                        .key_id(arn)
                        .send()
                        .await
                        .unwrap();
                }
                sdk.kms
                    .put_key_policy()
                    .key_id(arn)
                    .policy_name("default")
                    .policy(p["KeyPolicy"].to_string())
                    .send()
                    .await
                    .unwrap();
            }
            "AWS::Logs::LogGroup" => complete_log_group(sdk, &p).await,
            "AWS::CloudTrail::Trail" => {
                let name = s(&p["TrailName"]);
                sdk.ct
                    .create_trail()
                    .name(&name)
                    .s3_bucket_name(s(&p["S3BucketName"]))
                    .is_multi_region_trail(p["IsMultiRegionTrail"] == true)
                    .include_global_service_events(p["IncludeGlobalServiceEvents"] != false)
                    .enable_log_file_validation(p["EnableLogFileValidation"] == true)
                    .kms_key_id(s(&p["KMSKeyId"]))
                    .cloud_watch_logs_log_group_arn(s(&p["CloudWatchLogsLogGroupArn"]))
                    .cloud_watch_logs_role_arn(s(&p["CloudWatchLogsRoleArn"]))
                    .send()
                    .await
                    .unwrap();
                put_selectors(sdk, &name, &p["EventSelectors"]).await;
                sdk.ct.start_logging().name(&name).send().await.unwrap();
            }
            "AWS::Logs::MetricFilter" => {
                let t = &p["MetricTransformations"][0];
                sdk.logs
                    .put_metric_filter()
                    .filter_name(s(&p["FilterName"]))
                    .log_group_name(s(&p["LogGroupName"]))
                    .filter_pattern(s(&p["FilterPattern"]))
                    .metric_transformations(
                        aws_sdk_cloudwatchlogs::types::MetricTransformation::builder()
                            .metric_name(s(&t["MetricName"]))
                            .metric_namespace(s(&t["MetricNamespace"]))
                            .metric_value(s(&t["MetricValue"]))
                            .build()
                            .unwrap(),
                    )
                    .send()
                    .await
                    .unwrap();
            }
            "AWS::CloudWatch::Alarm" => put_alarm(sdk, &p).await,
            "AWS::SNS::Subscription" => {
                sdk.sns
                    .subscribe()
                    .topic_arn(s(&p["TopicArn"]))
                    .protocol(s(&p["Protocol"]))
                    .endpoint(s(&p["Endpoint"]))
                    .send()
                    .await
                    .unwrap();
            }
            _ => {}
        }
    }
}

/// A bucket's public access block, versioning, encryption and logging, as the template sets them.
async fn complete_bucket(sdk: &Sdk, p: &Value) {
    let b = s(&p["BucketName"]);
    let pab = &p["PublicAccessBlockConfiguration"];
    if pab.is_object() {
        sdk.s3
            .put_public_access_block()
            .bucket(&b)
            .public_access_block_configuration(
                aws_sdk_s3::types::PublicAccessBlockConfiguration::builder()
                    .block_public_acls(pab["BlockPublicAcls"] == true)
                    .ignore_public_acls(pab["IgnorePublicAcls"] == true)
                    .block_public_policy(pab["BlockPublicPolicy"] == true)
                    .restrict_public_buckets(pab["RestrictPublicBuckets"] == true)
                    .build(),
            )
            .send()
            .await
            .unwrap();
    }
    if let Some(status) = p["VersioningConfiguration"]["Status"].as_str() {
        sdk.s3
            .put_bucket_versioning()
            .bucket(&b)
            .versioning_configuration(
                aws_sdk_s3::types::VersioningConfiguration::builder()
                    .status(status.into())
                    .build(),
            )
            .send()
            .await
            .unwrap();
    }
    if let Some(own) = p["OwnershipControls"]["Rules"][0]["ObjectOwnership"].as_str() {
        sdk.s3
            .put_bucket_ownership_controls()
            .bucket(&b)
            .ownership_controls(
                aws_sdk_s3::types::OwnershipControls::builder()
                    .rules(
                        aws_sdk_s3::types::OwnershipControlsRule::builder()
                            .object_ownership(own.into())
                            .build()
                            .unwrap(),
                    )
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    }
    let rule = &p["BucketEncryption"]["ServerSideEncryptionConfiguration"][0];
    if let Some(alg) = rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"].as_str() {
        let mut by_default =
            aws_sdk_s3::types::ServerSideEncryptionByDefault::builder().sse_algorithm(alg.into());
        if let Some(k) = rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"].as_str() {
            by_default = by_default.kms_master_key_id(k);
        }
        sdk.s3
            .put_bucket_encryption()
            .bucket(&b)
            .server_side_encryption_configuration(
                aws_sdk_s3::types::ServerSideEncryptionConfiguration::builder()
                    .rules(
                        aws_sdk_s3::types::ServerSideEncryptionRule::builder()
                            .apply_server_side_encryption_by_default(by_default.build().unwrap())
                            .bucket_key_enabled(rule["BucketKeyEnabled"] == true)
                            .build(),
                    )
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    }
}

/// A log group's key (the group made again with it, as CloudFormation makes it) and retention.
async fn complete_log_group(sdk: &Sdk, p: &Value) {
    let name = s(&p["LogGroupName"]);
    // moto's CloudFormation drops the key (and moto has no AssociateKmsKey):
    // a group without it is made again with it, as CloudFormation makes it.
    let has_key = sdk
        .logs
        .describe_log_groups()
        .log_group_name_prefix(&name)
        .send()
        .await
        .unwrap()
        .log_groups()
        .iter()
        .any(|g| g.log_group_name() == Some(name.as_str()) && g.kms_key_id().is_some());
    if let Some(k) = p["KmsKeyId"].as_str().filter(|_| !has_key) {
        let _ = sdk
            .logs
            .delete_log_group()
            .log_group_name(&name)
            .send()
            .await;
        sdk.logs
            .create_log_group()
            .log_group_name(&name)
            .kms_key_id(k)
            .send()
            .await
            .unwrap();
    }
    if let Some(days) = p["RetentionInDays"].as_i64() {
        sdk.logs
            .put_retention_policy()
            .log_group_name(&name)
            .retention_in_days(days as i32)
            .send()
            .await
            .unwrap();
    }
}

async fn put_selectors(sdk: &Sdk, trail: &str, selectors: &Value) {
    let mut req = sdk.ct.put_event_selectors().trail_name(trail);
    for sel in selectors.as_array().into_iter().flatten() {
        let mut b = aws_sdk_cloudtrail::types::EventSelector::builder()
            .read_write_type(s(&sel["ReadWriteType"]).as_str().into())
            .include_management_events(sel["IncludeManagementEvents"] != false);
        for d in sel["DataResources"].as_array().into_iter().flatten() {
            let mut dr = aws_sdk_cloudtrail::types::DataResource::builder().r#type(s(&d["Type"]));
            for v in d["Values"].as_array().into_iter().flatten() {
                dr = dr.values(s(v));
            }
            b = b.data_resources(dr.build());
        }
        req = req.event_selectors(b.build());
    }
    req.send().await.unwrap();
}

async fn put_alarm(sdk: &Sdk, p: &Value) {
    use aws_sdk_cloudwatch::types::{ComparisonOperator, Statistic};
    let mut req = sdk
        .cw
        .put_metric_alarm()
        .alarm_name(s(&p["AlarmName"]))
        .namespace(s(&p["Namespace"]))
        .metric_name(s(&p["MetricName"]))
        .statistic(Statistic::from(s(&p["Statistic"]).as_str()))
        .period(p["Period"].as_i64().unwrap_or(300) as i32)
        .evaluation_periods(p["EvaluationPeriods"].as_i64().unwrap_or(1) as i32)
        .threshold(p["Threshold"].as_f64().unwrap_or(1.0))
        .comparison_operator(ComparisonOperator::from(
            s(&p["ComparisonOperator"]).as_str(),
        ))
        .actions_enabled(p["ActionsEnabled"] != false);
    for a in p["AlarmActions"].as_array().into_iter().flatten() {
        req = req.alarm_actions(s(a));
    }
    req.send().await.unwrap();
}

async fn check(applier: &Applier) -> Verification {
    applier.verify().await.unwrap()
}

fn codes(v: &Verification) -> Vec<String> {
    v.findings
        .iter()
        .map(|f| format!("{} {}: {} | {}", f.code, f.resource, f.check, f.live))
        .collect()
}

/// One out-of-band change: what it does, how to undo it, and the code `verify` must report.
struct Tamper {
    name: &'static str,
    code: &'static str,
}

/// The twenty out-of-band changes, in the order `tamper` and `undo` number them.
const CASES: [Tamper; 20] = [
    Tamper {
        name: "inline policy on the analyst role",
        code: "LIVE-IAM-003",
    },
    Tamper {
        name: "another managed policy attached to the analyst role",
        code: "LIVE-IAM-004",
    },
    Tamper {
        name: "the analyst role trusts another account",
        code: "LIVE-IAM-002",
    },
    Tamper {
        name: "a new default version of the analyst policy",
        code: "LIVE-IAM-006",
    },
    Tamper {
        name: "a permissions boundary on the analyst role",
        code: "LIVE-IAM-007",
    },
    Tamper {
        name: "a statement added to the data key's policy",
        code: "LIVE-KMS-005",
    },
    Tamper {
        name: "data key rotation off",
        code: "LIVE-KMS-004",
    },
    Tamper {
        name: "data key disabled",
        code: "LIVE-KMS-002",
    },
    Tamper {
        name: "a grant on the data key",
        code: "LIVE-KMS-006",
    },
    Tamper {
        name: "trail stopped",
        code: "LIVE-CT-002",
    },
    Tamper {
        name: "trail's data events narrowed",
        code: "LIVE-CT-004",
    },
    Tamper {
        name: "a CIS metric filter pattern edited",
        code: "LIVE-CW-002",
    },
    Tamper {
        name: "an alarm deleted",
        code: "LIVE-CW-003",
    },
    Tamper {
        name: "an alarm's actions disabled",
        code: "LIVE-CW-004",
    },
    Tamper {
        name: "the alarm topic's subscription removed",
        code: "LIVE-SNS-002",
    },
    Tamper {
        name: "the trail log group's retention shortened",
        code: "LIVE-LOGS-002",
    },
    Tamper {
        name: "landing's public access block lifted",
        code: "LIVE-S3-003",
    },
    Tamper {
        name: "landing's default encryption changed to SSE-S3",
        code: "LIVE-S3-002",
    },
    Tamper {
        name: "landing's bucket policy opened to another account",
        code: "LIVE-S3-006",
    },
    Tamper {
        name: "landing's versioning suspended",
        code: "LIVE-S3-004",
    },
];

#[test]
fn verify_is_clean_on_a_complete_deploy_and_reports_each_iam_and_kms_change() {
    let moto = moto();
    runtime().block_on(tamper_and_verify(&moto, 0..9));
}

#[test]
fn verify_reports_each_trail_alarm_topic_log_and_bucket_change() {
    let moto = moto();
    runtime().block_on(tamper_and_verify(&moto, 9..20));
}

/// Deploy `local`, complete what moto leaves out until `verify` is clean, then make each
/// out-of-band change of `range` (of the twenty below) in turn: `verify` must report it with
/// its code, and be clean again once it is undone. Two tests share the twenty, so that they
/// run side by side on two moto servers.
async fn tamper_and_verify(moto: &dap_moto::Moto, range: std::ops::Range<usize>) {
    {
        let local = env("local");
        let applier = on_moto(moto, &local, fast()).await.unwrap();
        let plan = applier.plan(PlanOptions::default()).await.unwrap();
        assert!(applier
            .apply(&plan, Arc::new(Quiet))
            .await
            .unwrap()
            .succeeded());
        let sdk = sdk(moto.endpoint()).await;

        // What moto's CloudFormation leaves out is reported, honestly.
        let before = check(&applier).await;
        let found: Vec<&str> = before.findings.iter().map(|f| f.code).collect();
        for code in [
            "LIVE-CT-001",
            "LIVE-CW-001",
            "LIVE-CW-003",
            "LIVE-S3-006",
            "LIVE-KMS-005",
        ] {
            assert!(found.contains(&code), "{code} in {:#?}", codes(&before));
        }

        complete(&sdk, &applier).await;
        let clean = check(&applier).await;
        assert!(clean.clean(), "{:#?}", codes(&clean));
        assert!(clean.summary.checks > 150, "{}", clean.summary.checks);
        assert!(
            clean.calls.keys().all(|op| {
                let name = op.rsplit(':').next().unwrap();
                ["Get", "List", "Describe"]
                    .iter()
                    .any(|p| name.starts_with(p))
            }),
            "verify only reads: {:?}",
            clean.calls
        );
        assert_eq!(
            clean.calls.get("iam:GetAccountAuthorizationDetails"),
            Some(&1)
        );

        let d = deployed(&sdk).await;

        let mut grant = String::new();
        for (i, case) in CASES.iter().enumerate().filter(|(i, _)| range.contains(i)) {
            if let Some(id) = tamper(&sdk, &d, i).await {
                grant = id;
            }
            let v = check(&applier).await;
            // A grant that widens access also shows in the live access matrix; one the
            // perimeter still denies (another account named in landing's policy: the
            // `DenyDataAccessOutsideThePlatform` statement stays) does not.
            let wider = v.findings.iter().any(|f| f.code == "LIVE-ACCESS-001");
            if i == 0 {
                assert!(
                    wider,
                    "{}: expected LIVE-ACCESS-001 in {:#?}",
                    case.name,
                    codes(&v)
                );
            }
            if i == 18 {
                assert!(
                    !wider,
                    "{}: the perimeter denies it: {:#?}",
                    case.name,
                    codes(&v)
                );
            }
            assert!(
                v.findings.iter().any(|f| f.code == case.code),
                "{}: expected {} in {:#?}",
                case.name,
                case.code,
                codes(&v)
            );
            // Undo what `complete` does not put back by itself, then `complete` again.
            undo(&sdk, &d, i, &grant).await;
            restore(&sdk, &applier).await;
            let v = check(&applier).await;
            assert!(v.clean(), "after undoing {}: {:#?}", case.name, codes(&v));
        }
    }
}

/// Put back what `complete` creates: the trail and the subscription are removed first (a
/// second `CreateTrail` fails; a second subscription would hide a removed one), everything
/// else is put again as rendered.
async fn restore(sdk: &Sdk, applier: &Applier) {
    let subs = sdk
        .sns
        .list_subscriptions_by_topic()
        .topic_arn("arn:aws:sns:ca-central-1:123456789012:dap-local-alarms")
        .send()
        .await
        .unwrap();
    for sub in subs.subscriptions() {
        sdk.sns
            .unsubscribe()
            .subscription_arn(sub.subscription_arn().unwrap())
            .send()
            .await
            .unwrap();
    }
    let _ = sdk.ct.delete_trail().name("dap-local-trail").send().await;
    complete(sdk, applier).await;
}

/// The names and documents of the deployed `local` that the out-of-band changes read, or put
/// back as they were.
struct Deployed {
    analyst: &'static str,
    landing: &'static str,
    alarm_topic: &'static str,
    data_key: String,
    landing_policy: String,
    key_policy: String,
    trust: String,
}

/// Read them from the live (moto) account.
async fn deployed(sdk: &Sdk) -> Deployed {
    let analyst = "dap-local-analyst";
    let landing = "dap-local-landing-123456789012-ca-central-1";
    let alarm_topic = "arn:aws:sns:ca-central-1:123456789012:dap-local-alarms";
    let data_key = sdk
        .kms
        .describe_key()
        .key_id("alias/dap-local-data")
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_owned();
    let landing_policy = sdk
        .s3
        .get_bucket_policy()
        .bucket(landing)
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .to_owned();
    let key_policy = sdk
        .kms
        .get_key_policy()
        .key_id(&data_key)
        .policy_name("default")
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .to_owned();
    let trust = sdk
        .iam
        .get_role()
        .role_name(analyst)
        .send()
        .await
        .unwrap()
        .role()
        .unwrap()
        .assume_role_policy_document()
        .unwrap()
        .to_owned();
    let trust = dap_model::policy::percent_decode(&trust);
    Deployed {
        analyst,
        landing,
        alarm_topic,
        data_key,
        landing_policy,
        key_policy,
        trust,
    }
}

/// Make out-of-band change `i` of the twenty; the grant's id for the grant on the data key.
async fn tamper(sdk: &Sdk, d: &Deployed, i: usize) -> Option<String> {
    match i {
        0..=4 => tamper_iam(sdk, d, i).await,
        5..=8 => return tamper_kms(sdk, d, i).await,
        9..=14 => tamper_monitoring(sdk, d, i).await,
        15..=19 => tamper_buckets(sdk, d, i).await,
        _ => unreachable!(),
    }
    None
}

/// IAM: an inline policy, a managed policy, the trust, a policy version, a boundary.
async fn tamper_iam(sdk: &Sdk, d: &Deployed, i: usize) {
    match i {
        0 => {
            sdk.iam
                        .put_role_policy()
                        .role_name(d.analyst)
                        .policy_name("console-fix")
                        .policy_document(
                            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})
                                .to_string(),
                        )
                        .send()
                        .await
                        .unwrap();
        }
        1 => {
            sdk.iam
                        .create_policy()
                        .policy_name("extra-read")
                        .policy_document(
                            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
                                .to_string(),
                        )
                        .send()
                        .await
                        .unwrap();
            sdk.iam
                .attach_role_policy()
                .role_name(d.analyst)
                .policy_arn("arn:aws:iam::123456789012:policy/extra-read")
                .send()
                .await
                .unwrap();
        }
        2 => {
            let mut doc: Value = serde_json::from_str(&d.trust).unwrap();
            doc["Statement"].as_array_mut().unwrap().push(json!({
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
                "Action": "sts:AssumeRole"
            }));
            sdk.iam
                .update_assume_role_policy()
                .role_name(d.analyst)
                .policy_document(doc.to_string())
                .send()
                .await
                .unwrap();
        }
        3 => {
            sdk.iam
                        .create_policy_version()
                        .policy_arn("arn:aws:iam::123456789012:policy/dap-local-analyst")
                        .policy_document(
                            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "glue:*", "Resource": "*"}]})
                                .to_string(),
                        )
                        .set_as_default(true)
                        .send()
                        .await
                        .unwrap();
        }
        4 => {
            sdk.iam
                .put_role_permissions_boundary()
                .role_name(d.analyst)
                .permissions_boundary("arn:aws:iam::123456789012:policy/dap-local-auditor")
                .send()
                .await
                .unwrap();
        }
        _ => unreachable!(),
    }
}

/// KMS: the key policy, rotation, the key disabled, a grant (its id returned).
async fn tamper_kms(sdk: &Sdk, d: &Deployed, i: usize) -> Option<String> {
    match i {
        5 => {
            let mut doc: Value = serde_json::from_str(&d.key_policy).unwrap();
            doc["Statement"].as_array_mut().unwrap().push(json!({
                "Sid": "Helpdesk",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
                "Action": "kms:Decrypt",
                "Resource": "*"
            }));
            sdk.kms
                .put_key_policy()
                .key_id(&d.data_key)
                .policy_name("default")
                .policy(doc.to_string())
                .send()
                .await
                .unwrap();
        }
        6 => {
            sdk.kms
                .disable_key_rotation()
                .key_id(&d.data_key)
                .send()
                .await
                .unwrap();
        }
        7 => {
            sdk.kms
                .disable_key()
                .key_id(&d.data_key)
                .send()
                .await
                .unwrap();
        }
        8 => {
            return Some(
                sdk.kms
                    .create_grant()
                    .key_id(&d.data_key)
                    .grantee_principal("arn:aws:iam::999999999999:root")
                    .operations(aws_sdk_kms::types::GrantOperation::Decrypt)
                    .send()
                    .await
                    .unwrap()
                    .grant_id()
                    .unwrap()
                    .to_owned(),
            );
        }
        _ => unreachable!(),
    }
    None
}

/// CloudTrail, CloudWatch, SNS and CloudWatch Logs: the trail, its selectors, a filter, alarms, the subscription, retention.
async fn tamper_monitoring(sdk: &Sdk, d: &Deployed, i: usize) {
    match i {
        9 => {
            sdk.ct
                .stop_logging()
                .name("dap-local-trail")
                .send()
                .await
                .unwrap();
        }
        10 => {
            put_selectors(
                        sdk,
                        "dap-local-trail",
                        &json!([{"ReadWriteType": "All", "IncludeManagementEvents": true, "DataResources": [
                            {"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::dap-local-curated-123456789012-ca-central-1/"]}
                        ]}]),
                    )
                    .await;
        }
        11 => {
            sdk.logs
                .put_metric_filter()
                .filter_name("dap-local-cis-4-3")
                .log_group_name("/dap-local/cloudtrail")
                .filter_pattern("{ $.userIdentity.type = \"NobodyEver\" }")
                .metric_transformations(
                    aws_sdk_cloudwatchlogs::types::MetricTransformation::builder()
                        .metric_name("RootAccountUsage")
                        .metric_namespace("dap/dap-local/cis")
                        .metric_value("1")
                        .build()
                        .unwrap(),
                )
                .send()
                .await
                .unwrap();
        }
        12 => {
            sdk.cw
                .delete_alarms()
                .alarm_names("dap-local-cis-4.3-root-account-usage")
                .send()
                .await
                .unwrap();
        }
        13 => {
            sdk.cw
                .disable_alarm_actions()
                .alarm_names("dap-local-cis-4.4-iam-policy-changes")
                .send()
                .await
                .unwrap();
        }
        14 => {
            let subs = sdk
                .sns
                .list_subscriptions_by_topic()
                .topic_arn(d.alarm_topic)
                .send()
                .await
                .unwrap();
            for sub in subs.subscriptions() {
                sdk.sns
                    .unsubscribe()
                    .subscription_arn(sub.subscription_arn().unwrap())
                    .send()
                    .await
                    .unwrap();
            }
        }
        _ => unreachable!(),
    }
}

/// S3: landing's public access block, encryption, policy and versioning.
async fn tamper_buckets(sdk: &Sdk, d: &Deployed, i: usize) {
    match i {
        15 => {
            sdk.logs
                .put_retention_policy()
                .log_group_name("/dap-local/cloudtrail")
                .retention_in_days(1)
                .send()
                .await
                .unwrap();
        }
        16 => {
            sdk.s3
                .delete_public_access_block()
                .bucket(d.landing)
                .send()
                .await
                .unwrap();
        }
        17 => {
            sdk.s3
                .put_bucket_encryption()
                .bucket(d.landing)
                .server_side_encryption_configuration(
                    aws_sdk_s3::types::ServerSideEncryptionConfiguration::builder()
                        .rules(
                            aws_sdk_s3::types::ServerSideEncryptionRule::builder()
                                .apply_server_side_encryption_by_default(
                                    aws_sdk_s3::types::ServerSideEncryptionByDefault::builder()
                                        .sse_algorithm(
                                            aws_sdk_s3::types::ServerSideEncryption::Aes256,
                                        )
                                        .build()
                                        .unwrap(),
                                )
                                .build(),
                        )
                        .build()
                        .unwrap(),
                )
                .send()
                .await
                .unwrap();
        }
        18 => {
            let mut doc: Value = serde_json::from_str(&d.landing_policy).unwrap();
            doc["Statement"].as_array_mut().unwrap().push(json!({
                "Sid": "PartnerRead",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
                "Action": "s3:GetObject",
                "Resource": format!("arn:aws:s3:::{}/*", d.landing)
            }));
            sdk.s3
                .put_bucket_policy()
                .bucket(d.landing)
                .policy(doc.to_string())
                .send()
                .await
                .unwrap();
        }
        19 => {
            sdk.s3
                .put_bucket_versioning()
                .bucket(d.landing)
                .versioning_configuration(
                    aws_sdk_s3::types::VersioningConfiguration::builder()
                        .status(aws_sdk_s3::types::BucketVersioningStatus::Suspended)
                        .build(),
                )
                .send()
                .await
                .unwrap();
        }
        _ => unreachable!(),
    }
}

/// Undo out-of-band change `i` where `restore` does not put it back by itself.
async fn undo(sdk: &Sdk, d: &Deployed, i: usize, grant: &str) {
    match i {
        0 => {
            sdk.iam
                .delete_role_policy()
                .role_name(d.analyst)
                .policy_name("console-fix")
                .send()
                .await
                .unwrap();
        }
        1 => {
            sdk.iam
                .detach_role_policy()
                .role_name(d.analyst)
                .policy_arn("arn:aws:iam::123456789012:policy/extra-read")
                .send()
                .await
                .unwrap();
        }
        2 => {
            sdk.iam
                .update_assume_role_policy()
                .role_name(d.analyst)
                .policy_document(&d.trust)
                .send()
                .await
                .unwrap();
        }
        3 => {
            sdk.iam
                .set_default_policy_version()
                .policy_arn("arn:aws:iam::123456789012:policy/dap-local-analyst")
                .version_id("v1")
                .send()
                .await
                .unwrap();
        }
        4 => {
            sdk.iam
                .delete_role_permissions_boundary()
                .role_name(d.analyst)
                .send()
                .await
                .unwrap();
        }
        7 => {
            sdk.kms
                .enable_key()
                .key_id(&d.data_key)
                .send()
                .await
                .unwrap();
        }
        8 => {
            sdk.kms
                .revoke_grant()
                .key_id(&d.data_key)
                .grant_id(grant)
                .send()
                .await
                .unwrap();
        }
        _ => {}
    }
}
