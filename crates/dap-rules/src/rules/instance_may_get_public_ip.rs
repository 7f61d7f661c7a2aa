use super::prelude::*;

rule! {
    /// Flags an EC2 launch template or instance that may get a public IP address.
    ///
    /// ## What it checks
    ///
    /// Every `AWS::EC2::LaunchTemplate` declares its network interfaces, each with
    /// `AssociatePublicIpAddress: false`; so does every `AWS::EC2::Instance` that is not
    /// launched from a launch template. Leaving it out lets the subnet's default decide.
    ///
    /// ## Why
    ///
    /// The report server lives in a private subnet and is reached through SSM and HTTPS from
    /// the City's networks; a public address would expose it to the internet whatever the
    /// subnet says. AWS Security Hub EC2.9, checkov CKV_AWS_88, cdk-nag EC23-family.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// NetworkInterfaces:
    ///   - DeviceIndex: 0
    ///     AssociatePublicIpAddress: true
    ///     SubnetId: subnet-0123456789abcdef0
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// NetworkInterfaces:
    ///   - DeviceIndex: 0
    ///     AssociatePublicIpAddress: false
    ///     SubnetId: subnet-0123456789abcdef0
    /// ```
    ///
    /// ## Remediation
    ///
    /// Declare the network interface with `AssociatePublicIpAddress: false` in a private
    /// subnet.
    ///
    /// ## References
    ///
    /// - AWS Security Hub EC2.9: <https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html>
    InstanceMayGetPublicIp {
        code: codes::INSTANCE_MAY_GET_PUBLIC_IP,
        name: "instance-may-get-public-ip",
        severity: Error,
        fix: "declare the network interfaces with AssociatePublicIpAddress false",
    }
}

fn check_interfaces(r: &Res<'_>, interfaces: &Value, out: &mut Vec<Hit>) {
    let nis = items(interfaces);
    if nis.is_empty() {
        out.push(Hit::on(
            r,
            "no `NetworkInterfaces`: the subnet's default decides whether it gets a public IP",
        ));
    }
    for ni in nis {
        if !is_false(&ni["AssociatePublicIpAddress"]) {
            out.push(Hit::on(
                r,
                format!(
                    "network interface `{}` has `AssociatePublicIpAddress` `{}`, not false",
                    show(&ni["DeviceIndex"]),
                    show(&ni["AssociatePublicIpAddress"])
                ),
            ));
        }
    }
}

impl Rule for InstanceMayGetPublicIp {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for r in cx.resources() {
            match r.ty() {
                "AWS::EC2::LaunchTemplate" => {
                    check_interfaces(&r, &r.prop("LaunchTemplateData")["NetworkInterfaces"], out)
                }
                "AWS::EC2::Instance" if !is_set(r.prop("LaunchTemplate")) => {
                    check_interfaces(&r, r.prop("NetworkInterfaces"), out)
                }
                _ => {}
            }
        }
    }
}
