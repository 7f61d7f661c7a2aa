use super::prelude::*;

rule! {
    /// Flags a security group rule that lets the whole internet in.
    ///
    /// ## What it checks
    ///
    /// No `SecurityGroupIngress` entry of an `AWS::EC2::SecurityGroup`, and no
    /// `AWS::EC2::SecurityGroupIngress`, has `CidrIp: 0.0.0.0/0` or `CidrIpv6: ::/0`.
    /// Egress is not checked (the report server calls AWS APIs over HTTPS).
    ///
    /// ## Why
    ///
    /// The report server is for the City's networks only (the environment's
    /// `reporting_host.allowed_cidrs`, which refuses `0.0.0.0/0`); administration goes through
    /// SSM, not SSH. AWS Security Hub EC2.18, EC2.19 and EC2.53, checkov CKV_AWS_24,
    /// CKV_AWS_25 and CKV_AWS_260, cdk-nag EC23.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// SecurityGroupIngress:
    ///   - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// SecurityGroupIngress:
    ///   - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.20.0.0/16}
    /// ```
    ///
    /// ## Remediation
    ///
    /// Allow only the networks in `reporting_host.allowed_cidrs`.
    ///
    /// ## References
    ///
    /// - AWS Security Hub EC2 controls: <https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html>
    IngressOpenToTheWorld {
        code: codes::INGRESS_OPEN_TO_THE_WORLD,
        name: "ingress-open-to-the-world",
        severity: Error,
        fix: "allow ingress only from the environment's allowed CIDRs",
    }
}

fn open(rule: &Value) -> Option<&str> {
    match (text(&rule["CidrIp"]), text(&rule["CidrIpv6"])) {
        (Some(c @ "0.0.0.0/0"), _) | (_, Some(c @ "::/0")) => Some(c),
        _ => None,
    }
}

impl Rule for IngressOpenToTheWorld {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for r in cx.resources() {
            let rules = match r.ty() {
                "AWS::EC2::SecurityGroup" => items(r.prop("SecurityGroupIngress")),
                "AWS::EC2::SecurityGroupIngress" => vec![r.props()],
                _ => continue,
            };
            for rule in rules {
                if let Some(cidr) = open(rule) {
                    out.push(Hit::on(
                        &r,
                        format!(
                            "ingress on `{}` ports {}-{} is open to `{cidr}`",
                            show(&rule["IpProtocol"]),
                            show(&rule["FromPort"]),
                            show(&rule["ToPort"])
                        ),
                    ));
                }
            }
        }
    }
}
