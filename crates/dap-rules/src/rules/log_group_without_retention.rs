use super::prelude::*;
use dap_config::Protection;

rule! {
    /// Flags a CloudWatch Logs log group that keeps its events forever, or for less than the
    /// environment allows.
    ///
    /// ## What it checks
    ///
    /// Every `AWS::Logs::LogGroup` has `RetentionInDays`. When the environment is known
    /// (`dap check --env`), the retention is at least 365 days in a `strict` (production)
    /// environment, and otherwise at least 365 days or at least the environment's
    /// `retention.log_retention_days` ("shorter retention only where an environment says
    /// so").
    ///
    /// ## Why
    ///
    /// Without retention, logs are kept (and billed) forever; with too short a retention the
    /// trail's events are gone before an incident is noticed. AWS Security Hub CloudWatch.16
    /// (at least a year), checkov CKV_AWS_66, CIS AWS Foundations 3.x log retention.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// TrailLogGroup:
    ///   Type: AWS::Logs::LogGroup
    ///   Properties:
    ///     LogGroupName: /dap-prod/cloudtrail
    ///     KmsKeyId: !Ref LogsKeyArn
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// TrailLogGroup:
    ///   Type: AWS::Logs::LogGroup
    ///   Properties:
    ///     LogGroupName: /dap-prod/cloudtrail
    ///     KmsKeyId: !Ref LogsKeyArn
    ///     RetentionInDays: 731
    /// ```
    ///
    /// ## Remediation
    ///
    /// Set `RetentionInDays` from the environment's `retention.log_retention_days` (365 or
    /// more in production).
    ///
    /// ## References
    ///
    /// - AWS Security Hub CloudWatch.16: <https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html>
    /// - Log retention: <https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html>
    LogGroupWithoutRetention {
        code: codes::LOG_GROUP_WITHOUT_RETENTION,
        name: "log-group-without-retention",
        severity: Error,
        fix: "set RetentionInDays to the environment's retention.log_retention_days (365 or more in production)",
    }
}

impl Rule for LogGroupWithoutRetention {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for g in cx.of_type("AWS::Logs::LogGroup") {
            let Some(days) = number(g.prop("RetentionInDays")) else {
                out.push(Hit::on(
                    &g,
                    "the log group has no `RetentionInDays`, so events are kept forever",
                ));
                continue;
            };
            let Some(env) = cx.env else { continue };
            let asked = f64::from(env.retention.log_retention_days);
            if env.protection == Protection::Strict && days < 365.0 {
                out.push(Hit::on(
                    &g,
                    format!("retention of {days} days is under 365 in a `strict` environment"),
                ));
            } else if days < 365.0 && days < asked {
                out.push(Hit::on(
                    &g,
                    format!(
                        "retention of {days} days is under 365 and under the environment's {asked}"
                    ),
                ));
            }
        }
    }
}
