use super::prelude::*;

rule! {
    /// Flags a Glue job or crawler that runs without a security configuration.
    ///
    /// ## What it checks
    ///
    /// Every `AWS::Glue::Job` has a `SecurityConfiguration` and every `AWS::Glue::Crawler` a
    /// `CrawlerSecurityConfiguration`. (What the configuration encrypts is
    /// `DAP-GLUE-002`'s.)
    ///
    /// ## Why
    ///
    /// Without one, the job's S3 output falls back to the bucket default, its CloudWatch logs
    /// and job bookmarks are unencrypted. cdk-nag GL1 and GL3, checkov CKV_AWS_99 and
    /// CKV_AWS_195.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// BusinessLicencesCleanJob:
    ///   Type: AWS::Glue::Job
    ///   Properties:
    ///     GlueVersion: "5.0"
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// BusinessLicencesCleanJob:
    ///   Type: AWS::Glue::Job
    ///   Properties:
    ///     GlueVersion: "5.0"
    ///     SecurityConfiguration: dap-dev-glue-security
    /// ```
    ///
    /// ## Remediation
    ///
    /// Name the platform's Glue security configuration (catalog stack).
    ///
    /// ## References
    ///
    /// - Encrypting data written by Glue: <https://docs.aws.amazon.com/glue/latest/dg/encryption-security-configuration.html>
    /// - cdk-nag GL1, GL3: <https://github.com/cdklabs/cdk-nag/blob/main/RULES.md>
    GlueWithoutSecurityConfiguration {
        code: codes::GLUE_WITHOUT_SECURITY_CONFIGURATION,
        name: "glue-without-security-configuration",
        severity: Error,
        fix: "set SecurityConfiguration (jobs) or CrawlerSecurityConfiguration (crawlers)",
    }
}

impl Rule for GlueWithoutSecurityConfiguration {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for r in cx.resources() {
            let property = match r.ty() {
                "AWS::Glue::Job" => "SecurityConfiguration",
                "AWS::Glue::Crawler" => "CrawlerSecurityConfiguration",
                _ => continue,
            };
            let value = r.prop(property);
            if !is_set(value) || text(value) == Some("") {
                out.push(Hit::on(&r, format!("no `{property}`")));
            }
        }
    }
}
