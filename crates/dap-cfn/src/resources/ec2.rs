//! `AWS::EC2::*`.

use serde::Serialize;

use super::Tag;
use crate::Value;

/// `AWS::EC2::SecurityGroup`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityGroup {
    pub group_name: String,
    pub group_description: String,
    pub vpc_id: String,
    pub security_group_ingress: Vec<SecurityGroupRule>,
    pub security_group_egress: Vec<SecurityGroupRule>,
    pub tags: Vec<Tag>,
}

/// One ingress or egress rule.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityGroupRule {
    pub description: String,
    pub ip_protocol: String,
    pub from_port: u16,
    pub to_port: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cidr_ip: Option<String>,
    /// Egress only: a managed prefix list (an S3 gateway endpoint's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_prefix_list_id: Option<String>,
}

/// `AWS::EC2::LaunchTemplate`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LaunchTemplate {
    pub launch_template_name: String,
    pub launch_template_data: LaunchTemplateData,
}

/// The instance settings.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LaunchTemplateData {
    pub image_id: String,
    pub instance_type: String,
    pub ebs_optimized: bool,
    pub disable_api_termination: bool,
    pub metadata_options: MetadataOptions,
    pub monitoring: Monitoring,
    pub iam_instance_profile: IamInstanceProfile,
    pub block_device_mappings: Vec<BlockDeviceMapping>,
    pub network_interfaces: Vec<NetworkInterface>,
    /// The first-boot script (`Fn::Base64` of readable text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_data: Option<Value<String>>,
}

/// Instance metadata service settings.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetadataOptions {
    pub http_endpoint: String,
    pub http_tokens: String,
    pub http_put_response_hop_limit: u32,
}

/// Detailed monitoring.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Monitoring {
    pub enabled: bool,
}

/// The instance profile.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct IamInstanceProfile {
    pub arn: Value<String>,
}

/// A volume.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BlockDeviceMapping {
    pub device_name: String,
    pub ebs: Ebs,
}

/// EBS settings.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Ebs {
    pub encrypted: bool,
    pub kms_key_id: Value<String>,
    pub volume_size: u32,
    pub volume_type: String,
    pub delete_on_termination: bool,
}

/// The primary network interface.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NetworkInterface {
    pub device_index: u32,
    pub associate_public_ip_address: bool,
    pub subnet_id: String,
    pub groups: Vec<Value<String>>,
    pub delete_on_termination: bool,
}

/// `AWS::EC2::Instance`, launched from a launch template.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Instance {
    pub launch_template: LaunchTemplateRef,
    pub tags: Vec<Tag>,
}

/// Which launch template version.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LaunchTemplateRef {
    pub launch_template_id: Value<String>,
    pub version: Value<String>,
}
