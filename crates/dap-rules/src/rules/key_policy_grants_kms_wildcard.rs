use super::prelude::*;

rule! {
    /// Flags a KMS key without an explicit key policy, or whose policy grants `kms:*` to
    /// anyone but the account root.
    ///
    /// ## What it checks
    ///
    /// Every `AWS::KMS::Key` has a `KeyPolicy`, and every `Allow` statement whose actions
    /// cover `kms:*` (`kms:*`, `*`, or a `NotAction`) has only account-root principals
    /// (`arn:aws:iam::<account>:root`), the key-administration statement AWS recommends,
    /// which delegates to IAM.
    ///
    /// ## Why
    ///
    /// Without an explicit policy, CloudFormation writes a default one; with `kms:*` for a
    /// role or a service, that principal could change the policy, disable the key or schedule
    /// its deletion. The baseline allows `kms:*` only to the account root as administrator.
    /// AWS Security Hub KMS.1/KMS.2, cdk-nag IAM5 on key policies.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// - Sid: GlueManagesKey
    ///   Effect: Allow
    ///   Principal: {Service: glue.amazonaws.com}
    ///   Action: kms:*
    ///   Resource: "*"
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// - Sid: KeyAdministrationByAccount
    ///   Effect: Allow
    ///   Principal: {AWS: arn:aws:iam::111111111111:root}
    ///   Action: kms:*
    ///   Resource: "*"
    /// ```
    ///
    /// ## Remediation
    ///
    /// Write the key policy out; give services and roles only the actions they use
    /// (`kms:Decrypt`, `kms:GenerateDataKey*`, ...).
    ///
    /// ## References
    ///
    /// - Default key policy: <https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html>
    /// - AWS Security Hub KMS controls: <https://docs.aws.amazon.com/securityhub/latest/userguide/kms-controls.html>
    KeyPolicyGrantsKmsWildcard {
        code: codes::KEY_POLICY_GRANTS_KMS_WILDCARD,
        name: "key-policy-grants-kms-wildcard",
        severity: Error,
        fix: "write an explicit KeyPolicy and grant kms:* only to the account root; list the actions other principals need",
    }
}

impl Rule for KeyPolicyGrantsKmsWildcard {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for k in cx.of_type("AWS::KMS::Key") {
            let policy = k.prop("KeyPolicy");
            if !is_set(policy) {
                out.push(Hit::on(&k, "the key has no explicit `KeyPolicy`"));
                continue;
            }
            for (n, s) in statements(policy).iter().enumerate() {
                if s.allow && s.covers("kms:*") && !s.principal_is_account_root() {
                    out.push(Hit::on(
                        &k,
                        format!(
                            "key policy {} grants `kms:*` to a principal other than the account root",
                            s.label(n)
                        ),
                    ));
                }
            }
        }
    }
}
