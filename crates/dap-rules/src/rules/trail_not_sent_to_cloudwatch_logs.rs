use super::prelude::*;

rule! {
    /// Flags a CloudTrail trail that does not deliver its events to CloudWatch Logs.
    ///
    /// ## What it checks
    ///
    /// Every `AWS::CloudTrail::Trail` has both `CloudWatchLogsLogGroupArn` and
    /// `CloudWatchLogsRoleArn`.
    ///
    /// ## Why
    ///
    /// The CIS metric filters and alarms (`DAP-CW-002`) read the trail's log group: without
    /// delivery, no alarm ever fires on root use, policy changes or key deletion. AWS Security
    /// Hub CloudTrail.5, CIS AWS Foundations 3.4.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// Trail:
    ///   Type: AWS::CloudTrail::Trail
    ///   Properties:
    ///     IsLogging: true
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// Trail:
    ///   Type: AWS::CloudTrail::Trail
    ///   Properties:
    ///     IsLogging: true
    ///     CloudWatchLogsLogGroupArn: !GetAtt TrailLogGroup.Arn
    ///     CloudWatchLogsRoleArn: !GetAtt TrailDeliveryRole.Arn
    /// ```
    ///
    /// ## Remediation
    ///
    /// Deliver to the trail's log group through a role CloudTrail assumes.
    ///
    /// ## References
    ///
    /// - AWS Security Hub CloudTrail.5: <https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html>
    TrailNotSentToCloudwatchLogs {
        code: codes::TRAIL_NOT_SENT_TO_CLOUDWATCH_LOGS,
        name: "trail-not-sent-to-cloudwatch-logs",
        severity: Error,
        fix: "set CloudWatchLogsLogGroupArn and CloudWatchLogsRoleArn",
    }
}

impl Rule for TrailNotSentToCloudwatchLogs {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for t in cx.of_type("AWS::CloudTrail::Trail") {
            let missing: Vec<&str> = ["CloudWatchLogsLogGroupArn", "CloudWatchLogsRoleArn"]
                .into_iter()
                .filter(|p| !is_set(t.prop(p)))
                .collect();
            if !missing.is_empty() {
                out.push(Hit::on(
                    &t,
                    format!(
                        "the trail is not delivered to CloudWatch Logs (no `{}`)",
                        missing.join("`, `")
                    ),
                ));
            }
        }
    }
}
