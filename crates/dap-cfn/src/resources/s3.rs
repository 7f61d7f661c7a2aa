//! `AWS::S3::*`.

use serde::Serialize;

use super::Tag;
use crate::policy::PolicyDocument;
use crate::Value;

/// `AWS::S3::Bucket`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Bucket {
    pub bucket_name: Value<String>,
    pub bucket_encryption: BucketEncryption,
    pub versioning_configuration: VersioningConfiguration,
    pub public_access_block_configuration: PublicAccessBlockConfiguration,
    pub ownership_controls: OwnershipControls,
    pub lifecycle_configuration: LifecycleConfiguration,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logging_configuration: Option<LoggingConfiguration>,
    pub tags: Vec<Tag>,
}

/// Default encryption.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BucketEncryption {
    pub server_side_encryption_configuration: Vec<ServerSideEncryptionRule>,
}

impl BucketEncryption {
    /// SSE-KMS with a customer-managed key and bucket keys on.
    pub fn kms(key_arn: Value<String>) -> Self {
        BucketEncryption {
            server_side_encryption_configuration: vec![ServerSideEncryptionRule {
                bucket_key_enabled: Some(true),
                server_side_encryption_by_default: ServerSideEncryptionByDefault {
                    sse_algorithm: "aws:kms".to_owned(),
                    kms_master_key_id: Some(key_arn),
                },
            }],
        }
    }

    /// SSE-S3 (only for the server-access-log bucket: log delivery cannot use SSE-KMS).
    pub fn s3_managed() -> Self {
        BucketEncryption {
            server_side_encryption_configuration: vec![ServerSideEncryptionRule {
                bucket_key_enabled: None,
                server_side_encryption_by_default: ServerSideEncryptionByDefault {
                    sse_algorithm: "AES256".to_owned(),
                    kms_master_key_id: None,
                },
            }],
        }
    }
}

/// One encryption rule.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServerSideEncryptionRule {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket_key_enabled: Option<bool>,
    pub server_side_encryption_by_default: ServerSideEncryptionByDefault,
}

/// The default algorithm and key.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ServerSideEncryptionByDefault {
    #[serde(rename = "SSEAlgorithm")]
    pub sse_algorithm: String,
    #[serde(rename = "KMSMasterKeyID", skip_serializing_if = "Option::is_none")]
    pub kms_master_key_id: Option<Value<String>>,
}

/// Versioning.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VersioningConfiguration {
    pub status: String,
}

impl VersioningConfiguration {
    /// `Status: Enabled`.
    pub fn enabled() -> Self {
        VersioningConfiguration {
            status: "Enabled".to_owned(),
        }
    }
}

/// Block Public Access.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PublicAccessBlockConfiguration {
    pub block_public_acls: bool,
    pub block_public_policy: bool,
    pub ignore_public_acls: bool,
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlockConfiguration {
    /// All four settings on.
    pub fn all() -> Self {
        PublicAccessBlockConfiguration {
            block_public_acls: true,
            block_public_policy: true,
            ignore_public_acls: true,
            restrict_public_buckets: true,
        }
    }
}

/// Object ownership.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OwnershipControls {
    pub rules: Vec<OwnershipControlsRule>,
}

impl OwnershipControls {
    /// `BucketOwnerEnforced`: ACLs disabled.
    pub fn bucket_owner_enforced() -> Self {
        OwnershipControls {
            rules: vec![OwnershipControlsRule {
                object_ownership: "BucketOwnerEnforced".to_owned(),
            }],
        }
    }
}

/// One ownership rule.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OwnershipControlsRule {
    pub object_ownership: String,
}

/// Lifecycle rules.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LifecycleConfiguration {
    pub rules: Vec<LifecycleRule>,
}

/// One lifecycle rule.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LifecycleRule {
    pub id: String,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration_in_days: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub noncurrent_version_expiration: Option<NoncurrentVersionExpiration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub abort_incomplete_multipart_upload: Option<AbortIncompleteMultipartUpload>,
}

/// Expire noncurrent versions.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NoncurrentVersionExpiration {
    pub noncurrent_days: u32,
}

/// Abort incomplete multipart uploads.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AbortIncompleteMultipartUpload {
    pub days_after_initiation: u32,
}

/// Server access logging.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoggingConfiguration {
    pub destination_bucket_name: Value<String>,
    pub log_file_prefix: String,
}

/// `AWS::S3::BucketPolicy`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BucketPolicy {
    pub bucket: Value<String>,
    pub policy_document: PolicyDocument,
}
