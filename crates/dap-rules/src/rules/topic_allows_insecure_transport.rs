use super::prelude::*;
use crate::tls;

rule! {
    /// Flags an SNS topic whose topic policy does not deny publishing without TLS.
    ///
    /// ## What it checks
    ///
    /// Every `AWS::SNS::Topic` is listed (by reference) in the `Topics` of an
    /// `AWS::SNS::TopicPolicy` with a statement that denies `sns:Publish` to `Principal: "*"`
    /// when `aws:SecureTransport` is `false`, on the topic's own ARN, with no other condition
    /// narrowing it (the statement is read as `DAP-S3-003` reads the bucket deny).
    ///
    /// ## Why
    ///
    /// Alarm messages should not travel in clear text. cdk-nag SNS3, AWS Security Hub SNS
    /// controls.
    ///
    /// ## Example
    ///
    /// Failing: the policy only allows the publishers.
    ///
    /// ```yaml
    /// AlarmTopicPolicy:
    ///   Type: AWS::SNS::TopicPolicy
    ///   Properties:
    ///     Topics: [!Ref AlarmTopic]
    ///     PolicyDocument:
    ///       Statement:
    ///         - Sid: AlarmPublishers
    ///           Effect: Allow
    ///           Principal: {Service: cloudwatch.amazonaws.com}
    ///           Action: sns:Publish
    ///           Resource: !Ref AlarmTopic
    /// ```
    ///
    /// Passing: the policy also has
    ///
    /// ```yaml
    /// - Sid: DenyInsecureTransport
    ///   Effect: Deny
    ///   Principal: "*"
    ///   Action: sns:Publish
    ///   Resource: !Ref AlarmTopic
    ///   Condition:
    ///     Bool: {aws:SecureTransport: "false"}
    /// ```
    ///
    /// ## Remediation
    ///
    /// Add the `DenyInsecureTransport` statement to the topic policy.
    ///
    /// ## References
    ///
    /// - cdk-nag SNS3: <https://github.com/cdklabs/cdk-nag/blob/main/RULES.md>
    TopicAllowsInsecureTransport {
        code: codes::TOPIC_ALLOWS_INSECURE_TRANSPORT,
        name: "topic-allows-insecure-transport",
        severity: Error,
        fix: "add a topic policy statement denying sns:Publish to * when aws:SecureTransport is false",
    }
}

impl Rule for TopicAllowsInsecureTransport {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for t in cx.of_type("AWS::SNS::Topic") {
            let Some(arn) = cx.ref_of(&t) else { continue };
            let has_policy = cx
                .of_type("AWS::SNS::TopicPolicy")
                .any(|p| cx.references(&p, p.prop("Topics"), &t));
            if !has_policy {
                out.push(Hit::on(
                    &t,
                    "the topic has no topic policy, so nothing denies publishing without TLS",
                ));
                continue;
            }
            let required = tls::Required {
                action: "sns:Publish",
                whole_service: false,
                resources: vec![(arn.clone(), false)],
            };
            match tls::judge(cx.statements_for(PolicyKind::Topic, &arn), &required) {
                tls::Verdict::Denied => {}
                tls::Verdict::Missing => out.push(Hit::on(
                    &t,
                    "no statement of the topic policy denies `sns:Publish` when `aws:SecureTransport` is false",
                )),
                tls::Verdict::Weakened(label, gaps) => out.push(Hit::on(
                    &t,
                    format!(
                        "the topic policy's TLS-only deny ({label}) is weakened: {}",
                        gaps.join("; ")
                    ),
                )),
            }
        }
    }
}
