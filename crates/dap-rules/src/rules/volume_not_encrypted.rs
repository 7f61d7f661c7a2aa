use super::launch_template;
use super::prelude::*;

rule! {
    /// Flags an EBS volume (a volume, or an instance's or launch template's block device) that
    /// is not encrypted with a customer-managed key.
    ///
    /// ## What it checks
    ///
    /// Every `AWS::EC2::LaunchTemplate` maps its block devices (at least the root volume) with
    /// `Ebs: {Encrypted: true, KmsKeyId: ...}`; so does every `AWS::EC2::Instance` that is not
    /// launched from a launch template; every `AWS::EC2::Volume` has `Encrypted: true` and a
    /// `KmsKeyId`.
    ///
    /// ## Why
    ///
    /// The report server caches query results on its disk. Without a mapping, the root volume
    /// takes the image's (usually unencrypted) snapshot settings. AWS Security Hub EC2.3 and
    /// EC2.7, checkov CKV_AWS_8 and CKV_AWS_3, cdk-nag EC26.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// LaunchTemplateData:
    ///   BlockDeviceMappings:
    ///     - DeviceName: /dev/xvda
    ///       Ebs: {VolumeSize: 30, Encrypted: false}
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// LaunchTemplateData:
    ///   BlockDeviceMappings:
    ///     - DeviceName: /dev/xvda
    ///       Ebs: {VolumeSize: 30, Encrypted: true, KmsKeyId: !Ref DataKeyArn}
    /// ```
    ///
    /// ## Remediation
    ///
    /// Map the root device with `Encrypted: true` and the data key.
    ///
    /// ## References
    ///
    /// - AWS Security Hub EC2.3, EC2.7: <https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html>
    /// - EBS encryption: <https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html>
    VolumeNotEncrypted {
        code: codes::VOLUME_NOT_ENCRYPTED,
        name: "volume-not-encrypted",
        severity: Error,
        fix: "map every block device with Ebs Encrypted true and the data key as KmsKeyId",
    }
}

fn check_mappings(r: &Res<'_>, mappings: &Value, out: &mut Vec<Hit>) {
    let maps = items(mappings);
    if maps.is_empty() {
        out.push(Hit::on(
            r,
            "no `BlockDeviceMappings`: the root volume takes the image's encryption settings",
        ));
    }
    for m in maps {
        let ebs = &m["Ebs"];
        if is_set(ebs) && (!is_true(&ebs["Encrypted"]) || !is_set(&ebs["KmsKeyId"])) {
            out.push(Hit::on(
                r,
                format!(
                    "block device `{}` is not encrypted with a customer-managed key",
                    show(&m["DeviceName"])
                ),
            ));
        }
    }
}

impl Rule for VolumeNotEncrypted {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for r in cx.resources() {
            match r.ty() {
                "AWS::EC2::LaunchTemplate" => check_mappings(
                    &r,
                    &r.prop("LaunchTemplateData")["BlockDeviceMappings"],
                    out,
                ),
                "AWS::EC2::Instance"
                    if !is_set(r.prop("LaunchTemplate"))
                        || (launch_template(cx, &r).is_none()
                            && is_set(r.prop("BlockDeviceMappings"))) =>
                {
                    check_mappings(&r, r.prop("BlockDeviceMappings"), out)
                }
                "AWS::EC2::Volume"
                    if !is_true(r.prop("Encrypted")) || !is_set(r.prop("KmsKeyId")) =>
                {
                    out.push(Hit::on(
                        &r,
                        "the volume is not encrypted with a customer-managed key",
                    ));
                }
                _ => {}
            }
        }
    }
}
