//! The optional reporting host: an EC2 instance launched from a hardened launch template
//! (IMDSv2, encrypted EBS with the data key, no public IP, SSM instead of SSH), in a private
//! subnet, reachable on HTTPS only from the environment's allowed CIDRs.

use dap_cfn::policy::{PolicyDocument, Statement};
use dap_cfn::resources::{ec2, iam};
use dap_cfn::{base64, get_att, r#ref, ResourceEntry, Template, Value};
use dap_config::{Environment, Protection};

use crate::assets::{report_file, REPORT_FILES};
use crate::builder::{Builder, Key};
use crate::names::{Names, Zone};
use crate::roles::reporting_host_statements;
use crate::stacks::access::service_trust;
use crate::stacks::analytics::QUERY_DATASET;

/// The host's first-boot script; [`user_data`] exports its settings above it.
const BOOTSTRAP: &str = include_str!("../../../../pipelines/report/host/bootstrap.sh");

pub fn build(env: &Environment, names: &Names) -> Template {
    let mut b = Builder::new(
        env,
        names,
        "dap reporting: the report server (EC2, private, SSM-managed)",
    );
    let host = &env.reporting_host;
    let data_key = b.key_arn(Key::Data);
    add_security_group(&mut b, names, host);
    add_host_role(&mut b, env, names, &data_key);
    add_launch_template(&mut b, env, names, data_key);
    b.add(
        "ReportingHost",
        ResourceEntry::new(ec2::Instance {
            launch_template: ec2::LaunchTemplateRef {
                launch_template_id: r#ref("ReportingLaunchTemplate"),
                version: get_att("ReportingLaunchTemplate", "LatestVersionNumber"),
            },
            tags: b.tags(),
        }),
    );
    b.output(
        "ReportingHostId",
        "the report server's instance id",
        r#ref("ReportingHost"),
    );
    b.finish()
}

/// The host's security group: HTTPS in from the allowed networks, the egress [`egress`] gives.
fn add_security_group(b: &mut Builder<'_>, names: &Names, host: &dap_config::ReportingHost) {
    let vpc_id = host.vpc_id.clone().unwrap_or_default();
    b.add(
        "ReportingSecurityGroup",
        ResourceEntry::new(ec2::SecurityGroup {
            group_name: names.named("reporting"),
            group_description: "Report server: HTTPS from the allowed networks only".to_owned(),
            vpc_id,
            security_group_ingress: host
                .allowed_cidrs
                .iter()
                .map(|cidr| ec2::SecurityGroupRule {
                    description: format!("HTTPS from {cidr}"),
                    ip_protocol: "tcp".to_owned(),
                    from_port: 443,
                    to_port: 443,
                    cidr_ip: Some(cidr.clone()),
                    destination_prefix_list_id: None,
                })
                .collect(),
            security_group_egress: egress(host),
            tags: b.tags(),
        }),
    );
}

/// The host's role (EC2 trust), its managed policy (the SSM agent, then what the reports
/// read) and its instance profile.
fn add_host_role(b: &mut Builder<'_>, env: &Environment, names: &Names, data_key: &Value<String>) {
    let role = "reporting-host";
    b.add(
        "ReportingHostRole",
        ResourceEntry::new(iam::Role {
            role_name: names.role(role),
            description: "The report server: SSM-managed, queries curated data through Athena"
                .to_owned(),
            assume_role_policy_document: service_trust(names, "ec2.amazonaws.com"),
            max_session_duration: 3600,
            managed_policy_arns: vec![r#ref("ReportingHostRolePolicy")],
            tags: b.tags(),
        }),
    );
    let mut statements = vec![
        Statement::allow(
            "SsmAgentRegisters",
            &["ssm:UpdateInstanceInformation"],
            vec![names.local_arn("ec2", "instance/*")],
        ),
        Statement::allow(
            "SsmSessionChannels",
            &[
                "ssmmessages:CreateControlChannel",
                "ssmmessages:CreateDataChannel",
                "ssmmessages:OpenControlChannel",
                "ssmmessages:OpenDataChannel",
            ],
            vec!["*".into()],
        ),
    ];
    statements.extend(reporting_host_statements(
        env,
        names,
        data_key,
        QUERY_DATASET,
    ));
    b.add(
        "ReportingHostRolePolicy",
        ResourceEntry::new(iam::ManagedPolicy {
            managed_policy_name: names.role(role),
            description: "What the reporting-host role may do".to_owned(),
            policy_document: PolicyDocument::new(statements),
            roles: Vec::new(),
        }),
    );
    b.add(
        "ReportingInstanceProfile",
        ResourceEntry::new(iam::InstanceProfile {
            instance_profile_name: names.role(role),
            roles: vec![r#ref("ReportingHostRole")],
        }),
    );
}

/// The hardened launch template: IMDSv2, encrypted EBS with the data key, no public IP, the
/// first-boot script as user data.
fn add_launch_template(
    b: &mut Builder<'_>,
    env: &Environment,
    names: &Names,
    data_key: Value<String>,
) {
    let host = &env.reporting_host;
    let subnet_id = host.subnet_id.clone().unwrap_or_default();
    b.add(
        "ReportingLaunchTemplate",
        ResourceEntry::new(ec2::LaunchTemplate {
            launch_template_name: names.named("reporting"),
            launch_template_data: ec2::LaunchTemplateData {
                image_id: host.image.clone(),
                instance_type: host.instance_type.clone(),
                ebs_optimized: true,
                disable_api_termination: env.protection == Protection::Strict,
                metadata_options: ec2::MetadataOptions {
                    http_endpoint: "enabled".to_owned(),
                    http_tokens: "required".to_owned(),
                    http_put_response_hop_limit: 1,
                },
                monitoring: ec2::Monitoring { enabled: true },
                iam_instance_profile: ec2::IamInstanceProfile {
                    arn: get_att("ReportingInstanceProfile", "Arn"),
                },
                block_device_mappings: vec![ec2::BlockDeviceMapping {
                    device_name: "/dev/xvda".to_owned(),
                    ebs: ec2::Ebs {
                        encrypted: true,
                        kms_key_id: data_key,
                        volume_size: 30,
                        volume_type: "gp3".to_owned(),
                        delete_on_termination: true,
                    },
                }],
                network_interfaces: vec![ec2::NetworkInterface {
                    device_index: 0,
                    associate_public_ip_address: false,
                    subnet_id,
                    groups: vec![get_att("ReportingSecurityGroup", "GroupId")],
                    delete_on_termination: true,
                }],
                user_data: Some(base64(user_data(env, names))),
            },
        }),
    );
}

/// The first-boot script: [`BOOTSTRAP`] with the environment's settings exported after its
/// first line. Every value is known when the template is rendered (names are derived from
/// the environment), so the script reads as plain text in the template and in plans.
pub fn user_data(env: &Environment, names: &Names) -> String {
    let files: Vec<String> = REPORT_FILES
        .iter()
        .map(|(path, _, _)| {
            let asset = report_file(path);
            format!("{path}={}={}", asset.key, asset.sha256)
        })
        .collect();
    let settings = [
        ("DAP_REGION", env.region.clone()),
        ("DAP_ASSETS_BUCKET", names.bucket(Zone::Assets)),
        ("DAP_REPORT_FILES", files.join(" ")),
        ("DAP_WORKGROUP", names.workgroup()),
        ("DAP_DATABASE", names.database(QUERY_DATASET)),
        (
            "DAP_QUALITY_URI",
            names.s3_uri(Zone::Raw, &format!("_quality/{QUERY_DATASET}/")),
        ),
        ("DAP_CURATE_JOB", names.job(QUERY_DATASET, "curate")),
        (
            "DAP_REFRESH_MINUTES",
            env.reporting_host.refresh_minutes.to_string(),
        ),
    ];
    let (shebang, body) = BOOTSTRAP
        .split_once('\n')
        .unwrap_or(("#!/bin/bash", BOOTSTRAP));
    let mut out = format!(
        "{shebang}\n# Settings rendered by dap for `{}`:\n",
        env.name
    );
    for (key, value) in settings {
        // Names are validated lowercase words, ARNs and numbers: never a quote.
        assert!(!value.contains('\''), "{key} holds a quote");
        out.push_str(&format!("export {key}='{value}'\n"));
    }
    out.push_str(body);
    out
}

/// The report server's egress: HTTPS to what the environment names (the VPC endpoints' subnets,
/// the S3 gateway endpoint's prefix list), nothing else. With nothing named, one rule that
/// matches no traffic replaces the security group's default allow-all egress.
fn egress(host: &dap_config::ReportingHost) -> Vec<ec2::SecurityGroupRule> {
    let https =
        |description: String, cidr: Option<String>, list: Option<String>| ec2::SecurityGroupRule {
            description,
            ip_protocol: "tcp".to_owned(),
            from_port: 443,
            to_port: 443,
            cidr_ip: cidr,
            destination_prefix_list_id: list,
        };
    let mut out: Vec<ec2::SecurityGroupRule> = host
        .egress_cidrs
        .iter()
        .map(|c| https(format!("HTTPS to {c}"), Some(c.clone()), None))
        .chain(
            host.egress_prefix_lists
                .iter()
                .map(|l| https(format!("HTTPS to {l}"), None, Some(l.clone()))),
        )
        .collect();
    if out.is_empty() {
        out.push(ec2::SecurityGroupRule {
            description: "No egress: matches no traffic".to_owned(),
            ip_protocol: "icmp".to_owned(),
            from_port: 252,
            to_port: 86,
            cidr_ip: Some("255.255.255.255/32".to_owned()),
            destination_prefix_list_id: None,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prod() -> Environment {
        let text = include_str!("../../../../environments/prod.yaml");
        dap_config::parse("prod.yaml", text).expect("prod parses")
    }

    /// EC2 refuses user data over 16 KB (before base64); every setting the script requires
    /// (`: "${DAP_X:?}"`) is exported, once, before the script runs.
    #[test]
    fn the_user_data_fits_and_sets_what_the_script_requires() {
        let env = prod();
        let text = user_data(&env, &Names::new(&env));
        assert!(text.len() < 16 * 1024, "{} bytes", text.len());
        assert!(text.starts_with("#!/bin/bash\n"));
        let required: Vec<&str> = BOOTSTRAP
            .lines()
            .filter(|l| l.starts_with(": \""))
            .flat_map(|l| l.split("${").skip(1))
            .filter_map(|s| s.split(":?").next())
            .collect();
        assert_eq!(required.len(), 8, "{required:?}");
        for key in required {
            let line = format!("\nexport {key}='");
            assert_eq!(text.matches(&line).count(), 1, "{key}");
            assert!(text.find(&line) < text.find("set -euo pipefail"), "{key}");
        }
    }
}
