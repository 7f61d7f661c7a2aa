use super::prelude::*;
use crate::policy::is_named_role;
use crate::value::action_matches;

rule! {
    /// Flags an `iam:PassRole` grant that is not limited to named roles and to the service
    /// they are passed to.
    ///
    /// ## What it checks
    ///
    /// Every `Allow` statement of an identity policy whose actions cover `iam:PassRole`
    /// (`iam:PassRole`, `iam:Pass*`, `iam:*`) names each role: a role ARN without wildcards,
    /// or a reference to a role of the template; and has an `iam:PassedToService` condition.
    /// (`Action: "*"` is `DAP-IAM-001`'s.)
    ///
    /// ## Why
    ///
    /// Passing a role to a service lets the caller act with the role's permissions: PassRole
    /// on `*` lets a data engineer hand the account's most powerful role to a Glue job they
    /// write. The baseline: "`iam:PassRole` only to named role ARNs with an
    /// `iam:PassedToService` condition". checkov CKV_AWS_286, cdk-nag IAM5.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// - Sid: PassGlueRoles
    ///   Effect: Allow
    ///   Action: iam:PassRole
    ///   Resource: arn:aws:iam::111111111111:role/*
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// - Sid: PassGlueRoles
    ///   Effect: Allow
    ///   Action: iam:PassRole
    ///   Resource: arn:aws:iam::111111111111:role/dap-dev-glue-clean
    ///   Condition:
    ///     StringEquals: {iam:PassedToService: glue.amazonaws.com}
    /// ```
    ///
    /// ## Remediation
    ///
    /// List the role ARNs and add `StringEquals: {iam:PassedToService: <service>}`.
    ///
    /// ## References
    ///
    /// - Granting a user permissions to pass a role: <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html>
    /// - `iam:PassedToService`: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html>
    PassRoleNotScoped {
        code: codes::PASS_ROLE_NOT_SCOPED,
        name: "pass-role-not-scoped",
        severity: Error,
        fix: "list the role ARNs and add an iam:PassedToService condition",
    }
}

impl Rule for PassRoleNotScoped {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for r in cx.resources() {
            for d in documents(&r)
                .into_iter()
                .filter(|d| d.kind == Kind::Identity)
            {
                for (n, s) in statements(d.doc).iter().enumerate() {
                    let passes = !s.not_action
                        && s.actions.iter().any(|a| {
                            a.to_ascii_lowercase().starts_with("iam:")
                                && action_matches(a, "iam:PassRole")
                        });
                    if !s.allow || !passes {
                        continue;
                    }
                    let mut wrong = Vec::new();
                    if s.not_resource
                        || s.resources.is_empty()
                        || !s.resources.iter().all(|v| is_named_role(&r, v))
                    {
                        wrong.push("does not name each role (no wildcards)");
                    }
                    if !s.has_condition_key("iam:PassedToService") {
                        wrong.push("has no `iam:PassedToService` condition");
                    }
                    if !wrong.is_empty() {
                        out.push(Hit::on(
                            &r,
                            format!(
                                "{} of `{}` allows `iam:PassRole` but {}",
                                s.label(n),
                                d.place,
                                wrong.join(" and ")
                            ),
                        ));
                    }
                }
            }
        }
    }
}
