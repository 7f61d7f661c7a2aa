use super::prelude::*;

/// The oldest Glue version AWS still supports for Spark jobs.
const OLDEST_SUPPORTED: f64 = 4.0;

rule! {
    /// Flags a Glue job on a Glue version AWS no longer supports.
    ///
    /// ## What it checks
    ///
    /// Every `AWS::Glue::Job` has a `GlueVersion` of 4.0 or later (without one, Glue uses
    /// 0.9).
    ///
    /// ## Why
    ///
    /// Versions past their end of support get no security patches for Spark, Python and the
    /// bundled libraries, and AWS stops running them. AWS Security Hub Glue.4.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// BusinessLicencesCleanJob:
    ///   Type: AWS::Glue::Job
    ///   Properties:
    ///     GlueVersion: "2.0"
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// BusinessLicencesCleanJob:
    ///   Type: AWS::Glue::Job
    ///   Properties:
    ///     GlueVersion: "5.0"
    /// ```
    ///
    /// ## Remediation
    ///
    /// Move the job to Glue 5.0 (the platform's `GLUE_VERSION`) and test the scripts under it
    /// (`make job-clean`).
    ///
    /// ## References
    ///
    /// - AWS Security Hub Glue.4: <https://docs.aws.amazon.com/securityhub/latest/userguide/glue-controls.html>
    /// - Glue version support policy: <https://docs.aws.amazon.com/glue/latest/dg/glue-version-support-policy.html>
    GlueJobOnUnsupportedVersion {
        code: codes::GLUE_JOB_ON_UNSUPPORTED_VERSION,
        name: "glue-job-on-unsupported-version",
        severity: Error,
        fix: "set GlueVersion to 5.0",
    }
}

impl Rule for GlueJobOnUnsupportedVersion {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for j in cx.of_type("AWS::Glue::Job") {
            let version = j.prop("GlueVersion");
            match number(version) {
                Some(v) if v >= OLDEST_SUPPORTED => {}
                Some(_) => out.push(Hit::on(
                    &j,
                    format!("Glue {} is past its end of support", show(version)),
                )),
                None => out.push(Hit::on(&j, "no `GlueVersion`, so Glue runs the job on 0.9")),
            }
        }
    }
}
