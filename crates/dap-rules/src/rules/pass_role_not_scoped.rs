use super::prelude::*;

rule! {
    /// Flags an `iam:PassRole` grant that is not limited to named roles and to the service
    /// they are passed to.
    ///
    /// ## What it checks
    ///
    /// Every `Allow` statement of an identity policy whose actions cover `iam:PassRole`
    /// (`iam:PassRole`, `iam:Pass*`, `iam:*`) names each role: a role ARN without wildcards,
    /// or a reference to a role of the template; and has an `iam:PassedToService` condition
    /// that pins the service positively (`StringEquals` or `StringLike` with a service name
    /// without wildcards). A negated operator (`StringNotEquals iam:PassedToService`), an
    /// `…IfExists` operator (which holds when the key is absent) or a wildcard value lets the
    /// role go to any other service, so it scopes nothing.
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
            for s in cx.statements_of(&r).filter(|s| {
                s.allow
                    && s.kind == PolicyKind::Identity
                    && !s.not_action
                    && s.covers_action("iam:PassRole")
                    && !s.actions.iter().any(|a| a == "*")
            }) {
                let mut wrong = Vec::new();
                let named = |v: &String| {
                    v.contains(":role/") && !v.contains(['*', '?']) && !v.ends_with('/')
                };
                if s.not_resource || s.resources.is_empty() || !s.resources.iter().all(named) {
                    wrong.push("does not name each role (no wildcards)");
                }
                if !s.pins("iam:PassedToService", |v| !v.contains(['*', '?'])) {
                    wrong.push(
                        "has no positive `iam:PassedToService` condition (a negated or `IfExists` operator scopes nothing)",
                    );
                }
                if !wrong.is_empty() {
                    out.push(Hit::on(
                        &r,
                        format!(
                            "{} of `{}` allows `iam:PassRole` but {}",
                            s.label(),
                            s.place,
                            wrong.join(" and ")
                        ),
                    ));
                }
            }
        }
    }
}
