use super::prelude::*;

rule! {
    /// Flags a key policy that lets CloudWatch Logs use the key for log groups the templates
    /// do not declare.
    ///
    /// ## What it checks
    ///
    /// Every `Allow` statement of an `AWS::KMS::Key`'s policy whose principal is CloudWatch
    /// Logs (`logs.<region>.amazonaws.com`) and whose actions include key use
    /// (`kms:Encrypt`, `kms:Decrypt`, `kms:GenerateDataKey`, `kms:ReEncrypt*`) must pin
    /// `kms:EncryptionContext:aws:logs:arn` positively (`ArnEquals`, `StringEquals`, or a
    /// `…Like` operator without wildcards) to log group ARNs, each of them the ARN of an
    /// `AWS::Logs::LogGroup` of the checked templates (`arn:…:log-group:<name>`, without the
    /// `:*` that `Fn::GetAtt Arn` adds). A wildcard value (`log-group:*`, `log-group:/aws-glue/*`)
    /// matches log groups nobody declared and is flagged, as are a negated operator, `…IfExists`
    /// and a missing condition.
    ///
    /// ## Why
    ///
    /// CloudWatch Logs names the log group in the encryption context of every call it makes
    /// with the key. A key that serves any log group lets anyone in the account who may
    /// create a log group (`logs:CreateLogGroup`, `logs:AssociateKmsKey`) encrypt with the
    /// platform's logs key, and log groups that services create at run time (Glue's, without
    /// a security configuration's chosen name) escape retention and review. The platform
    /// declares every log group it writes to, so the key needs to serve those only.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// - Sid: CloudWatchLogsEncryptsLogGroups
    ///   Effect: Allow
    ///   Principal: {Service: logs.ca-central-1.amazonaws.com}
    ///   Action: [kms:Decrypt, kms:Encrypt, kms:GenerateDataKey*]
    ///   Resource: "*"
    ///   Condition:
    ///     ArnLike:
    ///       kms:EncryptionContext:aws:logs:arn: arn:aws:logs:ca-central-1:111111111111:log-group:*
    /// ```
    ///
    /// Passing: the condition names the declared groups.
    ///
    /// ```yaml
    ///   Condition:
    ///     ArnEquals:
    ///       kms:EncryptionContext:aws:logs:arn:
    ///         - arn:aws:logs:ca-central-1:111111111111:log-group:/dap-prod/cloudtrail
    ///         - arn:aws:logs:ca-central-1:111111111111:log-group:/dap-prod/glue/permits-clean/error
    /// ```
    ///
    /// ## Remediation
    ///
    /// Declare every log group the platform writes to (`AWS::Logs::LogGroup`, with retention
    /// and the key) and list their ARNs in the condition; the planner derives them from
    /// `Names::log_groups` in `stacks/security.rs`.
    ///
    /// ## References
    ///
    /// - Encrypt log data in CloudWatch Logs using AWS KMS, the encryption context: <https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html>
    /// - Logging for AWS Glue jobs (the log group names Glue 5.0 uses): <https://docs.aws.amazon.com/glue/latest/dg/monitor-continuous-logging.html>
    KeyPolicyServesUndeclaredLogGroups {
        code: codes::KEY_POLICY_SERVES_UNDECLARED_LOG_GROUPS,
        name: "key-policy-serves-undeclared-log-groups",
        severity: Error,
        fix: "pin kms:EncryptionContext:aws:logs:arn to the ARNs of the log groups the templates declare",
    }
}

/// The encryption-context key CloudWatch Logs sets.
const CONTEXT: &str = "kms:EncryptionContext:aws:logs:arn";

/// What CloudWatch Logs does with a key: encrypt and decrypt log events.
const USE: &[&str] = &[
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:GenerateDataKey",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
];

/// Whether a service principal is CloudWatch Logs.
pub(crate) fn is_logs_service(name: &str) -> bool {
    name == "logs.amazonaws.com" || (name.starts_with("logs.") && name.ends_with(".amazonaws.com"))
}

/// The ARNs of the declared log groups, as CloudWatch Logs writes them in the encryption
/// context (no trailing `:*`).
pub(crate) fn declared_log_groups(cx: &Context<'_>) -> Vec<String> {
    cx.of_type("AWS::Logs::LogGroup")
        .filter_map(|g| cx.arn_of(&g))
        .map(|a| a.strip_suffix(":*").map(str::to_owned).unwrap_or(a))
        .collect()
}

impl Rule for KeyPolicyServesUndeclaredLogGroups {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        let declared = declared_log_groups(cx);
        for key in cx.of_type("AWS::KMS::Key") {
            for s in cx.statements_of(&key).filter(|s| {
                s.allow
                    && !s.not_principal
                    && s.principals.iter().any(
                        |p| matches!(p, PrincipalPattern::Service(name) if is_logs_service(name)),
                    )
                    && USE.iter().any(|a| s.covers_action(a))
            }) {
                if s.pins(CONTEXT, |v| declared.iter().any(|d| d == v)) {
                    continue;
                }
                let undeclared: Vec<String> = s
                    .conditions_on(CONTEXT)
                    .filter(|c| c.operator().pins())
                    .flat_map(|c| c.values.iter())
                    .filter(|v| !declared.iter().any(|d| d == *v))
                    .map(|v| format!("`{v}`"))
                    .collect();
                let why = if undeclared.is_empty() {
                    format!("no positive `{CONTEXT}` condition, so any log group of the account")
                } else {
                    format!(
                        "log groups the templates do not declare: {}",
                        undeclared.join(", ")
                    )
                };
                out.push(Hit::on(
                    &key,
                    format!(
                        "{} lets CloudWatch Logs use the key for {why}",
                        s.label()
                    ),
                ));
            }
        }
    }
}
