use super::prelude::*;
use crate::value::mentions;

rule! {
    /// Flags a role, user or group with an AWS managed policy attached.
    ///
    /// ## What it checks
    ///
    /// No `ManagedPolicyArns` entry of an `AWS::IAM::Role`, `AWS::IAM::User` or
    /// `AWS::IAM::Group` is an AWS managed policy (`arn:<partition>:iam::aws:policy/...`).
    ///
    /// ## Why
    ///
    /// AWS managed policies are written for every customer at once: broad (`AmazonS3FullAccess`
    /// on `*`), and AWS changes them without notice, so the permissions a reviewer approved are
    /// not the ones in force. The platform writes customer-managed policies scoped to its
    /// buckets, prefixes and keys. cdk-nag IAM4.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// GlueCleanRole:
    ///   Type: AWS::IAM::Role
    ///   Properties:
    ///     ManagedPolicyArns:
    ///       - arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// GlueCleanRolePolicy:
    ///   Type: AWS::IAM::ManagedPolicy
    ///   Properties:
    ///     Roles: [!Ref GlueCleanRole]
    ///     PolicyDocument: {Version: "2012-10-17", Statement: [...]}
    /// ```
    ///
    /// ## Remediation
    ///
    /// Replace the AWS managed policy with a customer-managed policy listing what the role
    /// needs.
    ///
    /// ## References
    ///
    /// - cdk-nag IAM4: <https://github.com/cdklabs/cdk-nag/blob/main/RULES.md>
    /// - AWS managed policies: <https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html>
    AwsManagedPolicyAttached {
        code: codes::AWS_MANAGED_POLICY_ATTACHED,
        name: "aws-managed-policy-attached",
        severity: Error,
        fix: "replace the AWS managed policy with a customer-managed policy scoped to the platform's resources",
    }
}

impl Rule for AwsManagedPolicyAttached {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for r in cx.resources() {
            if !matches!(
                r.ty(),
                "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group"
            ) {
                continue;
            }
            for arn in items(r.prop("ManagedPolicyArns")) {
                if mentions(arn, ":iam::aws:policy/") {
                    out.push(Hit::on(
                        &r,
                        format!("the AWS managed policy `{}` is attached", show(arn)),
                    ));
                }
            }
        }
    }
}
