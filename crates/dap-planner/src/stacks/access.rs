//! IAM roles and their customer-managed policies, each scoped to buckets, prefixes and keys.

use dap_cfn::policy::{PolicyDocument, Principal, Statement};
use dap_cfn::resources::iam;
use dap_cfn::{r#ref, ResourceEntry, Template, Value};
use dap_config::Environment;

use crate::builder::{Builder, Key};
use crate::names::Names;
use crate::roles::{self, RoleKind};

pub fn build(env: &Environment, names: &Names) -> Template {
    let mut b = Builder::new(
        env,
        names,
        "dap access: IAM roles for Glue, data engineers, analysts and auditors",
    );
    let data_key = b.key_arn(Key::Data);
    let logs_key = b.key_arn(Key::Logs);
    let keys = roles::Keys {
        data: data_key,
        logs: logs_key,
    };
    for role in RoleKind::ALL {
        let trust = match role.human_principals(env) {
            Some(principals) => PolicyDocument::new(vec![Statement::allow(
                "AssumedByNamedPrincipals",
                &["sts:AssumeRole"],
                vec![],
            )
            .principal(Principal::Aws(principals.iter().map(Value::from).collect()))]),
            None => service_trust(names, role.service()),
        };
        let role_entry = iam::Role {
            role_name: names.role(role.slug()),
            description: role.description().to_owned(),
            assume_role_policy_document: trust,
            max_session_duration: 3600,
            managed_policy_arns: vec![r#ref(&format!("{}Policy", role.logical_id()))],
            tags: b.tags(),
        };
        b.add(role.logical_id(), ResourceEntry::new(role_entry));
        b.add(
            &format!("{}Policy", role.logical_id()),
            ResourceEntry::new(iam::ManagedPolicy {
                managed_policy_name: names.role(role.slug()),
                description: format!("What the {} role may do", role.slug()),
                policy_document: PolicyDocument::new(roles::statements(env, names, &keys, role)),
                roles: Vec::new(),
            }),
        );
        b.output(
            &format!("{}Arn", role.logical_id()),
            &format!("ARN of the {} role", role.slug()),
            names.role_arn(role.slug()),
        );
    }
    b.finish()
}

/// A trust policy letting an AWS service assume a role, from this account only.
///
/// `aws:SourceArn` is not added to any of the platform's service trust policies, because none
/// of their services is documented to send it when it assumes the role (a condition on a key
/// the request lacks denies, so a guessed `SourceArn` would lock the service out):
///
/// - `cloudtrail.amazonaws.com` (the trail's CloudWatch Logs delivery role, audit stack):
///   the CloudTrail user guide, "Role policy document for CloudTrail to use CloudWatch Logs
///   for monitoring"
///   (<https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-required-policy-for-cloudwatch-logs.html>),
///   says confused-deputy prevention does not apply to this role: it "doesn't support the use
///   of `aws:SourceArn` and `aws:SourceAccount`". CloudTrail's own confused-deputy page
///   (<https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cross-service-confused-deputy-prevention.html>)
///   covers resource policies (the trail bucket, the logs key), where the key policy does pin
///   the trail's ARN. Users report that adding either key to this trust policy stops
///   delivery (prowler-cloud/prowler#4714). The `aws:SourceAccount` condition below is kept
///   as it was; see ARCHITECTURE.md, "Perimeter", for the open question it raises.
/// - `glue.amazonaws.com` (jobs and crawler) and `ec2.amazonaws.com` (the report server's
///   instance profile): the Glue and EC2 guides document no `aws:SourceArn` for the roles
///   they assume, and tools that demand it report them as false positives
///   (prowler-cloud/prowler#2810, #7021).
pub fn service_trust(names: &Names, service: &str) -> PolicyDocument {
    PolicyDocument::new(vec![Statement::allow(
        "AssumedByService",
        &["sts:AssumeRole"],
        vec![],
    )
    .principal(Principal::Service(vec![service.into()]))
    .when(
        "StringEquals",
        "aws:SourceAccount",
        vec![names.account().into()],
    )])
}
