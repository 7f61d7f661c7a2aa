use super::prelude::*;

rule! {
    /// Flags a role whose trust policy lets a principal assume it that the account does not
    /// control.
    ///
    /// ## What it checks
    ///
    /// Every `Allow` statement of an `AWS::IAM::Role`'s `AssumeRolePolicyDocument`, read for
    /// meaning:
    ///
    /// - `Principal: "*"`, `{AWS: "*"}`, an unresolvable principal or `NotPrincipal`: flagged
    ///   unless a condition pins the caller to the account positively (`StringEquals` or
    ///   `ArnEquals`/`ArnLike` on `aws:PrincipalAccount`, `aws:PrincipalOrgID` or
    ///   `aws:PrincipalArn`, values inside the account);
    /// - another account (its root, a role, an account id): flagged unless the statement pins
    ///   `sts:ExternalId` positively (the confused-deputy protection for third parties);
    /// - the account's own root (`arn:aws:iam::<account>:root` or the bare id), which
    ///   delegates to every IAM principal of the account: flagged unless a condition pins
    ///   `aws:PrincipalArn` (or `aws:PrincipalAccount`/`aws:PrincipalOrgID` together with
    ///   `aws:PrincipalArn`) to named principals;
    /// - a service principal (`glue.amazonaws.com`): flagged unless `aws:SourceAccount` or
    ///   `aws:SourceArn` is pinned positively to the account.
    ///
    /// A negated operator (`StringNotEquals`), an `…IfExists` operator, `ForAllValues:` or a
    /// wildcard value never pins: `StringNotEquals aws:SourceAccount 999999999999` lets every
    /// other account's Glue jobs in.
    ///
    /// ## Why
    ///
    /// Whoever may assume a role holds its permissions: a trust policy open to `*` or to a
    /// foreign account hands the analyst's or the curate job's data access to strangers.
    /// IAM Access Analyzer's external-access findings, AWS Security Hub IAM.1, the AWS
    /// confused-deputy guidance.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// AssumeRolePolicyDocument:
    ///   Statement:
    ///     - Effect: Allow
    ///       Principal: {AWS: arn:aws:iam::999999999999:root}
    ///       Action: sts:AssumeRole
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// AssumeRolePolicyDocument:
    ///   Statement:
    ///     - Effect: Allow
    ///       Principal: {Service: glue.amazonaws.com}
    ///       Action: sts:AssumeRole
    ///       Condition:
    ///         StringEquals: {aws:SourceAccount: "111111111111"}
    /// ```
    ///
    /// ## Remediation
    ///
    /// Name the roles (or SSO permission-set roles) that may assume the role; bind service
    /// principals with `aws:SourceAccount`; give third parties an `sts:ExternalId`.
    ///
    /// ## References
    ///
    /// - The confused deputy problem: <https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html>
    /// - IAM JSON policy elements, Condition operators: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>
    TrustPolicyAllowsUntrustedPrincipal {
        code: codes::TRUST_POLICY_ALLOWS_UNTRUSTED_PRINCIPAL,
        name: "trust-policy-allows-untrusted-principal",
        severity: Error,
        fix: "name the principals that may assume the role; bind services with aws:SourceAccount and third parties with sts:ExternalId",
    }
}

impl Rule for TrustPolicyAllowsUntrustedPrincipal {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        let m = &cx.model;
        let pin = m.pin();
        for r in cx.resources() {
            for s in cx
                .statements_of(&r)
                .filter(|s| s.allow && s.kind == PolicyKind::Trust)
            {
                let arn_pinned = s.pins("aws:PrincipalArn", |v| {
                    semantics::value_in_account(pin, v) && !v.ends_with(":root")
                });
                let mut why: Vec<String> = Vec::new();
                if s.not_principal && !m.scoped_to_account(s) {
                    why.push("everyone but a list (`NotPrincipal`)".to_owned());
                }
                for p in s.principals.iter().filter(|_| !s.not_principal) {
                    match p {
                        PrincipalPattern::Any | PrincipalPattern::Unknown
                            if !m.scoped_to_account(s) =>
                        {
                            why.push("`*` (anyone, in any account)".to_owned());
                        }
                        PrincipalPattern::Aws(a)
                            if !m.principal_in_account(a)
                                && !s.pins("sts:ExternalId", |v| !v.contains(['*', '?'])) =>
                        {
                            why.push(format!(
                                "`{a}` (another account) without a positive `sts:ExternalId` condition"
                            ));
                        }
                        PrincipalPattern::Aws(a) if !m.principal_in_account(a) => {}
                        PrincipalPattern::Aws(a) if pin.is_account(a) && !arn_pinned => {
                            why.push(format!(
                                "the account root `{a}` (every IAM principal of the account) without an `aws:PrincipalArn` condition naming who"
                            ));
                        }
                        PrincipalPattern::Service(svc) if !m.bound_to_source(s) => {
                            why.push(format!(
                                "service `{svc}` without a positive `aws:SourceAccount`/`aws:SourceArn` condition"
                            ));
                        }
                        _ => {}
                    }
                }
                if !why.is_empty() {
                    out.push(Hit::on(
                        &r,
                        format!(
                            "trust policy {} lets these assume the role: {}",
                            s.label(),
                            why.join("; ")
                        ),
                    ));
                }
            }
        }
    }
}
