use super::prelude::*;

rule! {
    /// Flags a role that people (or other accounts' principals) assume and that may start a
    /// Glue job run directly, with argument overrides.
    ///
    /// ## What it checks
    ///
    /// No identity policy attached to a role whose trust policy names an AWS principal (a
    /// person's SSO role, a user, an account) allows `glue:StartJobRun`, however spelt
    /// (`glue:Start*`, `glue:*`, a `NotAction`). Such roles run jobs through on-demand triggers
    /// (`glue:StartTrigger`), which carry no arguments. Roles that only Glue assumes (the
    /// jobs' own roles) are not concerned.
    ///
    /// ## Why
    ///
    /// `StartJobRun` accepts `Arguments` that override the job's defaults: another
    /// `--scriptLocation`, or `--additional-python-modules` that Glue 5.0 installs from the
    /// internet. Whoever may call it runs code of their choice as the job's role, which reads
    /// raw and writes and deletes curated objects: a way around the data perimeter.
    ///
    /// ## Example
    ///
    /// Failing (in a data engineer's policy):
    ///
    /// ```yaml
    /// - Sid: RunJobs
    ///   Effect: Allow
    ///   Action: [glue:StartJobRun, glue:GetJobRun]
    ///   Resource: arn:aws:glue:ca-central-1:111111111111:job/dap-dev-business-licences-curate
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// - Sid: RunJobsAsDeployed
    ///   Effect: Allow
    ///   Action: [glue:GetTrigger, glue:StartTrigger]
    ///   Resource: arn:aws:glue:ca-central-1:111111111111:trigger/dap-dev-business-licences-curate-on-demand
    /// ```
    ///
    /// ## Remediation
    ///
    /// Grant `glue:StartTrigger` on the job's on-demand trigger instead; change what a job runs
    /// by changing the platform (a reviewed deploy), not at run time.
    ///
    /// ## References
    ///
    /// - Glue job parameters (`--additional-python-modules`, `--scriptLocation`): <https://docs.aws.amazon.com/glue/latest/dg/aws-glue-programming-etl-glue-arguments.html>
    /// - StartJobRun: <https://docs.aws.amazon.com/glue/latest/webapi/API_StartJobRun.html>
    JobStartableWithOverrides {
        code: codes::JOB_STARTABLE_WITH_OVERRIDES,
        name: "job-startable-with-overrides",
        severity: Error,
        fix: "grant glue:StartTrigger on the job's on-demand trigger instead of glue:StartJobRun",
    }
}

impl Rule for JobStartableWithOverrides {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        let policies = &cx.model.policies;
        // Roles some AWS principal (a person, a user, an account) may assume.
        let assumed_by_people = |role: &str| {
            policies.attached(PolicyKind::Trust, role).any(|t| {
                t.allow
                    && (t.not_principal
                        || t.principals.iter().any(|p| {
                            matches!(
                                p,
                                PrincipalPattern::Aws(_)
                                    | PrincipalPattern::Any
                                    | PrincipalPattern::Unknown
                            )
                        }))
            })
        };
        for r in cx.resources() {
            for s in cx.statements_of(&r).filter(|s| {
                s.allow && s.kind == PolicyKind::Identity && s.covers_action("glue:StartJobRun")
            }) {
                let people: Vec<&String> = s
                    .attached_to
                    .iter()
                    .filter(|role| assumed_by_people(role))
                    .collect();
                if people.is_empty() {
                    continue;
                }
                let roles: Vec<String> = people.iter().map(|r| format!("`{r}`")).collect();
                out.push(Hit::on(
                    &r,
                    format!(
                        "{} of `{}` lets {} start job runs with argument overrides (`glue:StartJobRun`)",
                        s.label(),
                        s.place,
                        roles.join(", ")
                    ),
                ));
            }
        }
    }
}
