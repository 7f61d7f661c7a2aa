//! CloudTrail: a multi-region trail with log file validation, KMS encryption, delivery to
//! CloudWatch Logs, and S3 data events on the data zones.

use dap_cfn::policy::{PolicyDocument, Statement};
use dap_cfn::resources::{cloudtrail, iam, logs};
use dap_cfn::{get_att, r#ref, ResourceEntry, Template};
use dap_config::Environment;

use crate::builder::{Builder, Key};
use crate::names::{Names, Zone};
use crate::stacks::access::service_trust;

pub fn build(env: &Environment, names: &Names) -> Template {
    let mut b = Builder::new(
        env,
        names,
        "dap audit: CloudTrail trail, its log group and delivery role",
    );
    let logs_key = b.key_arn(Key::Logs);
    b.add(
        "TrailLogGroup",
        ResourceEntry::new(logs::LogGroup {
            log_group_name: names.trail_log_group(),
            kms_key_id: logs_key.clone(),
            retention_in_days: env.retention.log_retention_days,
            tags: b.tags(),
        })
        .retain(),
    );
    let role = "trail-delivery";
    b.add(
        "TrailDeliveryRole",
        ResourceEntry::new(iam::Role {
            role_name: names.role(role),
            description: "CloudTrail delivers events to the trail's log group".to_owned(),
            assume_role_policy_document: service_trust(names, "cloudtrail.amazonaws.com"),
            max_session_duration: 3600,
            managed_policy_arns: vec![r#ref("TrailDeliveryRolePolicy")],
            tags: b.tags(),
        }),
    );
    b.add(
        "TrailDeliveryRolePolicy",
        ResourceEntry::new(iam::ManagedPolicy {
            managed_policy_name: names.role(role),
            description: "What the trail-delivery role may do".to_owned(),
            policy_document: PolicyDocument::new(vec![Statement::allow(
                "DeliverToTrailLogGroup",
                &["logs:CreateLogStream", "logs:PutLogEvents"],
                vec![names.local_arn(
                    "logs",
                    &format!("log-group:{}:log-stream:*", names.trail_log_group()),
                )],
            )]),
            roles: Vec::new(),
        }),
    );
    // Object events on every bucket holding data or code that runs with data access: the
    // data lake, the query results, and the assets (Glue scripts, docs).
    let data_buckets = Zone::ALL
        .iter()
        .filter(|z| z.is_data_zone() || matches!(z, Zone::AthenaResults | Zone::Assets))
        .map(|z| format!("arn:{}:s3:::{}/", names.partition(), names.bucket(*z)).into())
        .collect();
    b.add(
        "Trail",
        ResourceEntry::new(cloudtrail::Trail {
            trail_name: names.trail(),
            is_logging: true,
            is_multi_region_trail: true,
            include_global_service_events: true,
            enable_log_file_validation: true,
            s3_bucket_name: names.bucket(Zone::TrailLogs).into(),
            kms_key_id: logs_key,
            cloud_watch_logs_log_group_arn: get_att("TrailLogGroup", "Arn"),
            cloud_watch_logs_role_arn: get_att("TrailDeliveryRole", "Arn"),
            event_selectors: vec![cloudtrail::EventSelector {
                read_write_type: "All".to_owned(),
                include_management_events: true,
                data_resources: vec![cloudtrail::DataResource {
                    kind: "AWS::S3::Object".to_owned(),
                    values: data_buckets,
                }],
            }],
            tags: b.tags(),
        })
        .retain()
        .depends_on("TrailDeliveryRolePolicy"),
    );
    // The derived ARN rather than `GetAtt Trail.Arn`: the same value, and moto cannot resolve
    // attributes of resource types it does not create (CloudTrail).
    b.output("TrailArn", "the trail", names.trail_arn());
    b.output(
        "TrailLogGroupName",
        "the trail's log group",
        r#ref("TrailLogGroup"),
    );
    b.finish()
}
