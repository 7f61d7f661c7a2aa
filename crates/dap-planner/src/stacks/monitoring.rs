//! Monitoring: the encrypted alarm topic and its subscribers, the CIS AWS Foundations 4.1–4.15
//! metric filters and alarms on the trail's log group, Glue job failure alerts, data-quality
//! alarms, a dashboard and the monthly budget.

use dap_cfn::policy::{PolicyDocument, Principal, Statement};
use dap_cfn::resources::{budgets, cloudwatch, events, logs, sns};
use dap_cfn::{r#ref, ResourceEntry, Template, Value};
use dap_config::Environment;
use serde_json::json;

use crate::builder::{Builder, Key};
use crate::names::{id_part, Names};
use crate::quality;

/// One CIS AWS Foundations monitoring control.
pub struct CisControl {
    /// The control number, `4.1` to `4.15`.
    pub control: &'static str,
    /// Logical-id and metric name stem.
    pub id: &'static str,
    /// What it watches.
    pub title: &'static str,
    /// The CloudWatch Logs filter pattern.
    pub pattern: &'static str,
}

/// The CIS 4.1–4.15 controls, as the benchmark states their filters.
pub const CIS_CONTROLS: &[CisControl] = &[
    CisControl {
        control: "4.1",
        id: "UnauthorizedApiCalls",
        title: "unauthorized API calls",
        pattern: r#"{(($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*")) && (($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket"))}"#,
    },
    CisControl {
        control: "4.2",
        id: "ConsoleSignInWithoutMfa",
        title: "console sign-in without MFA",
        pattern: r#"{($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success")}"#,
    },
    CisControl {
        control: "4.3",
        id: "RootAccountUsage",
        title: "root account usage",
        pattern: r#"{$.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent"}"#,
    },
    CisControl {
        control: "4.4",
        id: "IamPolicyChanges",
        title: "IAM policy changes",
        pattern: r#"{($.eventName = DeleteGroupPolicy) || ($.eventName = DeleteRolePolicy) || ($.eventName = DeleteUserPolicy) || ($.eventName = PutGroupPolicy) || ($.eventName = PutRolePolicy) || ($.eventName = PutUserPolicy) || ($.eventName = CreatePolicy) || ($.eventName = DeletePolicy) || ($.eventName = CreatePolicyVersion) || ($.eventName = DeletePolicyVersion) || ($.eventName = AttachRolePolicy) || ($.eventName = DetachRolePolicy) || ($.eventName = AttachUserPolicy) || ($.eventName = DetachUserPolicy) || ($.eventName = AttachGroupPolicy) || ($.eventName = DetachGroupPolicy)}"#,
    },
    CisControl {
        control: "4.5",
        id: "CloudTrailChanges",
        title: "CloudTrail configuration changes",
        pattern: r#"{($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging)}"#,
    },
    CisControl {
        control: "4.6",
        id: "ConsoleAuthFailures",
        title: "console authentication failures",
        pattern: r#"{($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication")}"#,
    },
    CisControl {
        control: "4.7",
        id: "KmsKeyDisableOrDeletion",
        title: "disabling or scheduled deletion of KMS keys",
        pattern: r#"{($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion))}"#,
    },
    CisControl {
        control: "4.8",
        id: "S3BucketPolicyChanges",
        title: "S3 bucket policy changes",
        pattern: r#"{($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication))}"#,
    },
    CisControl {
        control: "4.9",
        id: "AwsConfigChanges",
        title: "AWS Config changes",
        pattern: r#"{($.eventSource = config.amazonaws.com) && (($.eventName = StopConfigurationRecorder) || ($.eventName = DeleteDeliveryChannel) || ($.eventName = PutDeliveryChannel) || ($.eventName = PutConfigurationRecorder))}"#,
    },
    CisControl {
        control: "4.10",
        id: "SecurityGroupChanges",
        title: "security group changes",
        pattern: r#"{($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup)}"#,
    },
    CisControl {
        control: "4.11",
        id: "NaclChanges",
        title: "network ACL changes",
        pattern: r#"{($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation)}"#,
    },
    CisControl {
        control: "4.12",
        id: "NetworkGatewayChanges",
        title: "network gateway changes",
        pattern: r#"{($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway)}"#,
    },
    CisControl {
        control: "4.13",
        id: "RouteTableChanges",
        title: "route table changes",
        pattern: r#"{($.eventSource = ec2.amazonaws.com) && (($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable))}"#,
    },
    CisControl {
        control: "4.14",
        id: "VpcChanges",
        title: "VPC changes",
        pattern: r#"{($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink)}"#,
    },
    CisControl {
        control: "4.15",
        id: "OrganizationsChanges",
        title: "AWS Organizations changes",
        pattern: r#"{($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || ($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || ($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit"))}"#,
    },
];

pub fn build(env: &Environment, names: &Names) -> Template {
    let mut b = Builder::new(
        env,
        names,
        "dap monitoring: alarm topic, CIS alarms, Glue failure and data-quality alerts, dashboard and budget",
    );
    let logs_key = b.key_arn(Key::Logs);
    let topic = r#ref("AlarmTopic");
    add_alarm_topic(&mut b, env, names, logs_key, &topic);
    let mut alarm_ids = add_cis_alarms(&mut b, names, &topic);
    alarm_ids.push(add_glue_failure_alert(&mut b, env, names, &topic));
    alarm_ids.extend(add_quality_alarms(&mut b, env, names, &topic));
    b.add(
        "Dashboard",
        ResourceEntry::new(cloudwatch::Dashboard {
            dashboard_name: names.named("platform"),
            dashboard_body: dashboard(env, names, &alarm_ids).into(),
        }),
    );
    add_budget(&mut b, env, names, &topic);
    b.output("AlarmTopicArn", "the alarm topic", topic);
    b.finish()
}

/// The alarm topic (encrypted with the logs key), its policy (the publishing services, TLS
/// only) and an email subscription per address.
fn add_alarm_topic(
    b: &mut Builder<'_>,
    env: &Environment,
    names: &Names,
    logs_key: Value<String>,
    topic: &Value<String>,
) {
    b.add(
        "AlarmTopic",
        ResourceEntry::new(sns::Topic {
            topic_name: names.alarm_topic(),
            display_name: format!("dap {} alarms", env.name),
            kms_master_key_id: logs_key,
            tags: b.tags(),
        }),
    );
    let publishers = Principal::Service(vec![
        "budgets.amazonaws.com".into(),
        "cloudwatch.amazonaws.com".into(),
        "events.amazonaws.com".into(),
    ]);
    b.add(
        "AlarmTopicPolicy",
        ResourceEntry::new(sns::TopicPolicy {
            topics: vec![topic.clone()],
            policy_document: PolicyDocument::new(vec![
                Statement::allow("AlarmPublishers", &["sns:Publish"], vec![topic.clone()])
                    .principal(publishers)
                    .when(
                        "StringEquals",
                        "aws:SourceAccount",
                        vec![names.account().into()],
                    ),
                Statement::deny(
                    "DenyInsecureTransport",
                    &["sns:Publish"],
                    vec![topic.clone()],
                )
                .principal(Principal::Any)
                .when("Bool", "aws:SecureTransport", vec!["false".into()]),
            ]),
        }),
    );
    for email in &env.alarms.emails {
        b.add(
            &format!(
                "AlarmEmail{}",
                id_part(&email.replace(['@', '.', '+'], "-"))
            ),
            ResourceEntry::new(sns::Subscription {
                topic_arn: topic.clone(),
                protocol: "email".to_owned(),
                endpoint: email.clone(),
            }),
        );
    }
}

/// The CIS 4.1–4.15 metric filters on the trail's log group, each with its alarm; the alarm
/// names.
fn add_cis_alarms(b: &mut Builder<'_>, names: &Names, topic: &Value<String>) -> Vec<String> {
    let namespace = format!("dap/{}/cis", names.prefix());
    let log_group: Value<String> = names.trail_log_group().into();
    let mut alarm_ids = Vec::new();
    for c in CIS_CONTROLS {
        b.add(
            &format!("Cis{}Filter", c.id),
            ResourceEntry::new(logs::MetricFilter {
                filter_name: names.named(&format!("cis-{}", c.control.replace('.', "-"))),
                log_group_name: log_group.clone(),
                filter_pattern: c.pattern.to_owned(),
                metric_transformations: vec![logs::MetricTransformation {
                    metric_name: c.id.to_owned(),
                    metric_namespace: namespace.clone(),
                    metric_value: "1".to_owned(),
                }],
            }),
        );
        let alarm_name = names.named(&format!("cis-{}-{}", c.control, kebab(c.id)));
        b.add(
            &format!("Cis{}Alarm", c.id),
            ResourceEntry::new(alarm(
                &alarm_name,
                &format!("CIS {}: {} recorded by the trail", c.control, c.title),
                &namespace,
                c.id,
                vec![],
                topic.clone(),
            )),
        );
        alarm_ids.push(alarm_name);
    }
    alarm_ids
}

/// The rule that forwards failed, timed-out or errored Glue runs to the topic, and the alarm
/// on its matches; the alarm's name.
fn add_glue_failure_alert(
    b: &mut Builder<'_>,
    env: &Environment,
    names: &Names,
    topic: &Value<String>,
) -> String {
    let jobs: Vec<String> = env
        .datasets
        .keys()
        .flat_map(|d| ["clean", "curate"].map(|j| names.job(d, j)))
        .collect();
    let rule_name = names.named("glue-job-failed");
    b.add(
        "GlueJobFailedRule",
        ResourceEntry::new(events::Rule {
            name: rule_name.clone(),
            description: "A dap Glue job failed, timed out or errored".to_owned(),
            state: "ENABLED".to_owned(),
            event_pattern: json!({
                "source": ["aws.glue"],
                "detail-type": ["Glue Job State Change"],
                "detail": {"jobName": jobs, "state": ["FAILED", "TIMEOUT", "ERROR"]}
            }),
            targets: vec![events::Target {
                id: "AlarmTopic".to_owned(),
                arn: topic.clone(),
            }],
        }),
    );
    let failed_alarm = names.named("glue-job-failed");
    b.add(
        "GlueJobFailedAlarm",
        ResourceEntry::new(alarm(
            &failed_alarm,
            "A dap Glue job failed, timed out or errored",
            "AWS/Events",
            "TriggeredRules",
            vec![cloudwatch::Dimension {
                name: "RuleName".to_owned(),
                value: r#ref("GlueJobFailedRule"),
            }],
            topic.clone(),
        )),
    );
    failed_alarm
}

/// A run whose data breaks a quality rule (pipelines/quality/): the job publishes how many
/// rules failed; one alarm per job that has rulesets. The alarm names.
fn add_quality_alarms(
    b: &mut Builder<'_>,
    env: &Environment,
    names: &Names,
    topic: &Value<String>,
) -> Vec<String> {
    let mut alarm_ids = Vec::new();
    let quality_namespace = names.quality_namespace();
    for dataset in env.datasets.keys() {
        for job in ["clean", "curate"] {
            if quality::for_job(dataset, job).next().is_none() {
                continue;
            }
            let alarm_name = names.named(&format!("{dataset}-{job}-quality-rules-failed"));
            b.add(
                &format!("{}{}QualityAlarm", id_part(dataset), id_part(job)),
                ResourceEntry::new(alarm(
                    &alarm_name,
                    &format!(
                        "A {dataset} {job} run's data failed a quality rule (pipelines/quality/{dataset}/)"
                    ),
                    &quality_namespace,
                    quality::METRIC,
                    vec![cloudwatch::Dimension {
                        name: "JobName".to_owned(),
                        value: names.job(dataset, job).into(),
                    }],
                    topic.clone(),
                )),
            );
            alarm_ids.push(alarm_name);
        }
    }
    alarm_ids
}

/// The monthly cost budget, alerting the topic at each threshold.
fn add_budget(b: &mut Builder<'_>, env: &Environment, names: &Names, topic: &Value<String>) {
    b.add(
        "MonthlyBudget",
        ResourceEntry::new(budgets::Budget {
            budget: budgets::BudgetData {
                budget_name: names.named("monthly"),
                budget_type: "COST".to_owned(),
                time_unit: "MONTHLY".to_owned(),
                budget_limit: budgets::Spend {
                    amount: f64::from(env.budget.monthly_usd),
                    unit: "USD".to_owned(),
                },
            },
            notifications_with_subscribers: env
                .budget
                .alert_thresholds_percent
                .iter()
                .map(|t| budgets::NotificationWithSubscribers {
                    notification: budgets::Notification {
                        notification_type: "ACTUAL".to_owned(),
                        comparison_operator: "GREATER_THAN".to_owned(),
                        threshold: f64::from(*t),
                        threshold_type: "PERCENTAGE".to_owned(),
                    },
                    subscribers: vec![budgets::Subscriber {
                        subscription_type: "SNS".to_owned(),
                        address: topic.clone(),
                    }],
                })
                .collect(),
        })
        .depends_on("AlarmTopicPolicy"),
    );
}

fn alarm(
    name: &str,
    description: &str,
    namespace: &str,
    metric: &str,
    dimensions: Vec<cloudwatch::Dimension>,
    topic: Value<String>,
) -> cloudwatch::Alarm {
    cloudwatch::Alarm {
        alarm_name: name.to_owned(),
        alarm_description: description.to_owned(),
        namespace: namespace.to_owned(),
        metric_name: metric.to_owned(),
        dimensions,
        statistic: "Sum".to_owned(),
        period: 300,
        evaluation_periods: 1,
        threshold: 1.0,
        comparison_operator: "GreaterThanOrEqualToThreshold".to_owned(),
        treat_missing_data: "notBreaching".to_owned(),
        actions_enabled: true,
        alarm_actions: vec![topic],
    }
}

fn kebab(id: &str) -> String {
    let mut out = String::new();
    for (i, c) in id.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

fn dashboard(env: &Environment, names: &Names, alarms: &[String]) -> String {
    let region = names.region();
    let alarm_arns: Vec<String> = alarms
        .iter()
        .map(|a| names.arn_string("cloudwatch", region, names.account(), &format!("alarm:{a}")))
        .collect();
    let jobs: Vec<String> = env
        .datasets
        .keys()
        .flat_map(|d| ["clean", "curate"].map(|j| names.job(d, j)))
        .collect();
    let job_metrics: Vec<serde_json::Value> = jobs
        .iter()
        .map(|j| {
            json!([
                "Glue",
                "glue.driver.aggregate.elapsedTime",
                "JobName",
                j,
                "JobRunId",
                "ALL",
                "Type",
                "count"
            ])
        })
        .collect();
    let body = json!({
        "widgets": [
            {"type": "alarm", "x": 0, "y": 0, "width": 24, "height": 6,
             "properties": {"title": "Alarms", "alarms": alarm_arns}},
            {"type": "metric", "x": 0, "y": 6, "width": 12, "height": 6,
             "properties": {"title": "Glue job run time (ms)", "region": region, "stat": "Maximum",
                            "period": 3600, "metrics": job_metrics}},
            {"type": "metric", "x": 12, "y": 6, "width": 12, "height": 6,
             "properties": {"title": "Athena bytes scanned", "region": region, "stat": "Sum",
                            "period": 3600,
                            "metrics": [["AWS/Athena", "ProcessedBytes", "WorkGroup", names.workgroup()]]}},
        ]
    });
    serde_json::to_string(&body).expect("a dashboard body serializes")
}
