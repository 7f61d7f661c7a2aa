use super::prelude::*;

rule! {
    /// Flags a Glue security configuration that leaves S3 output, CloudWatch logs or job
    /// bookmarks without KMS encryption.
    ///
    /// ## What it checks
    ///
    /// Every `AWS::Glue::SecurityConfiguration` has an `S3Encryptions` entry with
    /// `S3EncryptionMode: SSE-KMS` and a `KmsKeyArn`, `CloudWatchEncryption` with
    /// `CloudWatchEncryptionMode: SSE-KMS` and a `KmsKeyArn`, and `JobBookmarksEncryption`
    /// with `JobBookmarksEncryptionMode: CSE-KMS` and a `KmsKeyArn`.
    ///
    /// ## Why
    ///
    /// Jobs write cleaned and curated data, logs with data samples, and bookmarks with object
    /// keys; each must be under the platform's keys. cdk-nag GL1 (logs), GL3 (bookmarks),
    /// checkov CKV_AWS_99.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// GlueSecurityConfiguration:
    ///   Type: AWS::Glue::SecurityConfiguration
    ///   Properties:
    ///     EncryptionConfiguration:
    ///       S3Encryptions:
    ///         - S3EncryptionMode: DISABLED
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// GlueSecurityConfiguration:
    ///   Type: AWS::Glue::SecurityConfiguration
    ///   Properties:
    ///     EncryptionConfiguration:
    ///       S3Encryptions:
    ///         - {S3EncryptionMode: SSE-KMS, KmsKeyArn: !Ref DataKeyArn}
    ///       CloudWatchEncryption: {CloudWatchEncryptionMode: SSE-KMS, KmsKeyArn: !Ref LogsKeyArn}
    ///       JobBookmarksEncryption: {JobBookmarksEncryptionMode: CSE-KMS, KmsKeyArn: !Ref DataKeyArn}
    /// ```
    ///
    /// ## Remediation
    ///
    /// Encrypt all three with KMS keys (data key for S3 and bookmarks, logs key for logs).
    ///
    /// ## References
    ///
    /// - Glue security configurations: <https://docs.aws.amazon.com/glue/latest/dg/encryption-security-configuration.html>
    SecurityConfigurationNotEncrypting {
        code: codes::SECURITY_CONFIGURATION_NOT_ENCRYPTING,
        name: "security-configuration-not-encrypting",
        severity: Error,
        fix: "encrypt S3 output (SSE-KMS), CloudWatch logs (SSE-KMS) and job bookmarks (CSE-KMS) with KMS keys",
    }
}

impl Rule for SecurityConfigurationNotEncrypting {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for r in cx.of_type("AWS::Glue::SecurityConfiguration") {
            let c = r.prop("EncryptionConfiguration");
            let mut gaps = Vec::new();
            let s3 = items(&c["S3Encryptions"]);
            if !s3
                .iter()
                .any(|e| text(&e["S3EncryptionMode"]) == Some("SSE-KMS") && is_set(&e["KmsKeyArn"]))
            {
                gaps.push("S3 output (`S3Encryptions` SSE-KMS with a key)");
            }
            let cw = &c["CloudWatchEncryption"];
            if text(&cw["CloudWatchEncryptionMode"]) != Some("SSE-KMS") || !is_set(&cw["KmsKeyArn"])
            {
                gaps.push("CloudWatch logs (`CloudWatchEncryption` SSE-KMS with a key)");
            }
            let jb = &c["JobBookmarksEncryption"];
            if text(&jb["JobBookmarksEncryptionMode"]) != Some("CSE-KMS")
                || !is_set(&jb["KmsKeyArn"])
            {
                gaps.push("job bookmarks (`JobBookmarksEncryption` CSE-KMS with a key)");
            }
            if !gaps.is_empty() {
                out.push(Hit::on(&r, format!("not encrypted: {}", gaps.join(", "))));
            }
        }
    }
}
