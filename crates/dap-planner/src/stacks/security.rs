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
            Key::Data => data_key_policy(env, names),
            Key::Logs => logs_key_policy(env, names),
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

/// Key administration stays with the account (the statement AWS requires so the key never
/// becomes unmanageable), without key *use*: an account administrator can manage the key but
/// not decrypt with it ([`key_use`] names who may).
fn root_admin(names: &Names) -> Statement {
    Statement::allow(
        "KeyAdministrationByAccount",
        ADMINISTER_KEY,
        vec!["*".into()],
    )
    .principal(Principal::Aws(vec![names.account_root()]))
}

/// What administering a key takes: everything but using it (no `Decrypt`, `Encrypt`,
/// `GenerateDataKey*`, `ReEncrypt*`) and no `CreateGrant` (a grant hands out use).
const ADMINISTER_KEY: &[&str] = &[
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RetireGrant",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
];

/// Key use for the platform's roles only (and the break-glass role, when the environment
/// names one), named by `aws:PrincipalArn` (a condition, so the
/// key policy is valid before the access stack creates the roles); their identity policies
/// still have to grant it, some only through a service (`kms:ViaService`).
fn key_use(env: &Environment, names: &Names, key: &str) -> Statement {
    let roles = crate::intent::key_users(env, key)
        .into_iter()
        .map(|r| names.role_arn(r))
        .chain(env.principals.break_glass.clone().map(Into::into))
        .collect();
    Statement::allow("KeyUseByPlatformRoles", USE_KEY, vec!["*".into()])
        .principal(Principal::Aws(vec![names.account_root()]))
        .when("ArnEquals", "aws:PrincipalArn", roles)
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

fn data_key_policy(env: &Environment, names: &Names) -> PolicyDocument {
    PolicyDocument::new(vec![
        root_admin(names),
        key_use(env, names, "DataKey"),
        source_account(
            names,
            Statement::allow("GlueEncryptsJobOutput", USE_KEY, vec!["*".into()])
                .principal(service("glue.amazonaws.com")),
        ),
    ])
}

fn logs_key_policy(env: &Environment, names: &Names) -> PolicyDocument {
    let logs_service = format!("logs.{}.amazonaws.com", names.region());
    // The platform's own log groups, by exact ARN: CloudWatch Logs names the group in the
    // encryption context of every call it makes with the key.
    let log_groups: Vec<Value<String>> = names
        .log_groups()
        .iter()
        .map(|g| names.log_group_arn(g))
        .collect();
    let trail_context: Value<String> = names
        .arn_string("cloudtrail", "*", names.account(), "trail/*")
        .into();
    PolicyDocument::new(vec![
        root_admin(names),
        key_use(env, names, "LogsKey"),
        Statement::allow("CloudWatchLogsEncryptsLogGroups", USE_KEY, vec!["*".into()])
            .principal(Principal::Service(vec![logs_service.into()]))
            .when(
                "ArnEquals",
                "kms:EncryptionContext:aws:logs:arn",
                log_groups,
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
