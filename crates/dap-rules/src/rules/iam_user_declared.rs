use super::prelude::*;

rule! {
    /// Flags an IAM user.
    ///
    /// ## What it checks
    ///
    /// The templates declare no `AWS::IAM::User`.
    ///
    /// ## Why
    ///
    /// Users carry long-lived passwords and access keys. People reach the platform through
    /// IAM Identity Center and assume its roles (data engineer, analyst, auditor); services
    /// use roles. The baseline: "no IAM users at all". AWS Security Hub IAM.2 and IAM.6,
    /// CIS AWS Foundations 1.4 to 1.15.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// ReportUploader:
    ///   Type: AWS::IAM::User
    ///   Properties:
    ///     UserName: report-uploader
    /// ```
    ///
    /// Passing: a role the people or services assume.
    ///
    /// ```yaml
    /// DataEngineerRole:
    ///   Type: AWS::IAM::Role
    ///   Properties:
    ///     AssumeRolePolicyDocument:
    ///       Statement:
    ///         - Effect: Allow
    ///           Principal: {AWS: arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/ca-central-1/AWSReservedSSO_DataEngineer_0123}
    ///           Action: sts:AssumeRole
    /// ```
    ///
    /// ## Remediation
    ///
    /// Remove the user; add the person's Identity Center role to the environment's
    /// `principals`, or give the workload a role.
    ///
    /// ## References
    ///
    /// - AWS Security Hub IAM controls: <https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html>
    /// - IAM best practices (temporary credentials): <https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html>
    IamUserDeclared {
        code: codes::IAM_USER_DECLARED,
        name: "iam-user-declared",
        severity: Error,
        fix: "remove the IAM user; use a role assumed through IAM Identity Center or by the service",
    }
}

impl Rule for IamUserDeclared {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for u in cx.of_type("AWS::IAM::User") {
            out.push(Hit::on(&u, "the template declares an IAM user"));
        }
    }
}
