//! Physical names, derived from the environment alone.
//!
//! Every name another stack needs is computed here from the environment's prefix, account and
//! region, so stacks refer to each other by name instead of by CloudFormation exports (see
//! ARCHITECTURE.md, "Cross-stack references"). Values that cannot be known in advance (KMS key
//! ARNs) travel through SSM parameters named here too.
//!
//! ARNs are written out in full (partition, region and account resolved), because an
//! environment is pinned to one account and region: templates and reports then show exactly
//! which resource a policy names.

use dap_cfn::Value;
use dap_config::Environment;

/// The data zones and other buckets, in the order the storage stack declares them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Zone {
    /// Raw uploads of the City's exports (CSV), per dataset and year.
    Landing,
    /// Cleaned, typed Parquet.
    Raw,
    /// Curated tables the queries read.
    Curated,
    /// Athena query results.
    AthenaResults,
    /// Glue scripts, temporary files and generated docs.
    Assets,
    /// CloudTrail log files.
    TrailLogs,
    /// S3 server access logs of every other bucket.
    AccessLogs,
}

impl Zone {
    /// Every bucket, in declaration order.
    pub const ALL: [Zone; 7] = [
        Zone::Landing,
        Zone::Raw,
        Zone::Curated,
        Zone::AthenaResults,
        Zone::Assets,
        Zone::TrailLogs,
        Zone::AccessLogs,
    ];

    /// The zone's name inside bucket names.
    pub fn slug(self) -> &'static str {
        match self {
            Zone::Landing => "landing",
            Zone::Raw => "raw",
            Zone::Curated => "curated",
            Zone::AthenaResults => "athena-results",
            Zone::Assets => "assets",
            Zone::TrailLogs => "trail-logs",
            Zone::AccessLogs => "access-logs",
        }
    }

    /// The bucket's logical id in the storage stack.
    pub fn logical_id(self) -> &'static str {
        match self {
            Zone::Landing => "LandingBucket",
            Zone::Raw => "RawBucket",
            Zone::Curated => "CuratedBucket",
            Zone::AthenaResults => "AthenaResultsBucket",
            Zone::Assets => "AssetsBucket",
            Zone::TrailLogs => "TrailLogsBucket",
            Zone::AccessLogs => "AccessLogsBucket",
        }
    }

    /// Whether the zone holds the platform's data (as opposed to logs, results and assets).
    pub fn is_data_zone(self) -> bool {
        matches!(self, Zone::Landing | Zone::Raw | Zone::Curated)
    }
}

/// The Glue jobs every dataset has, in template order.
pub const GLUE_JOBS: [&str; 2] = ["clean", "curate"];

/// Physical names of one environment.
#[derive(Clone, Debug)]
pub struct Names {
    prefix: String,
    account: String,
    region: String,
    env: Environment,
}

impl Names {
    /// Names for this environment.
    pub fn new(env: &Environment) -> Self {
        Names {
            prefix: env.prefix.clone(),
            account: env.account_id.clone(),
            region: env.region.clone(),
            env: env.clone(),
        }
    }

    /// The naming prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// `<prefix>-<suffix>`.
    pub fn named(&self, suffix: &str) -> String {
        format!("{}-{suffix}", self.prefix)
    }

    /// A CloudFormation stack's name.
    pub fn stack(&self, slug: &str) -> String {
        self.named(slug)
    }

    /// A bucket's name.
    pub fn bucket(&self, zone: Zone) -> String {
        dap_config::bucket_name(&self.env, zone.slug())
    }

    /// A bucket's ARN.
    pub fn bucket_arn(&self, zone: Zone) -> Value<String> {
        self.arn("s3", "", "", &self.bucket(zone))
    }

    /// The ARN of objects under a key prefix (`prefix` may be empty for every object).
    pub fn objects_arn(&self, zone: Zone, prefix: &str) -> Value<String> {
        self.arn("s3", "", "", &format!("{}/{prefix}*", self.bucket(zone)))
    }

    /// An `s3://bucket/prefix` URI.
    pub fn s3_uri(&self, zone: Zone, prefix: &str) -> String {
        format!("s3://{}/{prefix}", self.bucket(zone))
    }

    /// The on-demand trigger that runs a dataset's job (`clean`, `curate`) as deployed.
    pub fn trigger(&self, dataset: &str, job: &str) -> String {
        self.named(&format!("{dataset}-{job}-on-demand"))
    }

    /// An IAM role's name.
    pub fn role(&self, role: &str) -> String {
        self.named(role)
    }

    /// An IAM role's ARN.
    pub fn role_arn(&self, role: &str) -> Value<String> {
        self.arn(
            "iam",
            "",
            &self.account,
            &format!("role/{}", self.role(role)),
        )
    }

    /// A KMS alias name.
    pub fn key_alias(&self, key: &str) -> String {
        format!("alias/{}", self.named(key))
    }

    /// The SSM parameter that carries a KMS key's ARN to the stacks that use the key.
    pub fn key_parameter(&self, key: &str) -> String {
        format!("/{}/security/{key}-key-arn", self.prefix)
    }

    /// The Glue database of a dataset: the prefix and dataset in snake case.
    pub fn database(&self, dataset: &str) -> String {
        format!("{}_{}", self.prefix, dataset).replace('-', "_")
    }

    /// The trail's name.
    pub fn trail(&self) -> String {
        self.named("trail")
    }

    /// The trail's ARN.
    pub fn trail_arn(&self) -> Value<String> {
        self.arn(
            "cloudtrail",
            &self.region,
            &self.account,
            &format!("trail/{}", self.trail()),
        )
    }

    /// The trail's CloudWatch Logs group.
    pub fn trail_log_group(&self) -> String {
        format!("/{}/cloudtrail", self.prefix)
    }

    /// The `--custom-logGroup-prefix` of a dataset's Glue job (`clean`, `curate`):
    /// `/<prefix>/glue/<dataset>-<job>`. Glue 5.0 writes the job's logs to `<prefix>/error`
    /// and `<prefix>/output` ("Logging for AWS Glue jobs", Glue developer guide,
    /// <https://docs.aws.amazon.com/glue/latest/dg/monitor-continuous-logging.html>): names
    /// that are ours, so the platform creates the groups and the logs key serves only them.
    pub fn glue_job_log_prefix(&self, dataset: &str, job: &str) -> String {
        format!("/{}/glue/{dataset}-{job}", self.prefix)
    }

    /// The two log groups a Glue 5.0 job writes to (see [`Names::glue_job_log_prefix`]):
    /// `error` (system, Spark and Glue logger logs) and `output` (the script's stdout and
    /// stderr).
    pub fn glue_job_log_groups(&self, dataset: &str, job: &str) -> [String; 2] {
        let prefix = self.glue_job_log_prefix(dataset, job);
        [format!("{prefix}/error"), format!("{prefix}/output")]
    }

    /// The log group of the crawlers: Glue names it itself when the crawler has a security
    /// configuration with CloudWatch encryption, `/aws-glue/crawlers-role/<role
    /// path><role name>-<security configuration name>`, and a crawler has no setting to
    /// change it. The crawler role has the path `/`, so the name is
    /// `/aws-glue/crawlers-role/<prefix>-glue-crawler-<prefix>-glue`.
    pub fn glue_crawler_log_group(&self) -> String {
        format!(
            "/aws-glue/crawlers-role/{}-{}",
            self.role("glue-crawler"),
            self.glue_security_configuration()
        )
    }

    /// Every log group of the platform, in template order: the trail's, each job's `error`
    /// and `output`, the crawlers'. The logs key serves these and no other.
    pub fn log_groups(&self) -> Vec<String> {
        let mut out = vec![self.trail_log_group()];
        for dataset in self.env.datasets.keys() {
            for job in GLUE_JOBS {
                out.extend(self.glue_job_log_groups(dataset, job));
            }
        }
        out.push(self.glue_crawler_log_group());
        out
    }

    /// A log group's ARN as CloudWatch Logs writes it in the encryption context
    /// (`kms:EncryptionContext:aws:logs:arn`): without the `:*` that `Fn::GetAtt Arn` adds.
    pub fn log_group_arn(&self, name: &str) -> Value<String> {
        self.local_arn("logs", &format!("log-group:{name}"))
    }

    /// The alarm topic's name.
    pub fn alarm_topic(&self) -> String {
        self.named("alarms")
    }

    /// The alarm topic's ARN.
    pub fn alarm_topic_arn(&self) -> Value<String> {
        self.arn("sns", &self.region, &self.account, &self.alarm_topic())
    }

    /// The Glue security configuration's name.
    pub fn glue_security_configuration(&self) -> String {
        self.named("glue")
    }

    /// A Glue job's name.
    pub fn job(&self, dataset: &str, job: &str) -> String {
        self.named(&format!("{dataset}-{job}"))
    }

    /// A table's data-quality ruleset.
    pub fn quality_ruleset(&self, dataset: &str, table: &str) -> String {
        self.named(&format!("{dataset}-{table}"))
    }

    /// The CloudWatch namespace of the jobs' data-quality metrics.
    pub fn quality_namespace(&self) -> String {
        format!("dap/{}/quality", self.prefix())
    }

    /// A crawler's name.
    pub fn crawler(&self, dataset: &str) -> String {
        self.named(&format!("{dataset}-crawler"))
    }

    /// The Athena workgroup's name.
    pub fn workgroup(&self) -> String {
        self.named("analytics")
    }

    /// The Athena workgroup's ARN.
    pub fn workgroup_arn(&self) -> Value<String> {
        self.arn(
            "athena",
            &self.region,
            &self.account,
            &format!("workgroup/{}", self.workgroup()),
        )
    }

    /// The partition of the environment's region.
    pub fn partition(&self) -> &'static str {
        if self.region.starts_with("cn-") {
            "aws-cn"
        } else if self.region.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        }
    }

    /// `arn:<partition>:<service>:<region>:<account>:<resource>`.
    pub fn arn(&self, service: &str, region: &str, account: &str, resource: &str) -> Value<String> {
        self.arn_string(service, region, account, resource).into()
    }

    /// The same ARN as a plain string.
    pub fn arn_string(&self, service: &str, region: &str, account: &str, resource: &str) -> String {
        format!(
            "arn:{}:{service}:{region}:{account}:{resource}",
            self.partition()
        )
    }

    /// An ARN in this environment's region and account.
    pub fn local_arn(&self, service: &str, resource: &str) -> Value<String> {
        self.arn(service, &self.region, &self.account, resource)
    }

    /// The account root principal's ARN.
    pub fn account_root(&self) -> Value<String> {
        self.arn("iam", "", &self.account, "root")
    }

    /// The account id.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The region.
    pub fn region(&self) -> &str {
        &self.region
    }
}

/// `business-licences` → `BusinessLicences`: a stable logical-id fragment from a name.
pub fn id_part(name: &str) -> String {
    name.split(['-', '_'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}
