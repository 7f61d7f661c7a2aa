//! The typed environment model: what one `environments/<env>.yaml` declares, after defaults.
//!
//! Field names here are the YAML keys (snake_case). Defaults live in code (`Default` impls
//! and `#[serde(default)]`), so an environment file names only what differs.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// One environment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    /// Environment name (`dev`, `staging`, `prod`, `local`): lowercase letters and digits.
    pub name: String,
    /// The AWS account the environment lives in: exactly 12 digits (quote it in YAML).
    pub account_id: String,
    /// The AWS region, for example `ca-central-1`.
    pub region: String,
    /// Naming prefix for every physical name: lowercase letters, digits and single hyphens,
    /// starting with a letter. Bucket names are `<prefix>-<zone>-<account_id>-<region>` (see
    /// [`crate::bucket_name`]), so the prefix must leave them at most 63 characters.
    pub prefix: String,
    /// An endpoint URL to use instead of AWS (a local moto server); absent for real accounts.
    #[serde(default)]
    pub endpoint_url: Option<String>,
    /// The role `dap` assumes (with STS, from whatever credentials it starts with) before it
    /// reads or changes anything in the account; none: the starting credentials act directly.
    #[serde(default)]
    pub deploy_role: Option<DeployRole>,
    /// How hard the environment protects its data stores.
    pub protection: Protection,
    /// The datasets ingested, by name (lowercase words joined by hyphens, such as
    /// `business-licences`); at least one.
    pub datasets: IndexMap<String, Dataset>,
    /// Retention of the data zones and logs.
    #[serde(default)]
    pub retention: Retention,
    /// Who may assume each human role: IAM role ARNs (SSO roles included) or account roots.
    pub principals: Principals,
    /// Alarm notification settings.
    pub alarms: Alarms,
    /// The monthly cost budget.
    pub budget: Budget,
    /// What the platform is assumed to store, run and query each month: the cost estimate's
    /// inputs that the templates cannot say (`dap cost`, the monthly cost change in `dap plan`).
    #[serde(default)]
    pub usage: Usage,
    /// Glue job sizing and schedule.
    #[serde(default)]
    pub glue: Glue,
    /// Athena workgroup settings.
    #[serde(default)]
    pub athena: Athena,
    /// The optional reporting host.
    #[serde(default)]
    pub reporting_host: ReportingHost,
    /// Tags applied to every stack and taggable resource (at most 40; the platform adds its own,
    /// and keys must not start with `aws:`).
    #[serde(default)]
    pub tags: IndexMap<String, String>,
    /// Rule findings this environment accepts, each with its reason (see `dap check`). A
    /// suppression that matches no finding is itself an error finding.
    #[serde(default)]
    pub suppressions: Vec<Suppression>,
}

/// One accepted rule finding: which rule, on which stack's resource, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suppression {
    /// The rule code, for example `DAP-S3-007`.
    pub rule: String,
    /// The stack's short name, as in the rendered file names (`storage`, `access`, ...).
    pub stack: String,
    /// The resource's logical id in that stack, for example `AccessLogsBucket`.
    pub resource: String,
    /// Why the finding is accepted; shown in `dap check` output and in the rule docs.
    pub reason: String,
}

/// Protection level for data-bearing resources.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protection {
    /// Production: stack policies, termination protection, no destroy.
    Strict,
    /// Stack policies on data-bearing resources.
    Standard,
    /// Development: Retain policies only.
    Relaxed,
}

/// One dataset and the licence years it holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dataset {
    /// Folder years ingested (four digits, for example 2024). Adding a year is one line.
    pub years: Vec<u16>,
    /// The portal exports' text encoding when it is not UTF-8 (for example `windows-1252`):
    /// the clean job transcodes from it. Unset, the job accepts UTF-8 (with or without a
    /// byte-order mark) only and refuses anything else, naming the file and byte offset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// The clean job refuses a load (exits non-zero, writes no table, keeps the quality
    /// summary) when more than this share of the rows read is invalid (0 to 100).
    #[serde(default = "default_max_rejected_percent")]
    pub max_rejected_percent: u32,
}

/// The encodings the clean job can transcode from (Python codec names).
pub const SOURCE_ENCODINGS: &[&str] = &[
    "utf-8",
    "utf-16",
    "utf-16-le",
    "utf-16-be",
    "windows-1252",
    "iso-8859-1",
    "iso-8859-15",
];

fn default_max_rejected_percent() -> u32 {
    5
}

/// Retention, in days.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Retention {
    /// Landing-zone objects expire after this many days.
    pub landing_expiry_days: u32,
    /// Noncurrent object versions expire after this many days (every bucket).
    pub noncurrent_version_expiry_days: u32,
    /// CloudWatch Logs retention; one of the values CloudWatch Logs accepts.
    pub log_retention_days: u32,
    /// Athena query results expire after this many days.
    pub athena_results_expiry_days: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            landing_expiry_days: 30,
            noncurrent_version_expiry_days: 90,
            log_retention_days: 365,
            athena_results_expiry_days: 30,
        }
    }
}

/// Principal ARNs allowed to assume each human role.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Principals {
    /// May assume the data engineer role.
    pub data_engineer: Vec<String>,
    /// May assume the analyst role.
    pub analyst: Vec<String>,
    /// May assume the auditor role.
    pub auditor: Vec<String>,
    /// An optional break-glass role (its ARN, in the environment's account) that the data
    /// perimeter lets in beside the platform's roles: the bucket perimeters and the keys' use
    /// statement name it. None by default.
    #[serde(default)]
    pub break_glass: Option<String>,
}

/// The environment's deploy identity: one role per account that `dap` assumes, and the
/// principals it trusts (written into the bootstrap template `dap render` produces).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeployRole {
    /// The role's ARN, in the environment's account.
    pub arn: String,
    /// The external id the role's trust policy requires, if any (`sts:ExternalId`).
    #[serde(default)]
    pub external_id: Option<String>,
    /// The role session name (seen in CloudTrail); `dap-<environment>` when absent.
    #[serde(default)]
    pub session_name: Option<String>,
    /// Who may assume it: the CI identity (a role, such as the one a CI runner gets through
    /// OIDC), an IAM user, or an account root. The bootstrap template's trust policy names
    /// exactly these.
    pub trusted_principals: Vec<String>,
}

impl DeployRole {
    /// The session name `dap` uses: the configured one, else `dap-<environment>`.
    pub fn session_name_for(&self, environment: &str) -> String {
        self.session_name
            .clone()
            .unwrap_or_else(|| format!("dap-{environment}"))
    }

    /// The role's name: the last segment of its ARN.
    pub fn role_name(&self) -> &str {
        self.arn.rsplit('/').next().unwrap_or_default()
    }
}

/// Alarm recipients.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alarms {
    /// Email addresses subscribed to the alarm topic.
    pub emails: Vec<String>,
}

/// The monthly AWS Budgets budget.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// Monthly limit in USD; must be positive.
    pub monthly_usd: u32,
    /// Alert thresholds in percent of the limit (actual spend), each in 1..=1000.
    #[serde(default = "default_thresholds")]
    pub alert_thresholds_percent: Vec<u32>,
}

/// The default budget alert thresholds: 80 % and 100 % of the limit.
pub(crate) fn default_thresholds() -> Vec<u32> {
    vec![80, 100]
}

/// Usage assumptions for the cost estimate (the `dap-cost` crate): what the templates cannot say.
///
/// The defaults describe a small City platform: a few GB in each zone, one daily load of a
/// portal export, a few analysts' queries. Whole numbers only; every key is optional.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Usage {
    /// GB stored in each zone's bucket (S3 Standard), noncurrent versions included.
    pub storage_gb: StorageGb,
    /// S3 requests a month to the data buckets (landing, raw, curated, athena-results),
    /// spread evenly over them.
    pub requests_per_month: Requests,
    /// Minutes one Glue job run takes (1 to 2880; 5 by default). Glue bills at least one
    /// minute a run, and a run stops at the job's timeout.
    pub job_minutes_per_run: u32,
    /// Runs a month of a Glue job or crawler that no schedule starts (run by hand; 4 by
    /// default). Scheduled ones run as their trigger's schedule says.
    pub job_runs_per_month: u32,
    /// Athena queries a month in the platform's workgroups (1,000 by default).
    pub queries_per_month: u32,
    /// MB one Athena query scans (50 by default); Athena bills at least 10 MB a query.
    pub mb_scanned_per_query: u32,
    /// GB a month written to CloudWatch Logs, spread evenly over the log groups (2 by default).
    pub log_ingest_gb: u32,
    /// KMS requests a month (encrypt, decrypt, generate data key), spread evenly over the keys
    /// (20,000 by default; the buckets use S3 bucket keys, which keep this low).
    pub kms_requests_per_month: u64,
    /// S3 data events a month a trail records (100,000 by default: every object read and
    /// write on the buckets it watches).
    pub cloudtrail_data_events_per_month: u64,
    /// Alarm and budget notifications a month published to the alarm topic (30 by default);
    /// each is one email to every subscriber.
    pub alarm_notifications_per_month: u32,
}

impl Default for Usage {
    fn default() -> Self {
        Usage {
            storage_gb: StorageGb::default(),
            requests_per_month: Requests::default(),
            job_minutes_per_run: 5,
            job_runs_per_month: 4,
            queries_per_month: 1_000,
            mb_scanned_per_query: 50,
            log_ingest_gb: 2,
            kms_requests_per_month: 20_000,
            cloudtrail_data_events_per_month: 100_000,
            alarm_notifications_per_month: 30,
        }
    }
}

/// GB stored per zone, for the cost estimate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageGb {
    /// The landing bucket: portal exports as delivered (2 by default).
    pub landing: u32,
    /// The raw bucket: typed Parquet (2 by default).
    pub raw: u32,
    /// The curated bucket: the tables the queries read (1 by default).
    pub curated: u32,
    /// The Athena query-results bucket (1 by default).
    pub athena_results: u32,
    /// The trail-logs and access-logs buckets together, split evenly (2 by default).
    pub logs: u32,
}

impl Default for StorageGb {
    fn default() -> Self {
        StorageGb {
            landing: 2,
            raw: 2,
            curated: 1,
            athena_results: 1,
            logs: 2,
        }
    }
}

/// S3 requests a month, for the cost estimate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Requests {
    /// PUT, COPY, POST and LIST requests (10,000 by default).
    pub put: u64,
    /// GET and every other request (100,000 by default).
    pub get: u64,
}

impl Default for Requests {
    fn default() -> Self {
        Requests {
            put: 10_000,
            get: 100_000,
        }
    }
}

/// Glue job sizing and schedule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Glue {
    /// Worker type: one of `G.1X`, `G.2X`, `G.4X`, `G.8X`.
    pub worker_type: String,
    /// Number of workers, 2..=299.
    pub number_of_workers: u32,
    /// Job timeout in minutes, 1..=2880.
    pub timeout_minutes: u32,
    /// Retries after a failed run, 0..=10.
    pub max_retries: u32,
    /// The clean job's schedule: an EventBridge/Glue `cron(...)` expression (six fields:
    /// minutes, hours, day-of-month, month, day-of-week, year). Glue triggers take no `rate(...)`.
    pub schedule: String,
}

impl Default for Glue {
    fn default() -> Self {
        Glue {
            worker_type: "G.1X".to_owned(),
            number_of_workers: 2,
            timeout_minutes: 60,
            max_retries: 1,
            schedule: "cron(0 9 * * ? *)".to_owned(),
        }
    }
}

/// Athena workgroup settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Athena {
    /// Per-query bytes-scanned cutoff; at least 10 MB (10485760), as Athena requires.
    pub bytes_scanned_cutoff: u64,
}

impl Default for Athena {
    fn default() -> Self {
        Athena {
            bytes_scanned_cutoff: 10 * 1024 * 1024 * 1024,
        }
    }
}

/// The optional reporting host.
///
/// Off by default; the defaults of the other fields apply once `enabled` is set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportingHost {
    /// Whether the host exists.
    pub enabled: bool,
    /// EC2 instance type (`family.size`), for example `t3.small` (the default).
    pub instance_type: String,
    /// The VPC the host lives in (`vpc-` + 8 or 17 hex digits); required when enabled.
    pub vpc_id: Option<String>,
    /// A private subnet of that VPC (`subnet-` + hex); required when enabled.
    pub subnet_id: Option<String>,
    /// CIDR blocks allowed to reach the report server on HTTPS (never `0.0.0.0/0`).
    pub allowed_cidrs: Vec<String>,
    /// CIDR blocks the report server may open HTTPS connections to: the subnets of the VPC's
    /// interface endpoints (SSM, Athena, Glue, STS, KMS). None by default: no egress at all.
    pub egress_cidrs: Vec<String>,
    /// Managed prefix lists the report server may open HTTPS connections to (`pl-` + hex; the
    /// S3 gateway endpoint's list). None by default.
    pub egress_prefix_lists: Vec<String>,
    /// The host's image: an AMI id (`ami-` + hex) or an SSM parameter reference
    /// (`resolve:ssm:/...`). Defaults to the latest Amazon Linux 2023 AMI.
    pub image: String,
    /// How often, in minutes, the host asks whether the curate job has run since it last
    /// built the insights report (5 to 1440; 15 by default). A check that finds nothing new
    /// is one Glue API call; a new run rebuilds the report.
    pub refresh_minutes: u32,
}

impl Default for ReportingHost {
    fn default() -> Self {
        ReportingHost {
            enabled: false,
            instance_type: "t3.small".to_owned(),
            vpc_id: None,
            subnet_id: None,
            allowed_cidrs: Vec::new(),
            egress_cidrs: Vec::new(),
            egress_prefix_lists: Vec::new(),
            image:
                "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
                    .to_owned(),
            refresh_minutes: 15,
        }
    }
}
