use super::prelude::*;

rule! {
    /// Warns about a KMS key whose deletion waiting period is shorter than 30 days.
    ///
    /// ## What it checks
    ///
    /// `PendingWindowInDays` of every `AWS::KMS::Key`, when set, is 30 (the maximum, and
    /// CloudFormation's default).
    ///
    /// ## Why
    ///
    /// Deleting a key makes everything it encrypted unreadable. The waiting period is the time
    /// left to notice (the CIS 4.7 alarm fires on `ScheduleKeyDeletion`) and cancel. The
    /// baseline asks for 30 days on every key.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// LogsKey:
    ///   Type: AWS::KMS::Key
    ///   Properties:
    ///     PendingWindowInDays: 7
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// LogsKey:
    ///   Type: AWS::KMS::Key
    ///   Properties:
    ///     PendingWindowInDays: 30
    /// ```
    ///
    /// ## Remediation
    ///
    /// Set `PendingWindowInDays: 30` (or leave it out).
    ///
    /// ## References
    ///
    /// - Deleting KMS keys: <https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html>
    KeyDeletionWindowShort {
        code: codes::KEY_DELETION_WINDOW_SHORT,
        name: "key-deletion-window-short",
        severity: Warning,
        fix: "set PendingWindowInDays to 30",
    }
}

impl Rule for KeyDeletionWindowShort {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for k in cx.of_type("AWS::KMS::Key") {
            if let Some(days) = number(k.prop("PendingWindowInDays")).filter(|d| *d < 30.0) {
                out.push(Hit::on(
                    &k,
                    format!(
                        "the key can be deleted {days} days after it is scheduled for deletion"
                    ),
                ));
            }
        }
    }
}
