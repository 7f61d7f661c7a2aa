use super::prelude::*;

rule! {
    /// Flags an SNS topic that is not encrypted with a customer-managed KMS key.
    ///
    /// ## What it checks
    ///
    /// Every `AWS::SNS::Topic` has a `KmsMasterKeyId` that is not the AWS managed
    /// `alias/aws/sns`.
    ///
    /// ## Why
    ///
    /// Alarm messages name resources and principals. The AWS managed key cannot be used by
    /// CloudWatch, EventBridge or AWS Budgets to publish, so a topic encrypted with it
    /// silently drops every alarm; a customer-managed key with grants for them
    /// (`DAP-KMS-004`) works. AWS Security Hub SNS.1, checkov CKV_AWS_26.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// AlarmTopic:
    ///   Type: AWS::SNS::Topic
    ///   Properties:
    ///     KmsMasterKeyId: alias/aws/sns
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// AlarmTopic:
    ///   Type: AWS::SNS::Topic
    ///   Properties:
    ///     KmsMasterKeyId: !Ref LogsKeyArn
    /// ```
    ///
    /// ## Remediation
    ///
    /// Encrypt with the platform's logs key.
    ///
    /// ## References
    ///
    /// - AWS Security Hub SNS.1: <https://docs.aws.amazon.com/securityhub/latest/userguide/sns-controls.html>
    /// - SNS encryption at rest: <https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html>
    TopicNotEncryptedWithCustomerKey {
        code: codes::TOPIC_NOT_ENCRYPTED_WITH_CUSTOMER_KEY,
        name: "topic-not-encrypted-with-customer-key",
        severity: Error,
        fix: "set KmsMasterKeyId to a customer-managed key (the logs key)",
    }
}

impl Rule for TopicNotEncryptedWithCustomerKey {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for t in cx.of_type("AWS::SNS::Topic") {
            let key = t.prop("KmsMasterKeyId");
            if !is_set(key) {
                out.push(Hit::on(
                    &t,
                    "the topic is not encrypted (no `KmsMasterKeyId`)",
                ));
            } else if text(key).is_some_and(|k| k.ends_with("alias/aws/sns")) {
                out.push(Hit::on(
                    &t,
                    "the topic uses the AWS managed key `alias/aws/sns`, which CloudWatch and Budgets cannot publish with",
                ));
            }
        }
    }
}
