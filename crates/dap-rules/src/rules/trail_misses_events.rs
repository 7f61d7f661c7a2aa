use super::prelude::*;
use crate::value::mentions;

rule! {
    /// Flags a CloudTrail trail that does not record management read and write events, or
    /// the object-level events of the buckets holding data or code.
    ///
    /// ## What it checks
    ///
    /// Every `AWS::CloudTrail::Trail` records:
    ///
    /// - management events, read and write: no `EventSelectors` (CloudTrail's default), or a
    ///   selector with `ReadWriteType: All` that does not set `IncludeManagementEvents: false`
    ///   (with `AdvancedEventSelectors`: a `Management` selector without a `readOnly` field);
    /// - S3 data events, read and write, for each data-lake bucket (landing, raw, curated) in
    ///   the checked templates: a selector with `ReadWriteType: All` and a `DataResources`
    ///   entry of `Type: AWS::S3::Object` listing `arn:aws:s3:::<bucket>/` (or all buckets);
    ///   with advanced selectors, a `Data` selector on `AWS::S3::Object` without a `readOnly`
    ///   field whose `resources.ARN` (if any) starts with the bucket.
    ///
    /// ## Why
    ///
    /// Management events record configuration changes; object-level events record who read,
    /// wrote or deleted which file of the City's data, which management events never show.
    /// AWS Security Hub CloudTrail.1 (read and write management events), S3.22 and S3.23, CIS
    /// AWS Foundations 3.8 and 3.9.
    ///
    /// ## Example
    ///
    /// Failing: write-only management events, no data events.
    ///
    /// ```yaml
    /// Trail:
    ///   Type: AWS::CloudTrail::Trail
    ///   Properties:
    ///     EventSelectors:
    ///       - ReadWriteType: WriteOnly
    ///         IncludeManagementEvents: true
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// Trail:
    ///   Type: AWS::CloudTrail::Trail
    ///   Properties:
    ///     EventSelectors:
    ///       - ReadWriteType: All
    ///         IncludeManagementEvents: true
    ///         DataResources:
    ///           - Type: AWS::S3::Object
    ///             Values:
    ///               - arn:aws:s3:::dap-dev-landing-111111111111-ca-central-1/
    ///               - arn:aws:s3:::dap-dev-raw-111111111111-ca-central-1/
    ///               - arn:aws:s3:::dap-dev-curated-111111111111-ca-central-1/
    /// ```
    ///
    /// ## Remediation
    ///
    /// Record all management events and add each data-lake bucket to the S3 data resources.
    ///
    /// ## References
    ///
    /// - AWS Security Hub CloudTrail.1: <https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html>
    /// - Logging data events: <https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html>
    TrailMissesEvents {
        code: codes::TRAIL_MISSES_EVENTS,
        name: "trail-misses-events",
        severity: Error,
        fix: "record all management events and S3 object events (read and write) for the landing, raw and curated buckets",
    }
}

/// The `Equals` / `StartsWith` values of an advanced selector's field.
fn field<'v>(selector: &'v Value, name: &str, op: &str) -> Option<Vec<&'v str>> {
    items(&selector["FieldSelectors"])
        .into_iter()
        .find(|f| text(&f["Field"]) == Some(name))
        .map(|f| items(&f[op]).into_iter().filter_map(text).collect())
}

impl Rule for TrailMissesEvents {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        let buckets: Vec<(Res<'_>, &str)> = cx
            .of_type("AWS::S3::Bucket")
            .filter(|b| cx.audited_zone(b).is_some())
            .filter_map(|b| Some((b, b.prop("BucketName").as_str()?)))
            .collect();
        for t in cx.of_type("AWS::CloudTrail::Trail") {
            let basic = items(t.prop("EventSelectors"));
            let advanced = items(t.prop("AdvancedEventSelectors"));
            let all_rw = |s: &Value| matches!(text(&s["ReadWriteType"]), None | Some("All"));
            let management = if !advanced.is_empty() {
                advanced.iter().any(|s| {
                    field(s, "eventCategory", "Equals").is_some_and(|v| v.contains(&"Management"))
                        && field(s, "readOnly", "Equals").is_none()
                })
            } else {
                basic.is_empty()
                    || basic
                        .iter()
                        .any(|s| all_rw(s) && !is_false(&s["IncludeManagementEvents"]))
            };
            let covers = |name: &str, id: &str| {
                let whole = |v: &&Value| {
                    matches!(text(v), Some(s) if s.ends_with(":s3") || s.ends_with(":s3:::"))
                        || text(v).is_some_and(|s| s.ends_with(&format!(":s3:::{name}/")))
                        || (!v.is_string() && mentions(v, id))
                };
                if !advanced.is_empty() {
                    return advanced.iter().any(|s| {
                        field(s, "eventCategory", "Equals").is_some_and(|v| v.contains(&"Data"))
                            && field(s, "resources.type", "Equals")
                                .is_some_and(|v| v.contains(&"AWS::S3::Object"))
                            && field(s, "readOnly", "Equals").is_none()
                            && field(s, "resources.ARN", "StartsWith").is_none_or(|v| {
                                v.iter().any(|a| a.ends_with(&format!(":s3:::{name}/")))
                            })
                    });
                }
                basic.iter().filter(|s| all_rw(s)).any(|s| {
                    items(&s["DataResources"]).iter().any(|d| {
                        text(&d["Type"]) == Some("AWS::S3::Object")
                            && items(&d["Values"]).iter().any(whole)
                    })
                })
            };
            let mut missing = Vec::new();
            if !management {
                missing.push("management read and write events".to_owned());
            }
            let uncovered: Vec<&str> = buckets
                .iter()
                .filter(|(b, name)| !covers(name, b.id))
                .map(|(_, name)| *name)
                .collect();
            if !uncovered.is_empty() {
                missing.push(format!(
                    "S3 object events (read and write) of `{}`",
                    uncovered.join("`, `")
                ));
            }
            if !missing.is_empty() {
                out.push(Hit::on(
                    &t,
                    format!("the trail does not record {}", missing.join(", nor ")),
                ));
            }
        }
    }
}
