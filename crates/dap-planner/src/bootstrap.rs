//! The bootstrap template: the environment's deploy role, set up once per account, with
//! exactly the permissions `dap` needs to deploy, plan, verify and destroy this platform.
//!
//! Written by `dap render` as `<out>/<env>/bootstrap.yaml` for every environment with a
//! `deploy_role`; deployed by hand (or by the account vending process) once, as the stack
//! `<prefix>-bootstrap`, never by `dap` itself (it is the identity `dap` runs as).
//!
//! The permissions are derived, never written by hand:
//!
//! - **Resource handlers**: for every resource type in the rendered templates (and the lock
//!   stack's `AWS::CloudFormation::WaitConditionHandle`), the IAM actions CloudFormation needs
//!   to create, read, update and delete it, from the resource provider schemas
//!   ([`dap_cfn::facts::handler_permissions`]), one statement per service. They hold only for
//!   requests CloudFormation makes on the role's behalf (`aws:CalledVia`), in the
//!   environment's region (`aws:RequestedRegion`, IAM aside: it is global); IAM and S3 actions
//!   only on the platform's own names (`<prefix>-*`), and policies attached to roles only if
//!   they are the platform's own.
//! - **The applier's own calls**: CloudFormation on the environment's stacks, the assets
//!   bucket's objects, and the reads of `dap verify` ([`APPLIER_ACTIONS`], [`VERIFY_ACTIONS`], [`VERIFY_BUCKET_ACTIONS`] on the platform's buckets only).
//! - **Denied**: any change to the deploy role itself and its policies.
//!
//! No statement has a wildcard action. Statements are packed into as few managed policies as
//! IAM's size limit allows.

use std::collections::{BTreeMap, BTreeSet};

use dap_cfn::policy::{PolicyDocument, Principal, Statement};
use dap_cfn::resources::iam;
use dap_cfn::{r#ref, ResourceEntry, Template, Value};
use dap_config::{DeployRole, Environment};

use crate::builder::Builder;
use crate::names::{Names, Zone};
use crate::Rendered;

/// The resource type of the applier's lock stack (`<prefix>-lock`).
pub const LOCK_TYPE: &str = "AWS::CloudFormation::WaitConditionHandle";

/// The CloudFormation actions the applier calls on the environment's stacks.
pub const APPLIER_ACTIONS: &[&str] = &[
    "cloudformation:CreateChangeSet",
    "cloudformation:CreateStack",
    "cloudformation:DeleteChangeSet",
    "cloudformation:DeleteStack",
    "cloudformation:DescribeChangeSet",
    "cloudformation:DescribeStackEvents",
    "cloudformation:DescribeStacks",
    "cloudformation:ExecuteChangeSet",
    "cloudformation:GetTemplate",
    "cloudformation:ListChangeSets",
    "cloudformation:ListStackResources",
    "cloudformation:SetStackPolicy",
    "cloudformation:TagResource",
    "cloudformation:UntagResource",
    "cloudformation:UpdateStack",
    "cloudformation:UpdateTerminationProtection",
];

/// What `dap verify` reads (and `plan` reads of the deployed state outside CloudFormation).
pub const VERIFY_ACTIONS: &[&str] = &[
    "cloudtrail:GetEventSelectors",
    "cloudtrail:GetTrail",
    "cloudtrail:GetTrailStatus",
    "cloudwatch:DescribeAlarms",
    "glue:GetDatabase",
    "glue:GetTable",
    "iam:GetAccountAuthorizationDetails",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListGrants",
    "kms:ListKeys",
    "logs:DescribeLogGroups",
    "logs:DescribeMetricFilters",
    "sns:ListSubscriptionsByTopic",
];

/// What `dap verify` reads of the platform's buckets (granted on their names only).
pub const VERIFY_BUCKET_ACTIONS: &[&str] = &[
    "s3:GetBucketOwnershipControls",
    "s3:GetBucketPolicy",
    "s3:GetBucketPublicAccessBlock",
    "s3:GetBucketVersioning",
    "s3:GetEncryptionConfiguration",
    "s3:ListBucket",
];

/// Handler actions left out, with why: they serve properties the platform never sets and
/// would let the deploy role give permissions to identities outside the platform.
pub const LEFT_OUT: &[(&str, &str)] = &[
    ("iam:AttachGroupPolicy", "the platform has no IAM groups"),
    ("iam:AttachUserPolicy", "the platform has no IAM users"),
    ("iam:DetachGroupPolicy", "the platform has no IAM groups"),
    ("iam:DetachUserPolicy", "the platform has no IAM users"),
    (
        "iam:DeleteRolePermissionsBoundary",
        "the platform's roles have no permissions boundary",
    ),
    (
        "iam:PutRolePermissionsBoundary",
        "the platform's roles have no permissions boundary",
    ),
];

/// Why the deploy role's policies may act on resources they cannot name (shown by `dap check`
/// and in the findings report as the suppression's reason).
pub const UNNAMED_REASON: &str = "the deploy role creates the platform's resources through CloudFormation: keys, instances, security groups and named queries get ids AWS chooses, so these statements cannot name them in advance; each holds only for requests CloudFormation makes for the role (aws:CalledVia) in the environment's region (aws:RequestedRegion); IAM and S3 actions name the platform's own roles, policies and buckets, and `dap verify`'s reads are read-only";

/// IAM's limit on a managed policy document, in characters without whitespace.
const POLICY_LIMIT: usize = 6_144;

/// The rendered bootstrap template.
#[derive(Debug, Clone)]
pub struct Bootstrap {
    /// The stack name to deploy it as: `<prefix>-bootstrap`.
    pub stack_name: String,
    /// The typed template.
    pub template: Template,
    /// The template as YAML.
    pub yaml: String,
}

/// The bootstrap template of an environment with a deploy role; `None` without one.
pub fn bootstrap(env: &Environment, rendered: &Rendered) -> Option<Bootstrap> {
    let role = env.deploy_role.as_ref()?;
    let names = Names::new(env);
    let statements = deploy_statements(&names, rendered, role);
    let description = format!(
        "dap bootstrap for environment `{}` (account {}): the deploy role `{}` that `dap` assumes, with the permissions this platform needs. Deploy once per account as `{}`.",
        env.name,
        env.account_id,
        role.role_name(),
        names.named("bootstrap")
    );
    let mut b = Builder::new(env, &names, &description);
    let policy_refs = add_deploy_policies(&mut b, env, role, statements);
    add_deploy_role(&mut b, env, role, policy_refs);
    b.output(
        "DeployRoleArn",
        "The deploy role: the environment file's `deploy_role.arn`",
        dap_cfn::get_att("DeployRole", "Arn"),
    );
    let template = b.finish();
    let yaml = template.to_yaml();
    Some(Bootstrap {
        stack_name: names.named("bootstrap"),
        template,
        yaml,
    })
}

/// Everything the deploy role may do: its stacks, finding them, the assets, `dap verify`'s
/// reads, the handler permissions of every rendered type, and the deny on changing itself.
fn deploy_statements(names: &Names, rendered: &Rendered, role: &DeployRole) -> Vec<Statement> {
    let types: BTreeSet<&str> = rendered
        .stacks
        .iter()
        .flat_map(|s| s.template.resources.values().map(|r| r.type_name()))
        .chain([LOCK_TYPE])
        .collect();
    let mut statements = vec![
        stacks_statement(names),
        Statement::allow(
            "FindEnvironmentStacks",
            &["cloudformation:DescribeStacks"],
            vec!["*".into()],
        ),
        assets_statement(names),
        Statement::allow("VerifyReads", VERIFY_ACTIONS, vec!["*".into()]),
    ];
    let roles = named(rendered, "AWS::IAM::Role", "RoleName");
    let buckets = named(rendered, "AWS::S3::Bucket", "BucketName");
    statements.push(Statement::allow(
        "VerifyBuckets",
        VERIFY_BUCKET_ACTIONS,
        buckets.iter().map(|b| names.arn("s3", "", "", b)).collect(),
    ));
    statements.extend(handler_statements(names, &types, &roles, &buckets));
    statements.push(deny_self_change(names, role));
    statements
}

/// The sorted, distinct values of `property` on every rendered resource of `type_name`.
fn named(rendered: &Rendered, type_name: &str, property: &str) -> Vec<String> {
    let mut out: Vec<String> = rendered
        .stacks
        .iter()
        .flat_map(|s| s.template.resources.values())
        .filter(|r| r.type_name() == type_name)
        .filter_map(|r| {
            serde_json::to_value(&r.properties)
                .ok()
                .and_then(|p| p.get(property).and_then(|v| v.as_str()).map(str::to_owned))
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The deploy role's statements packed into managed policies under IAM's size limit
/// (`DeployPolicy1`, …); references to them.
fn add_deploy_policies(
    b: &mut Builder<'_>,
    env: &Environment,
    role: &DeployRole,
    statements: Vec<Statement>,
) -> Vec<Value<String>> {
    let mut policy_refs = Vec::new();
    for (i, document) in pack(statements).into_iter().enumerate() {
        let logical_id = format!("DeployPolicy{}", i + 1);
        let unnamed = document.statement.iter().any(spans_unnamed_resources);
        let mut entry = ResourceEntry::new(iam::ManagedPolicy {
            managed_policy_name: format!("{}-{}", role.role_name(), i + 1),
            description: format!(
                "What `dap` may do in environment `{}` (part {})",
                env.name,
                i + 1
            ),
            policy_document: document,
            roles: Vec::new(),
        });
        if unnamed {
            entry = entry.suppress("DAP-IAM-002", UNNAMED_REASON);
        }
        b.add(&logical_id, entry);
        policy_refs.push(r#ref(&logical_id));
    }
    policy_refs
}

/// The deploy role: trusted by the environment's deployers (with the external id, if any),
/// with the deploy policies attached.
fn add_deploy_role(
    b: &mut Builder<'_>,
    env: &Environment,
    role: &DeployRole,
    policy_refs: Vec<Value<String>>,
) {
    let mut trust = Statement::allow("TrustedDeployers", &["sts:AssumeRole"], vec![]).principal(
        Principal::Aws(
            role.trusted_principals
                .iter()
                .map(|p| p.as_str().into())
                .collect(),
        ),
    );
    if let Some(id) = &role.external_id {
        trust = trust.when("StringEquals", "sts:ExternalId", vec![id.as_str().into()]);
    }
    b.add(
        "DeployRole",
        ResourceEntry::new(iam::Role {
            role_name: role.role_name().to_owned(),
            description: format!("The identity `dap` deploys environment `{}` as", env.name),
            assume_role_policy_document: PolicyDocument::new(vec![trust]),
            max_session_duration: 3600,
            managed_policy_arns: policy_refs,
            tags: b.tags(),
        }),
    );
}

/// The applier's calls on the environment's stacks (and the lock stack).
fn stacks_statement(names: &Names) -> Statement {
    Statement::allow(
        "ManageEnvironmentStacks",
        APPLIER_ACTIONS,
        vec![names.local_arn("cloudformation", &format!("stack/{}-*/*", names.prefix()))],
    )
}

/// Uploading the Glue scripts to the assets bucket (and CloudFormation reading a large
/// template from it with the role's credentials). `VerifyBuckets` gives `s3:ListBucket` on
/// it, without which a script not uploaded yet answers 403 instead of 404.
fn assets_statement(names: &Names) -> Statement {
    Statement::allow(
        "UploadAssets",
        &["s3:GetObject", "s3:PutObject"],
        vec![names.objects_arn(Zone::Assets, "")],
    )
}

/// One statement per service of the handler actions the rendered types need.
fn handler_statements(
    names: &Names,
    types: &BTreeSet<&str>,
    roles: &[String],
    buckets: &[String],
) -> Vec<Statement> {
    let mut by_service: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for t in types {
        let actions = dap_cfn::facts::handler_permissions(t).unwrap_or_else(|| {
            panic!("no handler permissions for `{t}`: run scripts/gen-provider-data.py")
        });
        for action in actions {
            let (service, op) = action
                .split_once(':')
                .expect("actions are service:Operation");
            if !op.chars().all(|c| c.is_ascii_alphanumeric()) {
                continue; // not an IAM action (`s3:REST.PUT.OBJECT` in one schema)
            }
            let action = format!("{}:{op}", service.to_ascii_lowercase());
            if LEFT_OUT.iter().any(|(a, _)| *a == action) {
                continue;
            }
            by_service
                .entry(service.to_ascii_lowercase())
                .or_default()
                .insert(action);
        }
    }
    let mut out = Vec::new();
    for (service, actions) in by_service {
        let actions: Vec<&str> = actions.iter().map(String::as_str).collect();
        let sid = format!("Deploy{}", pascal(&service));
        let statement = match service.as_str() {
            "iam" => iam_statements(names, &sid, &actions, roles),
            "s3" => vec![Statement::allow(
                &sid,
                &actions,
                buckets
                    .iter()
                    .flat_map(|b| {
                        [
                            names.arn("s3", "", "", b),
                            names.arn("s3", "", "", &format!("{b}/*")),
                        ]
                    })
                    .collect(),
            )
            .when(
                "StringEquals",
                "aws:RequestedRegion",
                vec![names.region().into()],
            )],
            _ => vec![Statement::allow(&sid, &actions, vec!["*".into()]).when(
                "StringEquals",
                "aws:RequestedRegion",
                vec![names.region().into()],
            )],
        };
        out.extend(statement.into_iter().map(|s| {
            s.when(
                "ForAnyValue:StringEquals",
                "aws:CalledVia",
                vec!["cloudformation.amazonaws.com".into()],
            )
        }));
    }
    out
}

/// IAM handler actions: on the platform's own roles, policies and instance profiles; roles
/// passed only to the services the platform's roles serve; policies attached only if they
/// are the platform's own.
fn iam_statements(names: &Names, sid: &str, actions: &[&str], roles: &[String]) -> Vec<Statement> {
    let own = |kind: &str| {
        names.arn(
            "iam",
            "",
            names.account(),
            &format!("{kind}/{}-*", names.prefix()),
        )
    };
    let special = [
        "iam:AttachRolePolicy",
        "iam:DetachRolePolicy",
        "iam:PassRole",
        "iam:CreateServiceLinkedRole",
    ];
    let plain: Vec<&str> = actions
        .iter()
        .copied()
        .filter(|a| !special.contains(a))
        .collect();
    let mut out = vec![Statement::allow(
        sid,
        &plain,
        vec![own("role"), own("policy"), own("instance-profile")],
    )];
    let attach: Vec<&str> = actions
        .iter()
        .copied()
        .filter(|a| *a == "iam:AttachRolePolicy" || *a == "iam:DetachRolePolicy")
        .collect();
    if !attach.is_empty() {
        out.push(
            Statement::allow(
                &format!("{sid}AttachOwnPolicies"),
                &attach,
                vec![own("role")],
            )
            .when("ArnLike", "iam:PolicyARN", vec![own("policy")]),
        );
    }
    if actions.contains(&"iam:PassRole") {
        out.push(
            Statement::allow(
                &format!("{sid}PassOwnRoles"),
                &["iam:PassRole"],
                roles
                    .iter()
                    .map(|r| names.arn("iam", "", names.account(), &format!("role/{r}")))
                    .collect(),
            )
            .when(
                "StringEquals",
                "iam:PassedToService",
                vec![
                    "cloudtrail.amazonaws.com".into(),
                    "ec2.amazonaws.com".into(),
                    "glue.amazonaws.com".into(),
                ],
            ),
        );
    }
    if actions.contains(&"iam:CreateServiceLinkedRole") {
        out.push(Statement::allow(
            &format!("{sid}ServiceLinkedRoles"),
            &["iam:CreateServiceLinkedRole"],
            vec![names.arn("iam", "", names.account(), "role/aws-service-role/*")],
        ));
    }
    out
}

/// The deploy role may not change itself or its policies, whatever else allows it.
fn deny_self_change(names: &Names, role: &DeployRole) -> Statement {
    Statement::deny(
        "DenyChangingTheDeployRole",
        &[
            "iam:AttachRolePolicy",
            "iam:CreatePolicyVersion",
            "iam:DeletePolicy",
            "iam:DeletePolicyVersion",
            "iam:DeleteRole",
            "iam:DeleteRolePolicy",
            "iam:DetachRolePolicy",
            "iam:PutRolePolicy",
            "iam:SetDefaultPolicyVersion",
            "iam:UpdateAssumeRolePolicy",
            "iam:UpdateRole",
        ],
        vec![
            names.arn(
                "iam",
                "",
                names.account(),
                &format!("role/{}", role.role_name()),
            ),
            names.arn(
                "iam",
                "",
                names.account(),
                &format!("policy/{}-*", role.role_name()),
            ),
        ],
    )
}

/// A statement the platform's rules would flag for resources it does not name: an `Allow` on
/// `*` of anything but `Describe*`/`List*`.
fn spans_unnamed_resources(s: &Statement) -> bool {
    let everything = s.resource.iter().any(|r| r == &dap_cfn::Value::from("*"));
    let op = |a: &String| a.split_once(':').map_or(a.clone(), |(_, op)| op.to_owned());
    everything
        && s.effect == dap_cfn::policy::Effect::Allow
        && s.action
            .iter()
            .any(|a| !op(a).starts_with("Describe") && !op(a).starts_with("List"))
}

/// Pack statements, in order, into as few policy documents as IAM's size limit allows.
fn pack(statements: Vec<Statement>) -> Vec<PolicyDocument> {
    let size = |s: &Statement| serde_json::to_string(s).map_or(usize::MAX, |j| j.len());
    // The document's own characters (`{"Version":"2012-10-17","Statement":[]}`) and commas.
    let overhead = 64;
    let mut documents: Vec<Vec<Statement>> = Vec::new();
    let mut used = 0;
    for s in statements {
        let n = size(&s) + 1;
        match documents.last_mut() {
            Some(last) if used + n + overhead <= POLICY_LIMIT => {
                last.push(s);
                used += n;
            }
            _ => {
                documents.push(vec![s]);
                used = n;
            }
        }
    }
    documents.into_iter().map(PolicyDocument::new).collect()
}

/// `cloudwatch` → `Cloudwatch`, `s3` → `S3`.
fn pascal(service: &str) -> String {
    let mut c = service.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

/// A statement's actions that are not written out in full.
pub fn wildcard_actions(document: &PolicyDocument) -> Vec<String> {
    document
        .statement
        .iter()
        .flat_map(|s| s.action.iter())
        .filter(|a| a.contains(['*', '?']))
        .cloned()
        .collect()
}
