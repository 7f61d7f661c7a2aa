use super::prelude::*;

rule! {
    /// Flags an EC2 launch template or instance that allows the instance metadata service
    /// version 1.
    ///
    /// ## What it checks
    ///
    /// Every `AWS::EC2::LaunchTemplate` has `LaunchTemplateData.MetadataOptions.HttpTokens:
    /// required` (or the endpoint disabled). Every `AWS::EC2::Instance` is launched from such
    /// a launch template: the instance resource itself cannot require IMDSv2.
    ///
    /// ## Why
    ///
    /// IMDSv1 answers any request from the host, so a server-side request forgery in the
    /// report server would hand out its role's credentials. IMDSv2 needs a session token.
    /// AWS Security Hub EC2.8, checkov CKV_AWS_79, cdk-nag EC29-family.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// ReportingLaunchTemplate:
    ///   Type: AWS::EC2::LaunchTemplate
    ///   Properties:
    ///     LaunchTemplateData:
    ///       MetadataOptions:
    ///         HttpTokens: optional
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// ReportingLaunchTemplate:
    ///   Type: AWS::EC2::LaunchTemplate
    ///   Properties:
    ///     LaunchTemplateData:
    ///       MetadataOptions:
    ///         HttpEndpoint: enabled
    ///         HttpTokens: required
    ///         HttpPutResponseHopLimit: 1
    /// ```
    ///
    /// ## Remediation
    ///
    /// Launch from a template with `HttpTokens: required`.
    ///
    /// ## References
    ///
    /// - AWS Security Hub EC2.8: <https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html>
    /// - Use IMDSv2: <https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html>
    InstanceMetadataV1Allowed {
        code: codes::INSTANCE_METADATA_V1_ALLOWED,
        name: "instance-metadata-v1-allowed",
        severity: Error,
        fix: "set MetadataOptions HttpTokens to required in the launch template and launch instances from it",
    }
}

impl Rule for InstanceMetadataV1Allowed {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for r in cx.resources() {
            match r.ty() {
                "AWS::EC2::LaunchTemplate" => {
                    let m = &r.prop("LaunchTemplateData")["MetadataOptions"];
                    if text(&m["HttpTokens"]) != Some("required")
                        && text(&m["HttpEndpoint"]) != Some("disabled")
                    {
                        out.push(Hit::on(
                            &r,
                            format!("`HttpTokens` is `{}`, not `required`", show(&m["HttpTokens"])),
                        ));
                    }
                }
                "AWS::EC2::Instance" if !is_set(r.prop("LaunchTemplate")) => out.push(Hit::on(
                    &r,
                    "the instance is not launched from a launch template, so IMDSv2 is not required",
                )),
                _ => {}
            }
        }
    }
}
