use super::prelude::*;

rule! {
    /// Flags a symmetric KMS key without automatic rotation.
    ///
    /// ## What it checks
    ///
    /// Every `AWS::KMS::Key` whose `KeySpec` is absent or `SYMMETRIC_DEFAULT` has
    /// `EnableKeyRotation: true` (asymmetric and HMAC keys cannot rotate automatically and are
    /// not checked).
    ///
    /// ## Why
    ///
    /// Rotation limits how much data one key version protects and is what auditors expect of
    /// every customer-managed key. AWS Security Hub KMS.4, checkov CKV_AWS_7, CIS AWS
    /// Foundations 3.6, cdk-nag KMS5.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// DataKey:
    ///   Type: AWS::KMS::Key
    ///   Properties:
    ///     EnableKeyRotation: false
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// DataKey:
    ///   Type: AWS::KMS::Key
    ///   Properties:
    ///     EnableKeyRotation: true
    /// ```
    ///
    /// ## Remediation
    ///
    /// Set `EnableKeyRotation: true`. Rotation keeps the key id and ARN; nothing that uses
    /// the key changes.
    ///
    /// ## References
    ///
    /// - AWS Security Hub KMS.4: <https://docs.aws.amazon.com/securityhub/latest/userguide/kms-controls.html>
    /// - Rotating KMS keys: <https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html>
    KeyRotationDisabled {
        code: codes::KEY_ROTATION_DISABLED,
        name: "key-rotation-disabled",
        severity: Error,
        fix: "set EnableKeyRotation to true",
    }
}

impl Rule for KeyRotationDisabled {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for k in cx.of_type("AWS::KMS::Key") {
            let spec = text(k.prop("KeySpec")).unwrap_or("SYMMETRIC_DEFAULT");
            if spec == "SYMMETRIC_DEFAULT" && !is_true(k.prop("EnableKeyRotation")) {
                out.push(Hit::on(&k, "automatic key rotation is off"));
            }
        }
    }
}
