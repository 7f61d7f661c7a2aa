use super::prelude::*;

rule! {
    /// Flags a KMS key policy that lets a principal outside the account use or manage the key.
    ///
    /// ## What it checks
    ///
    /// No `Allow` statement of an `AWS::KMS::Key`'s `KeyPolicy` reaches outside the account:
    ///
    /// - `Principal: "*"`, `{AWS: "*"}`, an unresolvable principal or `NotPrincipal`, unless a
    ///   condition pins the caller to the account positively (`StringEquals` or `ArnEquals`/
    ///   `ArnLike` on `kms:CallerAccount`, `aws:PrincipalAccount`, `aws:PrincipalOrgID`,
    ///   `aws:PrincipalArn`, `aws:SourceAccount` or `aws:SourceArn`, with values inside the
    ///   account). A negated operator (`StringNotEquals kms:CallerAccount`), an `…IfExists`
    ///   operator, `ForAllValues:` or a wildcard value does not pin anything: `StringNotEquals
    ///   kms:CallerAccount <own account>` opens the key to every *other* account;
    /// - an AWS principal of another account (its root, a role, an account id);
    /// - a service principal whose statement does not tie the request to the account's own
    ///   resources (`aws:SourceAccount`, `aws:SourceArn`, or the encryption context of the
    ///   account's log groups or trail).
    ///
    /// ## Why
    ///
    /// A key policy is the key's only gate: with a public principal, any AWS account can use
    /// the key to decrypt what it protects. AWS Security Hub KMS.1/KMS.2 and the IAM Access
    /// Analyzer public-access finding, checkov CKV_AWS_33.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// KeyPolicy:
    ///   Version: "2012-10-17"
    ///   Statement:
    ///     - Sid: AnyoneDecrypts
    ///       Effect: Allow
    ///       Principal: "*"
    ///       Action: kms:Decrypt
    ///       Resource: "*"
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// KeyPolicy:
    ///   Version: "2012-10-17"
    ///   Statement:
    ///     - Sid: GlueEncryptsJobOutput
    ///       Effect: Allow
    ///       Principal: {Service: glue.amazonaws.com}
    ///       Action: [kms:Decrypt, kms:Encrypt, kms:GenerateDataKey*]
    ///       Resource: "*"
    ///       Condition:
    ///         StringEquals: {aws:SourceAccount: "111111111111"}
    /// ```
    ///
    /// ## Remediation
    ///
    /// Name the principals: the account root for administration, service principals with an
    /// `aws:SourceAccount` condition for services, roles for people.
    ///
    /// ## References
    ///
    /// - AWS Security Hub KMS controls: <https://docs.aws.amazon.com/securityhub/latest/userguide/kms-controls.html>
    /// - Key policies: <https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html>
    KeyPolicyAllowsPublicPrincipal {
        code: codes::KEY_POLICY_ALLOWS_PUBLIC_PRINCIPAL,
        name: "key-policy-allows-public-principal",
        severity: Error,
        fix: "name the account root, the account's roles, or service principals bound with aws:SourceAccount; pin any * principal with a positive kms:CallerAccount condition",
    }
}

impl Rule for KeyPolicyAllowsPublicPrincipal {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for k in cx.of_type("AWS::KMS::Key") {
            for s in cx.statements_of(&k) {
                let outside = cx.model.outside_principals(s);
                if !outside.is_empty() {
                    let who: Vec<String> = outside.iter().map(|o| o.describe()).collect();
                    out.push(Hit::on(
                        &k,
                        format!(
                            "key policy {} allows {} to use or manage the key",
                            s.label(),
                            who.join(", ")
                        ),
                    ));
                }
            }
        }
    }
}
