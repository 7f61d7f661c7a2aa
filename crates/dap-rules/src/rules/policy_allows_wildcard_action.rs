use super::prelude::*;

rule! {
    /// Flags a policy statement that allows every action (`*`), every action of a service
    /// (`s3:*`), a wildcard that reaches actions nobody listed (`s3:*Object`, `*:Get*`), or
    /// everything but a list (`NotAction`).
    ///
    /// ## What it checks
    ///
    /// No `Allow` statement of any identity, trust, bucket, topic or queue policy in the
    /// templates has an action `*` or `<service>:*`, uses `NotAction`, or has a wildcard (`*`
    /// or `?`, in any position, service part included) that expands to a sensitive action:
    /// a data read or write, a deletion, a permission or configuration change, `iam:PassRole`
    /// (the list is `dap_model::semantics::SENSITIVE_ACTIONS`). `s3:*Object` reaches
    /// `s3:DeleteObject`; `*:Get*` reaches `s3:GetObject`; `kms:GenerateDataKey*` reaches
    /// only the data-key variants and passes. Matching runs in linear time, so a pattern of
    /// sixty stars costs microseconds. Key policies are
    /// checked by `DAP-KMS-003` instead, which allows `kms:*` for the account root as key
    /// administrator. `Deny` statements may use wildcards (the TLS-only statements do).
    ///
    /// ## Why
    ///
    /// A wildcard grants actions nobody reviewed, including those AWS adds later; `s3:*` on
    /// a data bucket includes `s3:DeleteBucketPolicy` and `s3:PutBucketAcl`. Least privilege
    /// lists actions. AWS Security Hub IAM.1 and IAM.21, checkov CKV_AWS_107 to CKV_AWS_111,
    /// cdk-nag IAM5.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// - Sid: ManageRaw
    ///   Effect: Allow
    ///   Action: s3:*
    ///   Resource: arn:aws:s3:::dap-dev-raw-111111111111-ca-central-1/*
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// - Sid: ManageRaw
    ///   Effect: Allow
    ///   Action: [s3:AbortMultipartUpload, s3:DeleteObject, s3:GetObject, s3:PutObject]
    ///   Resource: arn:aws:s3:::dap-dev-raw-111111111111-ca-central-1/business-licences/*
    /// ```
    ///
    /// ## Remediation
    ///
    /// List the actions the role needs (the planner's `roles.rs` is the place for platform
    /// roles).
    ///
    /// ## References
    ///
    /// - AWS Security Hub IAM.1, IAM.21: <https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html>
    /// - cdk-nag IAM5: <https://github.com/cdklabs/cdk-nag/blob/main/RULES.md>
    PolicyAllowsWildcardAction {
        code: codes::POLICY_ALLOWS_WILDCARD_ACTION,
        name: "policy-allows-wildcard-action",
        severity: Error,
        fix: "list the actions the principal needs instead of * or <service>:*; do not Allow with NotAction",
    }
}

/// Whether an action is `*` or a whole service (`s3:*`, `*:*`).
fn is_whole_service(action: &str) -> bool {
    action == "*" || action.split_once(':').is_some_and(|(_, verb)| verb == "*")
}

impl Rule for PolicyAllowsWildcardAction {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for r in cx.resources() {
            for s in cx
                .statements_of(&r)
                .filter(|s| s.allow && s.kind != PolicyKind::Key)
            {
                if s.not_action {
                    out.push(Hit::on(
                        &r,
                        format!(
                            "{} of `{}` allows everything but a list (`NotAction`)",
                            s.label(),
                            s.place
                        ),
                    ));
                    continue;
                }
                let mut wild = Vec::new();
                for a in &s.actions {
                    if is_whole_service(a) {
                        wild.push(format!("`{a}`"));
                        continue;
                    }
                    let reach = semantics::sensitive_reach(a);
                    if !reach.is_empty() {
                        let shown: Vec<&str> = reach.iter().copied().take(3).collect();
                        let more = if reach.len() > 3 { ", …" } else { "" };
                        wild.push(format!("`{a}` (which reaches `{}`{more})", shown.join("`, `")));
                    }
                }
                if !wild.is_empty() {
                    out.push(Hit::on(
                        &r,
                        format!("{} of `{}` allows {}", s.label(), s.place, wild.join(", ")),
                    ));
                }
            }
        }
    }
}
