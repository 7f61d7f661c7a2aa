use super::prelude::*;

rule! {
    /// Flags a CloudWatch alarm that notifies nobody.
    ///
    /// ## What it checks
    ///
    /// Every `AWS::CloudWatch::Alarm` has at least one `AlarmActions` entry and does not set
    /// `ActionsEnabled: false`.
    ///
    /// ## Why
    ///
    /// An alarm without an action changes state on a dashboard nobody watches at 3 a.m.; the
    /// CIS alarms exist to tell someone. AWS Security Hub CloudWatch.15 and CloudWatch.17.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// CisRootAccountUsageAlarm:
    ///   Type: AWS::CloudWatch::Alarm
    ///   Properties:
    ///     ActionsEnabled: false
    ///     AlarmActions: [!Ref AlarmTopic]
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// CisRootAccountUsageAlarm:
    ///   Type: AWS::CloudWatch::Alarm
    ///   Properties:
    ///     ActionsEnabled: true
    ///     AlarmActions: [!Ref AlarmTopic]
    /// ```
    ///
    /// ## Remediation
    ///
    /// Send the alarm to the environment's alarm topic and leave actions enabled.
    ///
    /// ## References
    ///
    /// - AWS Security Hub CloudWatch.15, CloudWatch.17: <https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html>
    AlarmWithoutAction {
        code: codes::ALARM_WITHOUT_ACTION,
        name: "alarm-without-action",
        severity: Error,
        fix: "add the alarm topic to AlarmActions and set ActionsEnabled to true",
    }
}

impl Rule for AlarmWithoutAction {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for a in cx.of_type("AWS::CloudWatch::Alarm") {
            if items(a.prop("AlarmActions")).is_empty() {
                out.push(Hit::on(&a, "the alarm has no `AlarmActions`"));
            } else if is_false(a.prop("ActionsEnabled")) {
                out.push(Hit::on(&a, "the alarm's actions are disabled"));
            }
        }
    }
}
