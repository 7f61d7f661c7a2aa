use super::prelude::*;

rule! {
    /// Flags a bucket, topic or queue policy that lets a principal outside the account in.
    ///
    /// ## What it checks
    ///
    /// Every `Allow` statement of an `AWS::S3::BucketPolicy`, `AWS::SNS::TopicPolicy` or
    /// `AWS::SQS::QueuePolicy`, read for meaning (key policies are `DAP-KMS-002`'s):
    ///
    /// - `Principal: "*"`, `{AWS: "*"}`, an unresolvable principal or `NotPrincipal`: flagged
    ///   unless a condition pins the caller to the account positively (`StringEquals` or
    ///   `ArnEquals`/`ArnLike` on `aws:PrincipalAccount`, `aws:PrincipalOrgID`,
    ///   `aws:PrincipalArn`, `aws:SourceAccount` or `aws:SourceArn`, with values inside the
    ///   account);
    /// - an AWS principal of another account (its root, a role, an account id): always
    ///   flagged, since the platform shares no data across accounts;
    /// - a service principal whose statement does not pin `aws:SourceAccount` or
    ///   `aws:SourceArn` to the account (another account's trail or log delivery could then
    ///   write through it).
    ///
    /// A negated operator (`StringNotEquals aws:PrincipalAccount <account>` admits every
    /// other account), an `…IfExists` operator (which holds for requests without the key),
    /// `ForAllValues:` or a wildcard value never pins.
    ///
    /// ## Why
    ///
    /// The bucket policies of the landing, raw and curated zones are the last gate before the
    /// City's data: one statement open to `*` publishes it. AWS Security Hub S3.2/S3.3/S3.6
    /// and SNS.2, IAM Access Analyzer's external-access findings, checkov CKV_AWS_70.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// - Sid: ShareCurated
    ///   Effect: Allow
    ///   Principal: "*"
    ///   Action: s3:GetObject
    ///   Resource: arn:aws:s3:::dap-dev-curated-111111111111-ca-central-1/*
    ///   Condition:
    ///     StringNotEquals: {aws:PrincipalAccount: "111111111111"}
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// - Sid: TrailWritesLogs
    ///   Effect: Allow
    ///   Principal: {Service: cloudtrail.amazonaws.com}
    ///   Action: s3:PutObject
    ///   Resource: arn:aws:s3:::dap-dev-trail-logs-111111111111-ca-central-1/AWSLogs/111111111111/*
    ///   Condition:
    ///     StringEquals: {aws:SourceAccount: "111111111111"}
    /// ```
    ///
    /// ## Remediation
    ///
    /// Grant the account's roles through their identity policies; bind service principals
    /// with `aws:SourceAccount`/`aws:SourceArn`; never allow `*` without a positive account
    /// condition.
    ///
    /// ## References
    ///
    /// - Data perimeters on AWS: <https://docs.aws.amazon.com/whitepapers/latest/building-a-data-perimeter-on-aws/perimeter-implementation.html>
    /// - IAM condition operators: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>
    ResourcePolicyAllowsOutsidePrincipal {
        code: codes::RESOURCE_POLICY_ALLOWS_OUTSIDE_PRINCIPAL,
        name: "resource-policy-allows-outside-principal",
        severity: Error,
        fix: "name the account's own principals; pin * with a positive aws:PrincipalAccount condition; bind services with aws:SourceAccount",
    }
}

impl Rule for ResourcePolicyAllowsOutsidePrincipal {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for r in cx.resources() {
            for s in cx.statements_of(&r).filter(|s| {
                matches!(
                    s.kind,
                    PolicyKind::Bucket | PolicyKind::Topic | PolicyKind::Queue
                )
            }) {
                let outside = cx.model.outside_principals(s);
                if outside.is_empty() {
                    continue;
                }
                let who: Vec<String> = outside.iter().map(|o| o.describe()).collect();
                let actions = if s.not_action {
                    format!("everything but `{}`", s.actions.join("`, `"))
                } else {
                    format!("`{}`", s.actions.join("`, `"))
                };
                out.push(Hit::on(
                    &r,
                    format!(
                        "{} {} allows {} to {actions}",
                        s.kind.label(),
                        s.label(),
                        who.join(", ")
                    ),
                ));
            }
        }
    }
}
