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

/// Key use for the platform's roles only, each only through the services that use the key on
/// its behalf (`kms:ViaService`, [`crate::intent::key_services`]), named by `aws:PrincipalArn`
/// (a condition, so the key policy is valid before the access stack creates the roles): one
/// statement per set of services, the first `KeyUseByPlatformRoles`. The break-glass role,
/// when the environment names one, uses the key directly (`KeyUseByBreakGlass`): in an
/// incident it may have to. Identity policies still have to grant it too.
fn key_use(env: &Environment, names: &Names, key: &str) -> Vec<Statement> {
    let mut groups: Vec<(&'static [&'static str], Vec<Value<String>>)> = Vec::new();
    for role in crate::intent::key_users(env, key) {
        let services = crate::intent::key_services(role, key);
        match groups.iter_mut().find(|(s, _)| *s == services) {
            Some((_, roles)) => roles.push(names.role_arn(role)),
            None => groups.push((services, vec![names.role_arn(role)])),
        }
    }
    let mut out: Vec<Statement> = groups
        .into_iter()
        .enumerate()
        .map(|(i, (services, roles))| {
            let sid = if i == 0 {
                "KeyUseByPlatformRoles".to_owned()
            } else {
                format!(
                    "KeyUseByPlatformRolesThrough{}",
                    services
                        .iter()
                        .map(|s| {
                            let mut c = s.chars();
                            c.next()
                                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                                .unwrap_or_default()
                        })
                        .collect::<String>()
                )
            };
            Statement::allow(&sid, USE_KEY, vec!["*".into()])
                .principal(Principal::Aws(vec![names.account_root()]))
                .when("ArnEquals", "aws:PrincipalArn", roles)
                .when(
                    "StringEquals",
                    "kms:ViaService",
                    services
                        .iter()
                        .map(|s| format!("{s}.{}.amazonaws.com", names.region()).into())
                        .collect(),
                )
        })
        .collect();
    if let Some(arn) = &env.principals.break_glass {
        out.push(
            Statement::allow("KeyUseByBreakGlass", USE_KEY, vec!["*".into()])
                .principal(Principal::Aws(vec![names.account_root()]))
                .when("ArnEquals", "aws:PrincipalArn", vec![arn.clone().into()]),
        );
    }
    out
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
    let mut statements = vec![root_admin(names)];
    statements.extend(key_use(env, names, "DataKey"));
    statements.push(source_account(
        names,
        Statement::allow("GlueEncryptsJobOutput", USE_KEY, vec!["*".into()])
            .principal(service("glue.amazonaws.com")),
    ));
    PolicyDocument::new(statements)
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
    let mut statements = vec![root_admin(names)];
    statements.extend(key_use(env, names, "LogsKey"));
    statements.extend(vec![
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
    ]);
    PolicyDocument::new(statements)
}
