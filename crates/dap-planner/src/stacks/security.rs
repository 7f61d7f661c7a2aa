//! KMS keys with explicit key policies, aliases, and the SSM parameters publishing their ARNs.

use dap_cfn::policy::{PolicyDocument, Principal, Statement};
use dap_cfn::resources::{kms, ssm};
use dap_cfn::{get_att, r#ref, ResourceEntry, Template, Value};
use dap_config::Environment;

use crate::builder::{Builder, Key};
use crate::names::Names;

pub fn build(env: &Environment, names: &Names) -> Template {
    let mut b = Builder::new(env, names, "dap security: KMS keys for data and logs");
    for key in [Key::Data, Key::Logs] {
        let policy = match key {
            Key::Data => data_key_policy(names),
            Key::Logs => logs_key_policy(names),
        };
        let description = match key {
            Key::Data => {
                "Encrypts the data lake (landing, raw, curated), Glue output and Athena results"
            }
            Key::Logs => "Encrypts CloudTrail logs, CloudWatch Logs and the alarm topic",
        };
        let props = kms::Key {
            description: format!("{} ({})", description, env.name),
            enable_key_rotation: true,
            pending_window_in_days: 30,
            key_policy: policy,
            // No resource-level tags on keys and their parameters: the stack's tags (the same
            // set) propagate to both, and moto fails on resource-level tags of these two types.
            tags: Vec::new(),
        };
        b.add(key.logical_id(), ResourceEntry::new(props).retain());
        b.add(
            &format!("{}Alias", key.logical_id()),
            ResourceEntry::new(kms::Alias {
                alias_name: names.key_alias(key.slug()),
                target_key_id: r#ref(key.logical_id()),
            }),
        );
        b.add(
            &format!("{}ArnParameter", key.logical_id()),
            ResourceEntry::new(ssm::Parameter {
                name: names.key_parameter(key.slug()),
                description: format!("ARN of the {} key, read by the other stacks", key.slug()),
                kind: "String".to_owned(),
                value: get_att(key.logical_id(), "Arn"),
                tags: Default::default(),
            }),
        );
        b.output(
            &format!("{}Arn", key.logical_id()),
            &format!("ARN of the {} key", key.slug()),
            get_att(key.logical_id(), "Arn"),
        );
    }
    b.finish()
}

fn root_admin(names: &Names) -> Statement {
    Statement::allow("KeyAdministrationByAccount", &["kms:*"], vec!["*".into()])
        .principal(Principal::Aws(vec![names.account_root()]))
}

fn service(name: &str) -> Principal {
    Principal::Service(vec![name.into()])
}

fn source_account(names: &Names, s: Statement) -> Statement {
    s.when(
        "StringEquals",
        "aws:SourceAccount",
        vec![names.account().into()],
    )
}

const USE_KEY: &[&str] = &[
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey*",
    "kms:ReEncrypt*",
];

fn data_key_policy(names: &Names) -> PolicyDocument {
    PolicyDocument::new(vec![
        root_admin(names),
        source_account(
            names,
            Statement::allow("GlueEncryptsJobOutput", USE_KEY, vec!["*".into()])
                .principal(service("glue.amazonaws.com")),
        ),
    ])
}

fn logs_key_policy(names: &Names) -> PolicyDocument {
    let logs_service = format!("logs.{}.amazonaws.com", names.region());
    let log_groups: Value<String> = names
        .arn_string("logs", names.region(), names.account(), "log-group:*")
        .into();
    let trail_context: Value<String> = names
        .arn_string("cloudtrail", "*", names.account(), "trail/*")
        .into();
    PolicyDocument::new(vec![
        root_admin(names),
        Statement::allow("CloudWatchLogsEncryptsLogGroups", USE_KEY, vec!["*".into()])
            .principal(Principal::Service(vec![logs_service.into()]))
            .when(
                "ArnLike",
                "kms:EncryptionContext:aws:logs:arn",
                vec![log_groups],
            ),
        Statement::allow(
            "CloudTrailEncryptsLogFiles",
            &["kms:GenerateDataKey*"],
            vec!["*".into()],
        )
        .principal(service("cloudtrail.amazonaws.com"))
        .when(
            "StringLike",
            "kms:EncryptionContext:aws:cloudtrail:arn",
            vec![trail_context],
        )
        .when("StringEquals", "aws:SourceArn", vec![names.trail_arn()]),
        Statement::allow(
            "CloudTrailDescribesKey",
            &["kms:DescribeKey"],
            vec!["*".into()],
        )
        .principal(service("cloudtrail.amazonaws.com"))
        .when("StringEquals", "aws:SourceArn", vec![names.trail_arn()]),
        source_account(
            names,
            Statement::allow(
                "AlarmPublishersUseTopicKey",
                &["kms:Decrypt", "kms:GenerateDataKey*"],
                vec!["*".into()],
            )
            .principal(Principal::Service(vec![
                "budgets.amazonaws.com".into(),
                "cloudwatch.amazonaws.com".into(),
                "events.amazonaws.com".into(),
            ])),
        ),
    ])
}
