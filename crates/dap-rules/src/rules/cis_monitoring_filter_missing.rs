use super::prelude::*;

/// One CIS AWS Foundations monitoring control, as this rule recognises its filter: every word
/// the benchmark's filter pattern names must appear in the metric filter's pattern.
#[derive(Clone, Copy, Debug)]
pub struct CisControl {
    /// The control number, `4.1` to `4.15`.
    pub control: &'static str,
    /// What it watches.
    pub title: &'static str,
    /// The words (event names, sources, fields) its pattern must contain.
    pub words: &'static [&'static str],
}

/// The CIS AWS Foundations 4.1–4.15 monitoring set, stated independently of the planner so a
/// planner change that drops or weakens a filter is caught.
pub const CIS_CONTROLS: &[CisControl] = &[
    CisControl {
        control: "4.1",
        title: "unauthorized API calls",
        words: &["UnauthorizedOperation", "AccessDenied"],
    },
    CisControl {
        control: "4.2",
        title: "console sign-in without MFA",
        words: &["ConsoleLogin", "MFAUsed"],
    },
    CisControl {
        control: "4.3",
        title: "root account usage",
        words: &["userIdentity.type", "Root", "invokedBy", "AwsServiceEvent"],
    },
    CisControl {
        control: "4.4",
        title: "IAM policy changes",
        words: &[
            "DeleteGroupPolicy",
            "DeleteRolePolicy",
            "DeleteUserPolicy",
            "PutGroupPolicy",
            "PutRolePolicy",
            "PutUserPolicy",
            "CreatePolicy",
            "DeletePolicy",
            "CreatePolicyVersion",
            "DeletePolicyVersion",
            "AttachRolePolicy",
            "DetachRolePolicy",
            "AttachUserPolicy",
            "DetachUserPolicy",
            "AttachGroupPolicy",
            "DetachGroupPolicy",
        ],
    },
    CisControl {
        control: "4.5",
        title: "CloudTrail configuration changes",
        words: &[
            "CreateTrail",
            "UpdateTrail",
            "DeleteTrail",
            "StartLogging",
            "StopLogging",
        ],
    },
    CisControl {
        control: "4.6",
        title: "console authentication failures",
        words: &["ConsoleLogin", "Failed authentication"],
    },
    CisControl {
        control: "4.7",
        title: "disabling or scheduled deletion of KMS keys",
        words: &["kms.amazonaws.com", "DisableKey", "ScheduleKeyDeletion"],
    },
    CisControl {
        control: "4.8",
        title: "S3 bucket policy changes",
        words: &[
            "s3.amazonaws.com",
            "PutBucketAcl",
            "PutBucketPolicy",
            "PutBucketCors",
            "PutBucketLifecycle",
            "PutBucketReplication",
            "DeleteBucketPolicy",
            "DeleteBucketCors",
            "DeleteBucketLifecycle",
            "DeleteBucketReplication",
        ],
    },
    CisControl {
        control: "4.9",
        title: "AWS Config changes",
        words: &[
            "config.amazonaws.com",
            "StopConfigurationRecorder",
            "DeleteDeliveryChannel",
            "PutDeliveryChannel",
            "PutConfigurationRecorder",
        ],
    },
    CisControl {
        control: "4.10",
        title: "security group changes",
        words: &[
            "AuthorizeSecurityGroupIngress",
            "AuthorizeSecurityGroupEgress",
            "RevokeSecurityGroupIngress",
            "RevokeSecurityGroupEgress",
            "CreateSecurityGroup",
            "DeleteSecurityGroup",
        ],
    },
    CisControl {
        control: "4.11",
        title: "network ACL changes",
        words: &[
            "CreateNetworkAcl",
            "CreateNetworkAclEntry",
            "DeleteNetworkAcl",
            "DeleteNetworkAclEntry",
            "ReplaceNetworkAclEntry",
            "ReplaceNetworkAclAssociation",
        ],
    },
    CisControl {
        control: "4.12",
        title: "network gateway changes",
        words: &[
            "CreateCustomerGateway",
            "DeleteCustomerGateway",
            "AttachInternetGateway",
            "CreateInternetGateway",
            "DeleteInternetGateway",
            "DetachInternetGateway",
        ],
    },
    CisControl {
        control: "4.13",
        title: "route table changes",
        words: &[
            "ec2.amazonaws.com",
            "CreateRoute",
            "CreateRouteTable",
            "ReplaceRoute",
            "ReplaceRouteTableAssociation",
            "DeleteRouteTable",
            "DeleteRoute",
            "DisassociateRouteTable",
        ],
    },
    CisControl {
        control: "4.14",
        title: "VPC changes",
        words: &[
            "CreateVpc",
            "DeleteVpc",
            "ModifyVpcAttribute",
            "AcceptVpcPeeringConnection",
            "CreateVpcPeeringConnection",
            "DeleteVpcPeeringConnection",
            "RejectVpcPeeringConnection",
            "AttachClassicLinkVpc",
            "DetachClassicLinkVpc",
            "DisableVpcClassicLink",
            "EnableVpcClassicLink",
        ],
    },
    CisControl {
        control: "4.15",
        title: "AWS Organizations changes",
        words: &[
            "organizations.amazonaws.com",
            "AcceptHandshake",
            "AttachPolicy",
            "CreateAccount",
            "CreateOrganizationalUnit",
            "CreatePolicy",
            "DeclineHandshake",
            "DeleteOrganization",
            "DeleteOrganizationalUnit",
            "DeletePolicy",
            "DetachPolicy",
            "DisablePolicyType",
            "EnablePolicyType",
            "InviteAccountToOrganization",
            "LeaveOrganization",
            "MoveAccount",
            "RemoveAccountFromOrganization",
            "UpdatePolicy",
            "UpdateOrganizationalUnit",
        ],
    },
];

rule! {
    /// Flags a trail whose log group lacks one of the CIS AWS Foundations 4.1–4.15 metric
    /// filters, or a filter without an alarm on its metric.
    ///
    /// ## What it checks
    ///
    /// For every `AWS::CloudTrail::Trail` delivered to CloudWatch Logs, each of the fifteen
    /// CIS monitoring controls has an `AWS::Logs::MetricFilter` on the trail's log group
    /// whose `FilterPattern` names every event, source and field of the benchmark's pattern
    /// (as whole words), and an `AWS::CloudWatch::Alarm` on that filter's metric (same
    /// `MetricName` and `Namespace`):
    ///
    /// 4.1 unauthorized API calls, 4.2 console sign-in without MFA, 4.3 root account usage,
    /// 4.4 IAM policy changes, 4.5 CloudTrail configuration changes, 4.6 console
    /// authentication failures, 4.7 disabling or scheduled deletion of KMS keys, 4.8 S3
    /// bucket policy changes, 4.9 AWS Config changes, 4.10 security group changes, 4.11
    /// network ACL changes, 4.12 network gateway changes, 4.13 route table changes, 4.14 VPC
    /// changes, 4.15 AWS Organizations changes.
    ///
    /// The trail's log group is found through `CloudWatchLogsLogGroupArn`; filters may name it
    /// by `LogGroupName` or reference it. Whether each alarm notifies someone is
    /// `DAP-CW-001`'s.
    ///
    /// ## Why
    ///
    /// These are the changes an account's owners must hear about the moment they happen: root
    /// use, policy and trail changes, key deletion, network openings. AWS Security Hub
    /// CloudWatch.1 to CloudWatch.14, CIS AWS Foundations 4.1 to 4.15.
    ///
    /// ## Example
    ///
    /// Failing: the trail's log group has no root-usage filter.
    ///
    /// ```yaml
    /// Trail:
    ///   Type: AWS::CloudTrail::Trail
    ///   Properties:
    ///     CloudWatchLogsLogGroupArn: !GetAtt TrailLogGroup.Arn
    /// ```
    ///
    /// Passing: one filter and alarm per control, for example 4.3:
    ///
    /// ```yaml
    /// CisRootAccountUsageFilter:
    ///   Type: AWS::Logs::MetricFilter
    ///   Properties:
    ///     LogGroupName: /dap-prod/cloudtrail
    ///     FilterPattern: '{$.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent"}'
    ///     MetricTransformations:
    ///       - {MetricName: RootAccountUsage, MetricNamespace: dap/dap-prod/cis, MetricValue: "1"}
    /// CisRootAccountUsageAlarm:
    ///   Type: AWS::CloudWatch::Alarm
    ///   Properties:
    ///     MetricName: RootAccountUsage
    ///     Namespace: dap/dap-prod/cis
    ///     AlarmActions: [!Ref AlarmTopic]
    /// ```
    ///
    /// ## Remediation
    ///
    /// Add the missing filter and alarm (the planner declares all fifteen in
    /// `stacks/monitoring.rs`, `CIS_CONTROLS`).
    ///
    /// ## References
    ///
    /// - AWS Security Hub CloudWatch.1–14: <https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html>
    /// - CIS AWS Foundations Benchmark, section 4 (monitoring)
    CisMonitoringFilterMissing {
        code: codes::CIS_MONITORING_FILTER_MISSING,
        name: "cis-monitoring-filter-missing",
        severity: Error,
        fix: "add a metric filter on the trail's log group with the CIS pattern and an alarm on its metric",
    }
}

/// Whether `word` appears in `text` with no letter, digit or `_` right before or after it.
fn has_word(text: &str, word: &str) -> bool {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

impl Rule for CisMonitoringFilterMissing {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for t in cx.of_type("AWS::CloudTrail::Trail") {
            let group_ref = t.prop("CloudWatchLogsLogGroupArn");
            if !is_set(group_ref) {
                continue;
            }
            let group = cx.resolve(&t, group_ref);
            let group_name = group.and_then(|g| g.prop("LogGroupName").as_str());
            let on_group = |f: &Res<'_>| {
                let name = f.prop("LogGroupName");
                match (group, text(name)) {
                    (Some(_), Some(n)) => group_name == Some(n),
                    (Some(g), None) => cx.resolve(f, name).is_some_and(|x| same(&x, &g)),
                    (None, _) => true,
                }
            };
            let filters: Vec<Res<'_>> = cx
                .of_type("AWS::Logs::MetricFilter")
                .filter(|f| on_group(f))
                .collect();
            let alarmed = |f: &Res<'_>| {
                items(f.prop("MetricTransformations")).iter().any(|m| {
                    cx.of_type("AWS::CloudWatch::Alarm").any(|a| {
                        is_set(&m["MetricName"])
                            && a.prop("MetricName") == &m["MetricName"]
                            && a.prop("Namespace") == &m["MetricNamespace"]
                    })
                })
            };
            let mut missing = Vec::new();
            for c in CIS_CONTROLS {
                let matching: Vec<&Res<'_>> = filters
                    .iter()
                    .filter(|f| {
                        let pattern = text(f.prop("FilterPattern")).unwrap_or("");
                        c.words.iter().all(|w| has_word(pattern, w))
                    })
                    .collect();
                match matching.first() {
                    None => missing.push(format!("{} {} (no filter)", c.control, c.title)),
                    Some(f) if !matching.iter().any(|f| alarmed(f)) => missing.push(format!(
                        "{} {} (filter `{}` has no alarm)",
                        c.control, c.title, f.id
                    )),
                    Some(_) => {}
                }
            }
            if !missing.is_empty() {
                let group = group_name.map_or_else(|| show(group_ref), str::to_owned);
                out.push(Hit::on(
                    &t,
                    format!(
                        "the trail's log group `{group}` lacks CIS monitoring: {}",
                        missing.join("; ")
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::has_word;

    #[test]
    fn whole_words() {
        assert!(has_word("($.eventName = CreatePolicy) ||", "CreatePolicy"));
        assert!(!has_word(
            "($.eventName = CreatePolicyVersion)",
            "CreatePolicy"
        ));
        assert!(has_word(
            "{$.userIdentity.type = \"Root\"}",
            "userIdentity.type"
        ));
        assert!(has_word(
            "errorMessage = \"Failed authentication\"",
            "Failed authentication"
        ));
        assert!(!has_word("DeleteRouteTable", "DeleteRoute"));
    }
}
