use super::prelude::*;

rule! {
    /// Flags a landing-zone bucket whose objects do not expire after the environment's
    /// retention.
    ///
    /// ## What it checks
    ///
    /// The landing bucket (its name is `<prefix>-landing-<account>-<region>`) has an enabled
    /// lifecycle rule with `ExpirationInDays` and no prefix or tag filter, so it applies to
    /// every object. When the environment is known (`dap check --env`), the days must equal
    /// its `retention.landing_expiry_days`.
    ///
    /// ## Why
    ///
    /// The landing zone holds raw exports as they arrive; once the clean job has written them
    /// to the raw zone they are only a copy. Keeping them longer than the environment says
    /// keeps personal data (owners' names, addresses) past its purpose. AWS Security Hub S3.13
    /// (lifecycle configurations), the City's retention schedule.
    ///
    /// ## Example
    ///
    /// Failing: the rule only covers one prefix.
    ///
    /// ```yaml
    /// LandingBucket:
    ///   Type: AWS::S3::Bucket
    ///   Properties:
    ///     BucketName: dap-dev-landing-111111111111-ca-central-1
    ///     LifecycleConfiguration:
    ///       Rules:
    ///         - Id: ExpireObjects
    ///           Status: Enabled
    ///           Prefix: tmp/
    ///           ExpirationInDays: 7
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// LandingBucket:
    ///   Type: AWS::S3::Bucket
    ///   Properties:
    ///     BucketName: dap-dev-landing-111111111111-ca-central-1
    ///     LifecycleConfiguration:
    ///       Rules:
    ///         - Id: ExpireObjects
    ///           Status: Enabled
    ///           ExpirationInDays: 7
    /// ```
    ///
    /// ## Remediation
    ///
    /// Add an enabled, unfiltered `ExpirationInDays` rule with the environment's
    /// `retention.landing_expiry_days`.
    ///
    /// ## References
    ///
    /// - AWS Security Hub S3.13: <https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html>
    /// - Expiring objects: <https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-expire-general-considerations.html>
    LandingObjectsNeverExpire {
        code: codes::LANDING_OBJECTS_NEVER_EXPIRE,
        name: "landing-objects-never-expire",
        severity: Error,
        fix: "add an enabled lifecycle rule without a filter expiring objects after retention.landing_expiry_days",
    }
}

impl Rule for LandingObjectsNeverExpire {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        let want = cx.env.map(|e| f64::from(e.retention.landing_expiry_days));
        for b in cx.of_type("AWS::S3::Bucket") {
            if cx.data_zone(&b) != Some("landing") {
                continue;
            }
            let days: Vec<f64> = items(&b.prop("LifecycleConfiguration")["Rules"])
                .into_iter()
                .filter(|r| {
                    text(&r["Status"]) == Some("Enabled")
                        && !is_set(&r["Prefix"])
                        && !is_set(&r["TagFilters"])
                        && !is_set(&r["ObjectSizeGreaterThan"])
                        && !is_set(&r["ObjectSizeLessThan"])
                })
                .filter_map(|r| number(&r["ExpirationInDays"]))
                .collect();
            match (days.first(), want) {
                (None, _) => out.push(Hit::on(
                    &b,
                    "no enabled lifecycle rule expires every landing object",
                )),
                (Some(d), Some(w)) if !days.contains(&w) => out.push(Hit::on(
                    &b,
                    format!("landing objects expire after {d} days, but the environment says {w}"),
                )),
                _ => {}
            }
        }
    }
}
