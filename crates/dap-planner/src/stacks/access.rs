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
