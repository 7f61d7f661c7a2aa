use super::prelude::*;

rule! {
    /// Flags a KMS key without an explicit key policy, or whose policy grants `kms:*` to
    /// anyone but the account root.
    ///
    /// ## What it checks
    ///
    /// Every `AWS::KMS::Key` has a `KeyPolicy`, and every `Allow` statement whose actions
    /// cover `kms:*` (`kms:*`, `kms*`, `*`, or a `NotAction`, which grants everything but a
    /// list) has only this account's root as principal
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
            if !is_set(k.prop("KeyPolicy")) {
                out.push(Hit::on(&k, "the key has no explicit `KeyPolicy`"));
                continue;
            }
            for s in cx.statements_of(&k) {
                // A `NotAction` grants everything but a list: as good as `kms:*`.
                let everything = if s.not_action {
                    true
                } else {
                    s.actions
                        .iter()
                        .any(|a| dap_model::matcher::covers(&a.to_ascii_lowercase(), "kms:"))
                };
                let root_only = !s.not_principal
                    && !s.principals.is_empty()
                    && s.principals.iter().all(|p| match p {
                        PrincipalPattern::Aws(a) => cx.model.pin().is_account(a),
                        _ => false,
                    });
                if s.allow && everything && !root_only {
                    out.push(Hit::on(
                        &k,
                        format!(
                            "key policy {} grants `kms:*` to a principal other than the account root",
                            s.label()
                        ),
                    ));
                }
            }
        }
    }
}
