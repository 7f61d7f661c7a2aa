use super::prelude::*;

/// Condition keys that limit a `*` principal to an account or organisation.
const ACCOUNT_KEYS: &[&str] = &[
    "kms:CallerAccount",
    "aws:PrincipalAccount",
    "aws:PrincipalOrgID",
];

rule! {
    /// Flags a KMS key policy that allows anyone (`Principal: "*"`) to use or manage the key.
    ///
    /// ## What it checks
    ///
    /// No `Allow` statement of an `AWS::KMS::Key`'s `KeyPolicy` has `Principal: "*"` or
    /// `Principal: {AWS: "*"}`, unless its condition limits it to an account or organisation
    /// (`kms:CallerAccount`, `aws:PrincipalAccount` or `aws:PrincipalOrgID`).
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
        fix: "replace the * principal with the account root, named roles or service principals",
    }
}

impl Rule for KeyPolicyAllowsPublicPrincipal {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for k in cx.of_type("AWS::KMS::Key") {
            for (n, s) in statements(k.prop("KeyPolicy")).iter().enumerate() {
                let limited = ACCOUNT_KEYS.iter().any(|key| s.has_condition_key(key));
                if s.allow && s.principal.anyone && !limited {
                    out.push(Hit::on(
                        &k,
                        format!("key policy {} allows `*` (anyone)", s.label(n)),
                    ));
                }
            }
        }
    }
}
