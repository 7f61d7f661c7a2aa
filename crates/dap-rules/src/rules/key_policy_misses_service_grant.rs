use super::prelude::*;

rule! {
    /// Flags a KMS key whose policy does not let the AWS services that use the key do so.
    ///
    /// ## What it checks
    ///
    /// For every resource that encrypts with a key of the checked templates (followed across
    /// stacks through the SSM parameters that publish key ARNs), the key's policy has an
    /// `Allow` statement for the service principal that does the encrypting, covering the
    /// actions it needs:
    ///
    /// | user of the key | service principal | actions |
    /// |---|---|---|
    /// | `AWS::Logs::LogGroup` `KmsKeyId`, Glue security configuration CloudWatch encryption | `logs.<region>.amazonaws.com` | `kms:Encrypt`, `kms:Decrypt`, `kms:GenerateDataKey` |
    /// | `AWS::CloudTrail::Trail` `KMSKeyId` | `cloudtrail.amazonaws.com`, with a `kms:EncryptionContext:aws:cloudtrail:arn` condition | `kms:GenerateDataKey` |
    /// | `AWS::SNS::Topic` `KmsMasterKeyId`, for each kind of publisher: alarms, budgets, EventBridge rules | `cloudwatch.amazonaws.com`, `budgets.amazonaws.com`, `events.amazonaws.com` | `kms:Decrypt`, `kms:GenerateDataKey` |
    /// | Glue security configuration S3 encryption | `glue.amazonaws.com` | `kms:Encrypt`, `kms:Decrypt`, `kms:GenerateDataKey` |
    ///
    /// Without the environment (`dap check --templates`), any `logs.*.amazonaws.com` principal
    /// counts for CloudWatch Logs. A key reference that cannot be followed (a key outside the
    /// checked templates) is not checked.
    ///
    /// ## Why
    ///
    /// A missing grant is not caught by cfn-lint or checkov, and not at plan time by
    /// CloudFormation: the log group fails to create, the trail stops delivering, or alarms
    /// and budget alerts are silently never published to the encrypted topic. The baseline
    /// lists these grants; the CloudTrail condition keeps other accounts' trails from using
    /// the key.
    ///
    /// ## Example
    ///
    /// Failing: the topic's key does not let CloudWatch publish.
    ///
    /// ```yaml
    /// LogsKey:
    ///   Type: AWS::KMS::Key
    ///   Properties:
    ///     KeyPolicy:
    ///       Statement:
    ///         - Sid: KeyAdministrationByAccount
    ///           Effect: Allow
    ///           Principal: {AWS: arn:aws:iam::111111111111:root}
    ///           Action: kms:*
    ///           Resource: "*"
    /// AlarmTopic:
    ///   Type: AWS::SNS::Topic
    ///   Properties:
    ///     KmsMasterKeyId: !Ref LogsKey
    /// RootAccountUsageAlarm:
    ///   Type: AWS::CloudWatch::Alarm
    ///   Properties:
    ///     AlarmActions: [!Ref AlarmTopic]
    /// ```
    ///
    /// Passing: the key policy also has
    ///
    /// ```yaml
    /// - Sid: AlarmPublishersUseTopicKey
    ///   Effect: Allow
    ///   Principal: {Service: cloudwatch.amazonaws.com}
    ///   Action: [kms:Decrypt, kms:GenerateDataKey*]
    ///   Resource: "*"
    ///   Condition:
    ///     StringEquals: {aws:SourceAccount: "111111111111"}
    /// ```
    ///
    /// ## Remediation
    ///
    /// Add a statement per service to the key policy, scoped with `aws:SourceAccount` or
    /// `aws:SourceArn` (and the encryption-context condition for CloudTrail and CloudWatch
    /// Logs). The planner writes them in `stacks/security.rs`.
    ///
    /// ## References
    ///
    /// - Encrypt log data in CloudWatch Logs: <https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html>
    /// - CloudTrail key policy: <https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html>
    /// - Encrypted SNS topics and AWS service publishers: <https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html>
    KeyPolicyMissesServiceGrant {
        code: codes::KEY_POLICY_MISSES_SERVICE_GRANT,
        name: "key-policy-misses-service-grant",
        severity: Error,
        fix: "add a key policy statement allowing the service principal the actions it needs, scoped to the account",
    }
}

/// A service that encrypts or decrypts with a key on a resource's behalf.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Service {
    Logs,
    CloudTrail,
    CloudWatch,
    Budgets,
    Events,
    Glue,
}

impl Service {
    fn actions(self) -> &'static [&'static str] {
        match self {
            Service::Logs | Service::Glue => &["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
            Service::CloudTrail => &["kms:GenerateDataKey"],
            Service::CloudWatch | Service::Budgets | Service::Events => {
                &["kms:Decrypt", "kms:GenerateDataKey"]
            }
        }
    }

    fn principal(self, region: Option<&str>) -> String {
        match self {
            Service::Logs => format!("logs.{}.amazonaws.com", region.unwrap_or("<region>")),
            Service::CloudTrail => "cloudtrail.amazonaws.com".to_owned(),
            Service::CloudWatch => "cloudwatch.amazonaws.com".to_owned(),
            Service::Budgets => "budgets.amazonaws.com".to_owned(),
            Service::Events => "events.amazonaws.com".to_owned(),
            Service::Glue => "glue.amazonaws.com".to_owned(),
        }
    }

    fn is_principal(self, name: &str, region: Option<&str>) -> bool {
        match (self, region) {
            (Service::Logs, None) => name.starts_with("logs.") && name.ends_with(".amazonaws.com"),
            _ => name == self.principal(region),
        }
    }

    /// Whether the statements grant what the service needs.
    fn granted(self, statements: &[&Statement], region: Option<&str>) -> bool {
        let theirs: Vec<&&Statement> = statements
            .iter()
            .filter(|s| {
                s.allow
                    && s.principals.iter().any(|p| match p {
                        PrincipalPattern::Service(name) => self.is_principal(name, region),
                        _ => false,
                    })
            })
            .collect();
        self.actions().iter().all(|a| {
            theirs.iter().any(|s| {
                s.covers_action(a)
                    && (self != Service::CloudTrail
                        || s
                            .conditions_on("kms:EncryptionContext:aws:cloudtrail:arn")
                            .next()
                            .is_some())
            })
        })
    }
}

impl Rule for KeyPolicyMissesServiceGrant {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        // (user, the key property, the service that uses the key for it)
        let mut wanted: Vec<(Res<'_>, &Value, Service)> = Vec::new();
        for r in cx.resources() {
            match r.ty() {
                "AWS::Logs::LogGroup" => wanted.push((r, r.prop("KmsKeyId"), Service::Logs)),
                "AWS::CloudTrail::Trail" => {
                    wanted.push((r, r.prop("KMSKeyId"), Service::CloudTrail))
                }
                "AWS::Glue::SecurityConfiguration" => {
                    let c = r.prop("EncryptionConfiguration");
                    for s3 in items(&c["S3Encryptions"]) {
                        wanted.push((r, &s3["KmsKeyArn"], Service::Glue));
                    }
                    wanted.push((r, &c["CloudWatchEncryption"]["KmsKeyArn"], Service::Logs));
                }
                "AWS::SNS::Topic" => {
                    for service in publishers(cx, &r) {
                        wanted.push((r, r.prop("KmsMasterKeyId"), service));
                    }
                }
                _ => {}
            }
        }
        // (key, service, who uses it)
        let mut uses: Vec<(Res<'_>, Service, String)> = Vec::new();
        for (user, key, service) in &wanted {
            if let Some(k) = cx.resolve(user, key).filter(|k| k.ty() == "AWS::KMS::Key") {
                uses.push((
                    k,
                    *service,
                    format!("`{}/{}`", user.template.source.stack, user.id),
                ));
            }
        }
        let region = cx.region();
        let mut seen: Vec<(usize, &str, String)> = Vec::new();
        for (key, service, _) in &uses {
            let principal = service.principal(region);
            let id = (key.template.index, key.id, principal.clone());
            if seen.contains(&id) {
                continue;
            }
            seen.push(id);
            let statements: Vec<&Statement> = cx.statements_of(key).collect();
            if service.granted(&statements, region) {
                continue;
            }
            let users: Vec<&str> = uses
                .iter()
                .filter(|(k, s, _)| same(k, key) && s == service)
                .map(|(_, _, u)| u.as_str())
                .collect();
            let mut needs = format!("`{}`", service.actions().join("`, `"));
            if *service == Service::CloudTrail {
                needs.push_str(" with a `kms:EncryptionContext:aws:cloudtrail:arn` condition");
            }
            out.push(Hit::on(
                key,
                format!(
                    "{} encrypt(s) with this key, but its policy does not allow `{principal}` {needs}",
                    users.join(", ")
                ),
            ));
        }
    }
}

/// The services that publish to a topic: alarms, budgets and EventBridge rules that target it.
fn publishers(cx: &Context<'_>, topic: &Res<'_>) -> Vec<Service> {
    let mut out = Vec::new();
    for r in cx.resources() {
        let publishes = match r.ty() {
            "AWS::CloudWatch::Alarm" => ["AlarmActions", "OKActions", "InsufficientDataActions"]
                .iter()
                .any(|p| cx.references(&r, r.prop(p), topic))
                .then_some(Service::CloudWatch),
            "AWS::Budgets::Budget" => items(r.prop("NotificationsWithSubscribers"))
                .iter()
                .flat_map(|n| items(&n["Subscribers"]))
                .any(|s| cx.references(&r, &s["Address"], topic))
                .then_some(Service::Budgets),
            "AWS::Events::Rule" => items(r.prop("Targets"))
                .iter()
                .any(|t| cx.references(&r, &t["Arn"], topic))
                .then_some(Service::Events),
            _ => None,
        };
        if let Some(s) = publishes {
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    out
}
