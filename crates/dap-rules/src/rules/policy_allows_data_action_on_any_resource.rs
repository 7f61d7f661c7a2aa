use super::prelude::*;

/// Actions that AWS does not scope to resources (the Service Authorization Reference lists no
/// resource type for them), so `Resource: "*"` is the only possible value.
pub const UNSCOPED_ACTIONS: &[&str] = &[
    // Session Manager's channels, used by the SSM agent of an SSM-managed host.
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
    // The SSM agent's message channel (older agents).
    "ec2messages:AcknowledgeMessage",
    "ec2messages:DeleteMessage",
    "ec2messages:FailMessage",
    "ec2messages:GetEndpoint",
    "ec2messages:GetMessages",
    "ec2messages:SendReply",
    // Read-only lookups without resource types.
    "cloudtrail:LookupEvents",
    "cloudwatch:GetMetricData",
    "cloudwatch:GetMetricStatistics",
    "sts:GetCallerIdentity",
];

/// Write actions without a resource type that AWS scopes by a condition key instead: allowed
/// on `*` only in a statement whose condition pins that key to named values (a positive
/// operator, not `IfExists`, no wildcard in a `Like` value): `cloudwatch:PutMetricData` to the
/// namespaces named in `cloudwatch:namespace`.
pub const CONDITION_SCOPED_ACTIONS: &[(&str, &str)] =
    &[("cloudwatch:PutMetricData", "cloudwatch:namespace")];

/// Actions an agent makes on its own host, whose ARN cannot be known when the role is
/// written (the instance is launched with the role): allowed on every resource of their type
/// in the account (`arn:aws:ec2:<region>:<account>:instance/*`), never on `*` or across
/// accounts or regions.
pub const OWN_HOST_ACTIONS: &[&str] = &["ssm:UpdateInstanceInformation"];

rule! {
    /// Flags an identity policy that allows a write or data-read action on any resource
    /// (`Resource: "*"`).
    ///
    /// ## What it checks
    ///
    /// In every identity policy (managed policies, `AWS::IAM::Policy`, inline policies of
    /// roles, users and groups), an `Allow` statement whose resources span more than named
    /// resources allows only the actions below. A resource spans too much when, resolved
    /// through `Fn::Sub`, `Fn::Join` and references, it is `*`; has a wildcard in its service,
    /// region or account segment (`arn:aws:kms:*:*:key/abc`); starts its resource part with a
    /// wildcard (`arn:aws:s3:::*`, `arn:aws:s3:::*/*`); names every resource of a type
    /// (`key/*`, `role/*`, `log-group:*`) or a wildcard bucket name (`arn:aws:s3:::dap-*`);
    /// or the statement uses `NotResource`. A value that cannot be resolved counts as `*`.
    /// Such a statement may allow only:
    ///
    /// - read-only metadata calls: actions whose name starts with `Describe` or `List`, which
    ///   the baseline allows on `*` because AWS does not scope most of them (except the S3
    ///   object listings `s3:ListBucket`, `s3:ListBucketVersions`,
    ///   `s3:ListBucketMultipartUploads` and `s3:ListMultipartUploadParts`, which reveal every
    ///   bucket's object keys);
    /// - actions AWS does not scope to resources at all (`UNSCOPED_ACTIONS`: the Session
    ///   Manager and SSM agent channel actions, `cloudtrail:LookupEvents`,
    ///   `cloudwatch:GetMetricData`, `cloudwatch:GetMetricStatistics`,
    ///   `sts:GetCallerIdentity`);
    /// - actions AWS scopes by a condition key instead of a resource
    ///   (`CONDITION_SCOPED_ACTIONS`: `cloudwatch:PutMetricData`), only when the statement
    ///   pins that key (`cloudwatch:namespace`) to named values with a positive operator; a
    ///   negated operator (`StringNotEquals`), `IfExists`, `ForAllValues`, or a `Like` value
    ///   with a wildcard scopes nothing;
    /// - on every resource of a type in the account only, the actions an agent makes on its own
    ///   host, whose ARN is unknown when the role is written (`OWN_HOST_ACTIONS`:
    ///   `ssm:UpdateInstanceInformation` on `instance/*`).
    ///
    /// Anything else (`s3:GetObject`, `kms:Decrypt`, `glue:StartJobRun`, `logs:PutLogEvents`)
    /// must name its resources. Wildcard actions are `DAP-IAM-001`'s.
    ///
    /// ## Why
    ///
    /// `s3:GetObject` on `*` reads every bucket in the account, not only the zone the role
    /// works on; `kms:Decrypt` on `*` decrypts with every key. The baseline: "no write or
    /// data-read action on `Resource: "*"`". AWS Security Hub IAM.21, checkov CKV_AWS_107 to
    /// CKV_AWS_111, cdk-nag IAM5.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// - Sid: ReadEverything
    ///   Effect: Allow
    ///   Action: [s3:GetObject, cloudtrail:LookupEvents]
    ///   Resource: "*"
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// - Sid: LookupEvents
    ///   Effect: Allow
    ///   Action: [cloudtrail:DescribeTrails, cloudtrail:LookupEvents]
    ///   Resource: "*"
    /// - Sid: ReadTrailLogs
    ///   Effect: Allow
    ///   Action: s3:GetObject
    ///   Resource: arn:aws:s3:::dap-dev-trail-logs-111111111111-ca-central-1/AWSLogs/*
    /// ```
    ///
    /// ## Remediation
    ///
    /// Name the buckets, prefixes, keys, jobs or log groups; split unscoped read-only calls
    /// into their own statement.
    ///
    /// ## References
    ///
    /// - AWS Security Hub IAM.21: <https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html>
    /// - Service Authorization Reference: <https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html>
    PolicyAllowsDataActionOnAnyResource {
        code: codes::POLICY_ALLOWS_DATA_ACTION_ON_ANY_RESOURCE,
        name: "policy-allows-data-action-on-any-resource",
        severity: Error,
        fix: "name the resources the actions apply to; only Describe*/List* and unscoped actions may use Resource *",
    }
}

/// `List*` actions that read data, not metadata: S3 object listings reveal the object keys
/// (file names) of every bucket.
const LISTS_THAT_READ_DATA: &[&str] = &[
    "s3:ListBucket",
    "s3:ListBucketVersions",
    "s3:ListBucketMultipartUploads",
    "s3:ListMultipartUploadParts",
];

/// Whether an action may be allowed on `*`.
fn allowed_on_any(action: &str) -> bool {
    let verb = action.split_once(':').map_or("", |(_, v)| v);
    let metadata = (verb.starts_with("Describe") || verb.starts_with("List"))
        && !LISTS_THAT_READ_DATA
            .iter()
            .any(|a| crate::value::action_matches(action, a));
    metadata
        || UNSCOPED_ACTIONS
            .iter()
            .any(|a| a.eq_ignore_ascii_case(action))
}

/// Whether `action` is one AWS scopes by a condition key and the statement pins that key.
fn scoped_by_condition(action: &str, s: &dap_model::Statement) -> bool {
    CONDITION_SCOPED_ACTIONS
        .iter()
        .filter(|(a, _)| a.eq_ignore_ascii_case(action))
        .any(|(_, key)| {
            s.conditions.iter().any(|c| {
                let op = c.operator();
                c.is(key)
                    && op.pins()
                    && !c.values.is_empty()
                    && !(op.base.contains("Like")
                        && c.values.iter().any(|v| v.contains(['*', '?'])))
            })
        })
}

impl Rule for PolicyAllowsDataActionOnAnyResource {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for r in cx.resources() {
            for s in cx
                .statements_of(&r)
                .filter(|s| s.allow && !s.not_action && s.kind == PolicyKind::Identity)
            {
                let broad = if s.not_resource {
                    Some(("`NotResource`".to_owned(), "everything but a list"))
                } else {
                    s.resources
                        .iter()
                        .find_map(|p| semantics::broad_resource(p).map(|why| (format!("`{p}`"), why)))
                };
                let Some((resource, why)) = broad else {
                    continue;
                };
                let own_host = why == "every resource of a type";
                let bad: Vec<&str> = s
                    .actions
                    .iter()
                    .map(String::as_str)
                    .filter(|a| !allowed_on_any(a) && !scoped_by_condition(a, s))
                    .filter(|a| {
                        !(own_host && OWN_HOST_ACTIONS.iter().any(|x| x.eq_ignore_ascii_case(a)))
                    })
                    .collect();
                if !bad.is_empty() {
                    out.push(Hit::on(
                        &r,
                        format!(
                            "{} of `{}` allows `{}` on {resource} ({why})",
                            s.label(),
                            s.place,
                            bad.join("`, `")
                        ),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::allowed_on_any;

    #[test]
    fn what_may_use_any_resource() {
        for ok in [
            "cloudtrail:DescribeTrails",
            "cloudtrail:LookupEvents",
            "s3:ListAllMyBuckets",
            "ssmmessages:OpenDataChannel",
            "ec2:Describe*",
        ] {
            assert!(allowed_on_any(ok), "{ok}");
        }
        for bad in [
            "s3:GetObject",
            "s3:ListBucket",
            "s3:List*",
            "kms:Decrypt",
            "logs:PutLogEvents",
            "glue:StartJobRun",
            "s3:Get*",
        ] {
            assert!(!allowed_on_any(bad), "{bad}");
        }
    }
}
