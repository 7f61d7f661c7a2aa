use super::prelude::*;

rule! {
    /// Flags an inline policy on an IAM user.
    ///
    /// ## What it checks
    ///
    /// No `AWS::IAM::User` has `Policies`, no `AWS::IAM::Policy` lists `Users`, and there is
    /// no `AWS::IAM::UserPolicy`.
    ///
    /// ## Why
    ///
    /// Inline user policies are invisible in the account's policy list and are missed by
    /// CloudFormation drift detection; they tie permissions to a person instead of a role.
    /// AWS Security Hub IAM.2, checkov CKV_AWS_40, CIS AWS Foundations 1.15.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// UploaderPolicy:
    ///   Type: AWS::IAM::Policy
    ///   Properties:
    ///     PolicyName: upload
    ///     Users: [!Ref ReportUploader]
    ///     PolicyDocument: {Version: "2012-10-17", Statement: [...]}
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// UploaderPolicy:
    ///   Type: AWS::IAM::ManagedPolicy
    ///   Properties:
    ///     Roles: [!Ref UploaderRole]
    ///     PolicyDocument: {Version: "2012-10-17", Statement: [...]}
    /// ```
    ///
    /// ## Remediation
    ///
    /// Attach a customer-managed policy to a role instead (and remove the user,
    /// `DAP-IAM-005`).
    ///
    /// ## References
    ///
    /// - AWS Security Hub IAM.2: <https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html>
    UserHasInlinePolicy {
        code: codes::USER_HAS_INLINE_POLICY,
        name: "user-has-inline-policy",
        severity: Error,
        fix: "attach a customer-managed policy to a role instead of an inline policy to a user",
    }
}

impl Rule for UserHasInlinePolicy {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for r in cx.resources() {
            let message = match r.ty() {
                "AWS::IAM::User" if !items(r.prop("Policies")).is_empty() => {
                    "the user has inline `Policies`"
                }
                "AWS::IAM::Policy" if !items(r.prop("Users")).is_empty() => {
                    "the inline policy is attached to `Users`"
                }
                "AWS::IAM::UserPolicy" => "the template declares an inline user policy",
                _ => continue,
            };
            out.push(Hit::on(&r, message));
        }
    }
}
