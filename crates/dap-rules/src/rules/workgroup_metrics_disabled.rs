use super::prelude::*;

rule! {
    /// Warns about an Athena workgroup that does not publish CloudWatch metrics.
    ///
    /// ## What it checks
    ///
    /// Every `AWS::Athena::WorkGroup` has
    /// `WorkGroupConfiguration.PublishCloudWatchMetricsEnabled: true`.
    ///
    /// ## Why
    ///
    /// The platform dashboard's "Athena bytes scanned" widget and any cost alarm read these
    /// metrics; without them, scanning is invisible until the bill. The baseline asks for
    /// CloudWatch metrics on.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// WorkGroupConfiguration:
    ///   PublishCloudWatchMetricsEnabled: false
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// WorkGroupConfiguration:
    ///   PublishCloudWatchMetricsEnabled: true
    /// ```
    ///
    /// ## Remediation
    ///
    /// Set `PublishCloudWatchMetricsEnabled: true`.
    ///
    /// ## References
    ///
    /// - Monitoring Athena queries with CloudWatch metrics: <https://docs.aws.amazon.com/athena/latest/ug/query-metrics-viewing.html>
    WorkgroupMetricsDisabled {
        code: codes::WORKGROUP_METRICS_DISABLED,
        name: "workgroup-metrics-disabled",
        severity: Warning,
        fix: "set PublishCloudWatchMetricsEnabled to true",
    }
}

impl Rule for WorkgroupMetricsDisabled {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for w in cx.of_type("AWS::Athena::WorkGroup") {
            if !is_true(&w.prop("WorkGroupConfiguration")["PublishCloudWatchMetricsEnabled"]) {
                out.push(Hit::on(&w, "the workgroup publishes no CloudWatch metrics"));
            }
        }
    }
}
