use super::prelude::*;

rule! {
    /// Flags an Athena workgroup without a per-query bytes-scanned cutoff.
    ///
    /// ## What it checks
    ///
    /// Every `AWS::Athena::WorkGroup` has
    /// `WorkGroupConfiguration.BytesScannedCutoffPerQuery` of at least 10 MB (Athena's
    /// minimum).
    ///
    /// ## Why
    ///
    /// A query without a `WHERE` on the partition columns scans every year of every table;
    /// the cutoff cancels it before it costs more than the environment allows
    /// (`athena.bytes_scanned_cutoff`). AWS Well-Architected cost controls; the baseline asks
    /// for it.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// WorkGroupConfiguration:
    ///   EnforceWorkGroupConfiguration: true
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// WorkGroupConfiguration:
    ///   EnforceWorkGroupConfiguration: true
    ///   BytesScannedCutoffPerQuery: 10737418240
    /// ```
    ///
    /// ## Remediation
    ///
    /// Set `BytesScannedCutoffPerQuery` from the environment's `athena.bytes_scanned_cutoff`.
    ///
    /// ## References
    ///
    /// - Athena data usage controls: <https://docs.aws.amazon.com/athena/latest/ug/workgroups-setting-control-limits-cloudwatch.html>
    WorkgroupWithoutScanCutoff {
        code: codes::WORKGROUP_WITHOUT_SCAN_CUTOFF,
        name: "workgroup-without-scan-cutoff",
        severity: Error,
        fix: "set BytesScannedCutoffPerQuery (at least 10485760)",
    }
}

impl Rule for WorkgroupWithoutScanCutoff {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for w in cx.of_type("AWS::Athena::WorkGroup") {
            let cutoff = &w.prop("WorkGroupConfiguration")["BytesScannedCutoffPerQuery"];
            match number(cutoff) {
                None => out.push(Hit::on(
                    &w,
                    "no `BytesScannedCutoffPerQuery`: queries may scan without limit",
                )),
                Some(b) if b < 10_485_760.0 => out.push(Hit::on(
                    &w,
                    format!(
                        "`BytesScannedCutoffPerQuery` of {b} is under Athena's minimum of 10485760"
                    ),
                )),
                Some(_) => {}
            }
        }
    }
}
