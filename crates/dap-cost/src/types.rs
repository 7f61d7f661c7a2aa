//! Which resource types the estimate prices and which cost nothing. A type in neither list is
//! an error ([`crate::CostError::UnknownType`]), so a new type cannot be silently free.

/// The types with a pricing rule (crates/dap-cost/src/estimate.rs), sorted. Some are free in
/// the shape the platform uses (a standard-tier SSM parameter, a rule on AWS service events,
/// an SQS subscription): the rule decides and says why.
pub const PRICED: &[&str] = &[
    "AWS::Athena::WorkGroup",
    "AWS::Budgets::Budget",
    "AWS::CloudTrail::Trail",
    "AWS::CloudWatch::Alarm",
    "AWS::CloudWatch::Dashboard",
    "AWS::EC2::Instance",
    "AWS::Events::Rule",
    "AWS::Glue::Crawler",
    "AWS::Glue::Job",
    "AWS::KMS::Key",
    "AWS::Logs::LogGroup",
    "AWS::Logs::MetricFilter",
    "AWS::S3::Bucket",
    "AWS::SNS::Subscription",
    "AWS::SNS::Topic",
    "AWS::SSM::Parameter",
];

/// The types that cost nothing by themselves, with the reason, sorted by type.
pub const FREE: &[(&str, &str)] = &[
    (
        "AWS::Athena::NamedQuery",
        "a saved query; running it is priced on the workgroup",
    ),
    (
        "AWS::EC2::LaunchTemplate",
        "a template; priced through the instance that uses it",
    ),
    ("AWS::EC2::SecurityGroup", "security groups cost nothing"),
    (
        "AWS::Glue::DataQualityRuleset",
        "evaluated inside the job runs, billed as the job's DPU-hours",
    ),
    (
        "AWS::Glue::Database",
        "a Data Catalog object; the first million objects stored are free every month",
    ),
    (
        "AWS::Glue::SecurityConfiguration",
        "security configurations cost nothing",
    ),
    (
        "AWS::Glue::Table",
        "a Data Catalog object; the first million objects stored are free every month",
    ),
    (
        "AWS::Glue::Trigger",
        "triggers cost nothing; the runs they start are priced on the job or crawler",
    ),
    ("AWS::IAM::InstanceProfile", "IAM costs nothing"),
    ("AWS::IAM::ManagedPolicy", "IAM costs nothing"),
    ("AWS::IAM::Role", "IAM costs nothing"),
    ("AWS::KMS::Alias", "aliases cost nothing"),
    ("AWS::S3::BucketPolicy", "bucket policies cost nothing"),
    ("AWS::SNS::TopicPolicy", "topic policies cost nothing"),
];

/// Why `resource_type` costs nothing, if it is listed in [`FREE`].
pub fn free(resource_type: &str) -> Option<&'static str> {
    FREE.iter()
        .find(|(t, _)| *t == resource_type)
        .map(|(_, why)| *why)
}

/// Whether the estimate knows `resource_type`: priced or free.
pub fn is_known(resource_type: &str) -> bool {
    PRICED.contains(&resource_type) || free(resource_type).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lists_are_sorted_and_disjoint() {
        assert!(PRICED.windows(2).all(|w| w[0] < w[1]), "{PRICED:?}");
        assert!(FREE.windows(2).all(|w| w[0].0 < w[1].0));
        for (t, why) in FREE {
            assert!(!PRICED.contains(t), "{t} is priced and free");
            assert!(!why.is_empty() && !why.ends_with('.'), "{t}");
        }
    }
}
