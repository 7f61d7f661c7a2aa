use super::prelude::*;

rule! {
    /// Flags an Athena workgroup whose query results are not encrypted with a KMS key.
    ///
    /// ## What it checks
    ///
    /// Every `AWS::Athena::WorkGroup` has `WorkGroupConfiguration.ResultConfiguration` with an
    /// `OutputLocation` and an `EncryptionConfiguration` whose `EncryptionOption` is `SSE_KMS`
    /// or `CSE_KMS` with a `KmsKey`.
    ///
    /// ## Why
    ///
    /// Query results are copies of curated data; they must be under the data key like the
    /// data itself. AWS Security Hub Athena.1 family, checkov CKV_AWS_82.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// ResultConfiguration:
    ///   OutputLocation: s3://dap-dev-athena-results-111111111111-ca-central-1/dap-dev-analytics/
    ///   EncryptionConfiguration:
    ///     EncryptionOption: SSE_S3
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// ResultConfiguration:
    ///   OutputLocation: s3://dap-dev-athena-results-111111111111-ca-central-1/dap-dev-analytics/
    ///   EncryptionConfiguration:
    ///     EncryptionOption: SSE_KMS
    ///     KmsKey: !Ref DataKeyArn
    /// ```
    ///
    /// ## Remediation
    ///
    /// Encrypt results with `SSE_KMS` and the data key.
    ///
    /// ## References
    ///
    /// - Encrypting Athena query results: <https://docs.aws.amazon.com/athena/latest/ug/encrypting-query-results-stored-in-s3.html>
    WorkgroupResultsNotEncrypted {
        code: codes::WORKGROUP_RESULTS_NOT_ENCRYPTED,
        name: "workgroup-results-not-encrypted",
        severity: Error,
        fix: "set ResultConfiguration EncryptionConfiguration to SSE_KMS with the data key",
    }
}

impl Rule for WorkgroupResultsNotEncrypted {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for w in cx.of_type("AWS::Athena::WorkGroup") {
            let result = &w.prop("WorkGroupConfiguration")["ResultConfiguration"];
            let enc = &result["EncryptionConfiguration"];
            let option = text(&enc["EncryptionOption"]);
            if !is_set(&result["OutputLocation"]) {
                out.push(Hit::on(&w, "the workgroup sets no result location"));
            } else if !matches!(option, Some("SSE_KMS" | "CSE_KMS")) || !is_set(&enc["KmsKey"]) {
                out.push(Hit::on(
                    &w,
                    format!(
                        "query results are encrypted with `{}` and key `{}`, not SSE_KMS with a KMS key",
                        option.unwrap_or("nothing"),
                        show(&enc["KmsKey"])
                    ),
                ));
            }
        }
    }
}
