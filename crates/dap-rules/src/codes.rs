//! Every rule's stable code, in one place. A code never changes meaning and is never reused:
//! suppressions in environment files and in templates name rules by these codes.
//!
//! Groups: `S3` buckets, `KMS` keys, `IAM` policies, roles and users, `CT` CloudTrail, `LOGS`
//! CloudWatch Logs, `CW` CloudWatch alarms and the CIS monitoring set, `SNS` topics, `GLUE`
//! Glue, `ATH` Athena, `EC2` the reporting host, `DATA` data-bearing resources, `TPL` the template files themselves, `SUP`
//! suppressions themselves.

/// `DAP-S3-001`.
pub const BUCKET_PUBLIC_ACCESS_NOT_BLOCKED: &str = "DAP-S3-001";
/// `DAP-S3-002`.
pub const BUCKET_NOT_ENCRYPTED_WITH_CUSTOMER_KEY: &str = "DAP-S3-002";
/// `DAP-S3-003`.
pub const BUCKET_ALLOWS_INSECURE_TRANSPORT: &str = "DAP-S3-003";
/// `DAP-S3-004`.
pub const BUCKET_VERSIONING_NOT_ENABLED: &str = "DAP-S3-004";
/// `DAP-S3-005`.
pub const BUCKET_KEEPS_NONCURRENT_VERSIONS_FOREVER: &str = "DAP-S3-005";
/// `DAP-S3-006`.
pub const LANDING_OBJECTS_NEVER_EXPIRE: &str = "DAP-S3-006";
/// `DAP-S3-007`.
pub const BUCKET_ACCESS_NOT_LOGGED: &str = "DAP-S3-007";
/// `DAP-S3-008`.
pub const BUCKET_ACLS_ENABLED: &str = "DAP-S3-008";
/// `DAP-KMS-001`.
pub const KEY_ROTATION_DISABLED: &str = "DAP-KMS-001";
/// `DAP-KMS-002`.
pub const KEY_POLICY_ALLOWS_PUBLIC_PRINCIPAL: &str = "DAP-KMS-002";
/// `DAP-KMS-003`.
pub const KEY_POLICY_GRANTS_KMS_WILDCARD: &str = "DAP-KMS-003";
/// `DAP-KMS-004`.
pub const KEY_POLICY_MISSES_SERVICE_GRANT: &str = "DAP-KMS-004";
/// `DAP-KMS-005`.
pub const KEY_DELETION_WINDOW_SHORT: &str = "DAP-KMS-005";
/// `DAP-KMS-006`.
pub const KEY_POLICY_SERVES_UNDECLARED_LOG_GROUPS: &str = "DAP-KMS-006";
/// `DAP-IAM-001`.
pub const POLICY_ALLOWS_WILDCARD_ACTION: &str = "DAP-IAM-001";
/// `DAP-IAM-002`.
pub const POLICY_ALLOWS_DATA_ACTION_ON_ANY_RESOURCE: &str = "DAP-IAM-002";
/// `DAP-IAM-003`.
pub const PASS_ROLE_NOT_SCOPED: &str = "DAP-IAM-003";
/// `DAP-IAM-004`.
pub const AWS_MANAGED_POLICY_ATTACHED: &str = "DAP-IAM-004";
/// `DAP-IAM-005`.
pub const IAM_USER_DECLARED: &str = "DAP-IAM-005";
/// `DAP-IAM-006`.
pub const USER_HAS_INLINE_POLICY: &str = "DAP-IAM-006";
/// `DAP-IAM-007`.
pub const TRUST_POLICY_ALLOWS_UNTRUSTED_PRINCIPAL: &str = "DAP-IAM-007";
/// `DAP-IAM-008`.
pub const RESOURCE_POLICY_ALLOWS_OUTSIDE_PRINCIPAL: &str = "DAP-IAM-008";
/// `DAP-IAM-009`.
pub const ACCESS_EXCEEDS_INTENT: &str = "DAP-IAM-009";
/// `DAP-CT-001`.
pub const TRAIL_NOT_MULTI_REGION: &str = "DAP-CT-001";
/// `DAP-CT-002`.
pub const TRAIL_LOG_FILE_VALIDATION_DISABLED: &str = "DAP-CT-002";
/// `DAP-CT-003`.
pub const TRAIL_NOT_ENCRYPTED_WITH_KMS: &str = "DAP-CT-003";
/// `DAP-CT-004`.
pub const TRAIL_NOT_SENT_TO_CLOUDWATCH_LOGS: &str = "DAP-CT-004";
/// `DAP-CT-005`.
pub const TRAIL_MISSES_EVENTS: &str = "DAP-CT-005";
/// `DAP-CT-006`.
pub const TRAIL_NOT_LOGGING: &str = "DAP-CT-006";
/// `DAP-LOGS-001`.
pub const LOG_GROUP_NOT_ENCRYPTED: &str = "DAP-LOGS-001";
/// `DAP-LOGS-002`.
pub const LOG_GROUP_WITHOUT_RETENTION: &str = "DAP-LOGS-002";
/// `DAP-CW-001`.
pub const ALARM_WITHOUT_ACTION: &str = "DAP-CW-001";
/// `DAP-CW-002`.
pub const CIS_MONITORING_FILTER_MISSING: &str = "DAP-CW-002";
/// `DAP-SNS-001`.
pub const TOPIC_NOT_ENCRYPTED_WITH_CUSTOMER_KEY: &str = "DAP-SNS-001";
/// `DAP-SNS-002`.
pub const TOPIC_ALLOWS_INSECURE_TRANSPORT: &str = "DAP-SNS-002";
/// `DAP-GLUE-001`.
pub const GLUE_WITHOUT_SECURITY_CONFIGURATION: &str = "DAP-GLUE-001";
/// `DAP-GLUE-002`.
pub const SECURITY_CONFIGURATION_NOT_ENCRYPTING: &str = "DAP-GLUE-002";
/// `DAP-GLUE-003`.
pub const GLUE_JOB_ON_UNSUPPORTED_VERSION: &str = "DAP-GLUE-003";
/// `DAP-GLUE-004`.
pub const JOB_STARTABLE_WITH_OVERRIDES: &str = "DAP-GLUE-004";
/// `DAP-GLUE-005`.
pub const GLUE_LOGS_TO_UNDECLARED_LOG_GROUP: &str = "DAP-GLUE-005";
/// `DAP-ATH-001`.
pub const WORKGROUP_CONFIGURATION_NOT_ENFORCED: &str = "DAP-ATH-001";
/// `DAP-ATH-002`.
pub const WORKGROUP_RESULTS_NOT_ENCRYPTED: &str = "DAP-ATH-002";
/// `DAP-ATH-003`.
pub const WORKGROUP_WITHOUT_SCAN_CUTOFF: &str = "DAP-ATH-003";
/// `DAP-ATH-004`.
pub const WORKGROUP_METRICS_DISABLED: &str = "DAP-ATH-004";
/// `DAP-EC2-001`.
pub const INSTANCE_METADATA_V1_ALLOWED: &str = "DAP-EC2-001";
/// `DAP-EC2-002`.
pub const VOLUME_NOT_ENCRYPTED: &str = "DAP-EC2-002";
/// `DAP-EC2-003`.
pub const INSTANCE_MAY_GET_PUBLIC_IP: &str = "DAP-EC2-003";
/// `DAP-EC2-004`.
pub const INGRESS_OPEN_TO_THE_WORLD: &str = "DAP-EC2-004";
/// `DAP-DATA-001`.
pub const DATA_RESOURCE_NOT_RETAINED: &str = "DAP-DATA-001";
/// `DAP-TPL-001`.
pub const TEMPLATE_UNREADABLE: &str = "DAP-TPL-001";
/// `DAP-SUP-001`.
pub const SUPPRESSION_MATCHES_NOTHING: &str = "DAP-SUP-001";
/// `DAP-SUP-002`.
pub const SUPPRESSION_MALFORMED: &str = "DAP-SUP-002";
