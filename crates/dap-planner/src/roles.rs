//! Who may do what: the statements of every role's policy, least privilege by construction.
//!
//! Each role gets exactly the S3 prefixes (per dataset and year where the role works per
//! year), Glue resources, Athena workgroup and KMS keys its job needs. No statement allows
//! `*` or `<service>:*` actions; `Resource: "*"` appears only for read-only describe/list
//! calls that AWS does not scope to resources, and for `cloudwatch:PutMetricData`, scoped by
//! its namespace condition instead.

use dap_cfn::policy::Statement;
use dap_cfn::Value;
use dap_config::Environment;

use crate::names::{Names, Zone};
use crate::{quality, schema};

/// The KMS key ARNs, as the stack receives them.
pub struct Keys {
    /// The data key.
    pub data: Value<String>,
    /// The logs key.
    pub logs: Value<String>,
}

/// The roles of the access stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleKind {
    /// Runs the clean job: reads landing, writes raw.
    GlueClean,
    /// Runs the curate job: reads raw, writes curated.
    GlueCurate,
    /// Runs the crawler: reads raw and curated, updates partitions.
    GlueCrawler,
    /// Humans who load data and run jobs.
    DataEngineer,
    /// Humans who query curated data through Athena.
    Analyst,
    /// Humans who read trail logs and configuration.
    Auditor,
}

impl RoleKind {
    /// Every role, in template order.
    pub const ALL: [RoleKind; 6] = [
        RoleKind::GlueClean,
        RoleKind::GlueCurate,
        RoleKind::GlueCrawler,
        RoleKind::DataEngineer,
        RoleKind::Analyst,
        RoleKind::Auditor,
    ];

    /// The role's short name (physical name `<prefix>-<slug>`).
    pub fn slug(self) -> &'static str {
        match self {
            RoleKind::GlueClean => "glue-clean",
            RoleKind::GlueCurate => "glue-curate",
            RoleKind::GlueCrawler => "glue-crawler",
            RoleKind::DataEngineer => "data-engineer",
            RoleKind::Analyst => "analyst",
            RoleKind::Auditor => "auditor",
        }
    }

    /// The role's logical id.
    pub fn logical_id(self) -> &'static str {
        match self {
            RoleKind::GlueClean => "GlueCleanRole",
            RoleKind::GlueCurate => "GlueCurateRole",
            RoleKind::GlueCrawler => "GlueCrawlerRole",
            RoleKind::DataEngineer => "DataEngineerRole",
            RoleKind::Analyst => "AnalystRole",
            RoleKind::Auditor => "AuditorRole",
        }
    }

    /// What the role is for.
    pub fn description(self) -> &'static str {
        match self {
            RoleKind::GlueClean => "Glue clean job: reads the landing zone, writes the raw zone",
            RoleKind::GlueCurate => "Glue curate job: reads the raw zone, writes the curated zone",
            RoleKind::GlueCrawler => "Glue crawler: reads raw and curated, updates partitions",
            RoleKind::DataEngineer => {
                "Data engineers: load landing and raw, read curated, run the Glue jobs"
            }
            RoleKind::Analyst => "Analysts: query curated data through the Athena workgroup",
            RoleKind::Auditor => "Auditors: read trail logs, configuration and generated docs",
        }
    }

    /// For human roles, the principals allowed to assume them.
    pub fn human_principals(self, env: &Environment) -> Option<&[String]> {
        match self {
            RoleKind::DataEngineer => Some(&env.principals.data_engineer),
            RoleKind::Analyst => Some(&env.principals.analyst),
            RoleKind::Auditor => Some(&env.principals.auditor),
            _ => None,
        }
    }

    /// For service roles, the service principal.
    pub fn service(self) -> &'static str {
        "glue.amazonaws.com"
    }
}

/// Object ARNs of every dataset's per-year prefixes in a zone: `<dataset>/year=YYYY/`
/// (landing) or `<dataset>/<table>/year=YYYY/` is covered by `<dataset>/*` where a role works on
/// whole tables.
fn year_objects(env: &Environment, names: &Names, zone: Zone) -> Vec<Value<String>> {
    let mut out = Vec::new();
    for (dataset, ds) in &env.datasets {
        for year in &ds.years {
            out.push(names.objects_arn(zone, &format!("{dataset}/year={year}/")));
        }
    }
    out
}

fn dataset_objects(env: &Environment, names: &Names, zone: Zone) -> Vec<Value<String>> {
    env.datasets
        .keys()
        .map(|d| names.objects_arn(zone, &format!("{d}/")))
        .collect()
}

fn dataset_prefixes(env: &Environment) -> Vec<Value<String>> {
    env.datasets
        .keys()
        .flat_map(|d| [Value::from(format!("{d}/")), Value::from(format!("{d}/*"))])
        .collect()
}

fn list_bucket(sid: &str, env: &Environment, names: &Names, zone: Zone) -> Statement {
    Statement::allow(sid, &["s3:ListBucket"], vec![names.bucket_arn(zone)]).when(
        "StringLike",
        "s3:prefix",
        dataset_prefixes(env),
    )
}

const READ_OBJECTS: &[&str] = &["s3:GetObject", "s3:GetObjectVersion"];
const WRITE_OBJECTS: &[&str] = &[
    "s3:AbortMultipartUpload",
    "s3:DeleteObject",
    "s3:GetObject",
    "s3:PutObject",
];
const USE_DATA_KEY: &[&str] = &["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"];
const DECRYPT: &[&str] = &["kms:Decrypt"];

fn catalog_arns(names: &Names, env: &Environment, zone_filter: Option<&str>) -> Vec<Value<String>> {
    let mut out = vec![names.local_arn("glue", "catalog")];
    for dataset in env.datasets.keys() {
        let db = names.database(dataset);
        out.push(names.local_arn("glue", &format!("database/{db}")));
        for table in schema::tables(dataset) {
            if zone_filter.is_none_or(|z| table.zone == z) {
                out.push(names.local_arn("glue", &format!("table/{db}/{}", table.name)));
            }
        }
    }
    out
}

const CATALOG_READ: &[&str] = &[
    "glue:GetDatabase",
    "glue:GetDatabases",
    "glue:GetPartition",
    "glue:GetPartitions",
    "glue:GetTable",
    "glue:GetTables",
];
const CATALOG_PARTITIONS: &[&str] = &[
    "glue:BatchCreatePartition",
    "glue:BatchGetPartition",
    "glue:CreatePartition",
    "glue:GetDatabase",
    "glue:GetPartition",
    "glue:GetPartitions",
    "glue:GetTable",
    "glue:UpdatePartition",
];

/// Writing to the log groups Glue uses for a role's runs, and no other: the groups exist
/// (the analytics and catalog stacks create them with the logs key), `CreateLogGroup` and
/// `AssociateKmsKey` stay for Glue's start-up calls, which it makes on the group it is about
/// to write to.
fn glue_logs(names: &Names, groups: &[String]) -> Statement {
    let resources = groups
        .iter()
        .flat_map(|g| {
            [
                names.log_group_arn(g),
                names.local_arn("logs", &format!("log-group:{g}:*")),
            ]
        })
        .collect();
    Statement::allow(
        "WriteGlueLogs",
        &[
            "logs:AssociateKmsKey",
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
        ],
        resources,
    )
}

/// The log groups of every dataset's `job` (`clean`, `curate`).
fn job_log_groups(env: &Environment, names: &Names, job: &str) -> Vec<String> {
    env.datasets
        .keys()
        .flat_map(|d| names.glue_job_log_groups(d, job))
        .collect()
}

/// A job's data-quality rulesets (read and publish results to) and its metric namespace.
fn glue_job_quality(env: &Environment, names: &Names, job: &str) -> Vec<Statement> {
    let rulesets: Vec<Value<String>> = env
        .datasets
        .keys()
        .flat_map(|d| quality::for_job(d, job))
        .map(|r| names.local_arn("glue", &format!("dataQualityRuleset/{}", r.name(names))))
        .collect();
    vec![
        Statement::allow(
            "EvaluateQualityRulesets",
            &["glue:GetDataQualityRuleset", "glue:PublishDataQuality"],
            rulesets,
        ),
        // PutMetricData has no resource type: the namespace condition is its scope.
        Statement::allow(
            "PutQualityMetrics",
            &["cloudwatch:PutMetricData"],
            vec!["*".into()],
        )
        .when(
            "StringEquals",
            "cloudwatch:namespace",
            vec![names.quality_namespace().into()],
        ),
    ]
}

fn glue_job_common(env: &Environment, names: &Names, keys: &Keys, job: &str) -> Vec<Statement> {
    let mut common = vec![
        Statement::allow(
            "ReadJobScripts",
            READ_OBJECTS,
            vec![names.objects_arn(Zone::Assets, "glue-scripts/")],
        ),
        Statement::allow(
            "UseJobTempDir",
            WRITE_OBJECTS,
            vec![names.objects_arn(Zone::Assets, &format!("glue-temp/{job}/"))],
        ),
        Statement::allow("UseDataKey", USE_DATA_KEY, vec![keys.data.clone()]),
        logs_key_through_logs(names, keys),
        glue_logs(names, &job_log_groups(env, names, job)),
    ];
    common.extend(glue_job_quality(env, names, job));
    common
}

/// Glue's encrypted log groups use the logs key, only through CloudWatch Logs.
fn logs_key_through_logs(names: &Names, keys: &Keys) -> Statement {
    Statement::allow(
        "AssociateLogsKey",
        &["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"],
        vec![keys.logs.clone()],
    )
    .when(
        "StringEquals",
        "kms:ViaService",
        vec![format!("logs.{}.amazonaws.com", names.region()).into()],
    )
}

/// The statements of a role's policy.
pub fn statements(env: &Environment, names: &Names, keys: &Keys, role: RoleKind) -> Vec<Statement> {
    match role {
        RoleKind::GlueClean => glue_clean_statements(env, names, keys),
        RoleKind::GlueCurate => glue_curate_statements(env, names, keys),
        RoleKind::GlueCrawler => glue_crawler_statements(env, names, keys),
        RoleKind::DataEngineer => data_engineer_statements(env, names, keys),
        RoleKind::Analyst => analyst_statements(env, names, &keys.data),
        RoleKind::Auditor => auditor_statements(names, keys),
    }
}

/// The clean job: read the landing years, write the raw tables, their quality reports and
/// partitions.
fn glue_clean_statements(env: &Environment, names: &Names, keys: &Keys) -> Vec<Statement> {
    let mut s = vec![
        list_bucket("ListLanding", env, names, Zone::Landing),
        Statement::allow(
            "ReadLandingYears",
            READ_OBJECTS,
            year_objects(env, names, Zone::Landing),
        ),
        list_bucket("ListRaw", env, names, Zone::Raw),
        Statement::allow(
            "WriteRawTables",
            WRITE_OBJECTS,
            dataset_objects(env, names, Zone::Raw),
        ),
        Statement::allow(
            "WriteQualityReports",
            &["s3:PutObject"],
            vec![names.objects_arn(Zone::Raw, "_quality/")],
        ),
        Statement::allow(
            "UpdateRawPartitions",
            CATALOG_PARTITIONS,
            catalog_arns(names, env, Some("raw")),
        ),
    ];
    s.extend(glue_job_common(env, names, keys, "clean"));
    s
}

/// The curate job: read the raw tables and the catalog, write the curated tables and their
/// quality reports.
fn glue_curate_statements(env: &Environment, names: &Names, keys: &Keys) -> Vec<Statement> {
    let mut s = vec![
        list_bucket("ListRaw", env, names, Zone::Raw),
        Statement::allow(
            "ReadRawTables",
            READ_OBJECTS,
            dataset_objects(env, names, Zone::Raw),
        ),
        list_bucket("ListCurated", env, names, Zone::Curated),
        Statement::allow(
            "WriteCuratedTables",
            WRITE_OBJECTS,
            dataset_objects(env, names, Zone::Curated),
        ),
        Statement::allow(
            "WriteQualityReports",
            &["s3:PutObject"],
            vec![names.objects_arn(Zone::Curated, "_quality/")],
        ),
        Statement::allow("ReadCatalog", CATALOG_READ, catalog_arns(names, env, None)),
    ];
    s.extend(glue_job_common(env, names, keys, "curate"));
    s
}

/// The crawler: read the raw and curated tables, update partitions, write its log group.
fn glue_crawler_statements(env: &Environment, names: &Names, keys: &Keys) -> Vec<Statement> {
    vec![
        list_bucket("ListRaw", env, names, Zone::Raw),
        Statement::allow(
            "ReadRawTables",
            READ_OBJECTS,
            dataset_objects(env, names, Zone::Raw),
        ),
        list_bucket("ListCurated", env, names, Zone::Curated),
        Statement::allow(
            "ReadCuratedTables",
            READ_OBJECTS,
            dataset_objects(env, names, Zone::Curated),
        ),
        Statement::allow(
            "UpdatePartitions",
            CATALOG_PARTITIONS,
            catalog_arns(names, env, None),
        ),
        Statement::allow("DecryptData", DECRYPT, vec![keys.data.clone()]),
        logs_key_through_logs(names, keys),
        glue_logs(names, &[names.glue_crawler_log_group()]),
    ]
}

/// Data engineers: load landing, manage raw, read curated and quality reports, run the jobs
/// (through their triggers) and crawlers.
fn data_engineer_statements(env: &Environment, names: &Names, keys: &Keys) -> Vec<Statement> {
    let jobs: Vec<Value<String>> = env
        .datasets
        .keys()
        .flat_map(|d| {
            ["clean", "curate"]
                .map(|j| names.local_arn("glue", &format!("job/{}", names.job(d, j))))
        })
        .collect();
    let triggers: Vec<Value<String>> = env
        .datasets
        .keys()
        .flat_map(|d| {
            ["clean", "curate"]
                .map(|j| names.local_arn("glue", &format!("trigger/{}", names.trigger(d, j))))
        })
        .collect();
    let crawlers = env
        .datasets
        .keys()
        .map(|d| names.local_arn("glue", &format!("crawler/{}", names.crawler(d))))
        .collect();
    vec![
        list_bucket("ListLanding", env, names, Zone::Landing),
        Statement::allow(
            "LoadLanding",
            WRITE_OBJECTS,
            dataset_objects(env, names, Zone::Landing),
        ),
        list_bucket("ListRaw", env, names, Zone::Raw),
        Statement::allow(
            "ManageRaw",
            WRITE_OBJECTS,
            dataset_objects(env, names, Zone::Raw),
        ),
        Statement::allow(
            "ReadQualityReports",
            READ_OBJECTS,
            vec![
                names.objects_arn(Zone::Raw, "_quality/"),
                names.objects_arn(Zone::Curated, "_quality/"),
            ],
        ),
        list_bucket("ListCurated", env, names, Zone::Curated),
        Statement::allow(
            "ReadCurated",
            READ_OBJECTS,
            dataset_objects(env, names, Zone::Curated),
        ),
        Statement::allow("UseDataKey", USE_DATA_KEY, vec![keys.data.clone()]),
        // Jobs run through their on-demand triggers (no argument overrides): no
        // `glue:StartJobRun`, which would let the caller change the script or install
        // modules and run them as the job's role.
        Statement::allow(
            "WatchJobs",
            &[
                "glue:BatchStopJobRun",
                "glue:GetJob",
                "glue:GetJobRun",
                "glue:GetJobRuns",
            ],
            jobs,
        ),
        Statement::allow(
            "RunJobsAsDeployed",
            &["glue:GetTrigger", "glue:StartTrigger"],
            triggers,
        ),
        Statement::allow(
            "RunCrawlers",
            &["glue:GetCrawler", "glue:StartCrawler"],
            crawlers,
        ),
        Statement::allow("ReadCatalog", CATALOG_READ, catalog_arns(names, env, None)),
    ]
}

/// Query curated data through the workgroup: objects are readable only when Athena reads them
/// on the caller's behalf (`aws:CalledVia`), results live under the workgroup's prefix.
pub fn analyst_statements(
    env: &Environment,
    names: &Names,
    data_key: &Value<String>,
) -> Vec<Statement> {
    let via_athena = |s: Statement| {
        s.when(
            "ForAnyValue:StringEquals",
            "aws:CalledVia",
            vec!["athena.amazonaws.com".into()],
        )
    };
    let results_prefix = format!("{}/", names.workgroup());
    vec![
        Statement::allow(
            "QueryThroughWorkgroup",
            &[
                "athena:BatchGetNamedQuery",
                "athena:BatchGetQueryExecution",
                "athena:GetNamedQuery",
                "athena:GetQueryExecution",
                "athena:GetQueryResults",
                "athena:GetWorkGroup",
                "athena:ListNamedQueries",
                "athena:ListQueryExecutions",
                "athena:StartQueryExecution",
                "athena:StopQueryExecution",
            ],
            vec![names.workgroup_arn()],
        ),
        Statement::allow(
            "ReadCuratedCatalog",
            CATALOG_READ,
            catalog_arns(names, env, Some("curated")),
        ),
        via_athena(list_bucket(
            "ListCuratedViaAthena",
            env,
            names,
            Zone::Curated,
        )),
        via_athena(Statement::allow(
            "ReadCuratedViaAthena",
            READ_OBJECTS,
            dataset_objects(env, names, Zone::Curated),
        )),
        via_athena(Statement::allow(
            "ListResults",
            &["s3:GetBucketLocation", "s3:ListBucket"],
            vec![names.bucket_arn(Zone::AthenaResults)],
        )),
        via_athena(Statement::allow(
            "WriteResults",
            &[
                "s3:AbortMultipartUpload",
                "s3:GetObject",
                "s3:ListMultipartUploadParts",
                "s3:PutObject",
            ],
            vec![names.objects_arn(Zone::AthenaResults, &results_prefix)],
        )),
        Statement::allow("UseDataKeyThroughS3", USE_DATA_KEY, vec![data_key.clone()]).when(
            "StringEquals",
            "kms:ViaService",
            vec![format!("s3.{}.amazonaws.com", names.region()).into()],
        ),
    ]
}

/// What the reporting host's builder needs: the analysts' Athena reach (the named queries,
/// the curated tables, the results), plus its own software from the assets bucket, the clean
/// job's quality reports (read, one prefix of the raw bucket) and the curate job's run
/// history (to rebuild after each run).
pub fn reporting_host_statements(
    env: &Environment,
    names: &Names,
    data_key: &Value<String>,
    dataset: &str,
) -> Vec<Statement> {
    let quality = format!("_quality/{dataset}/");
    let mut out = analyst_statements(env, names, data_key);
    // The builder runs the workgroup's named queries and nothing else: no browsing of other
    // people's query history.
    let query = out
        .iter_mut()
        .find(|s| s.sid == "QueryThroughWorkgroup")
        .expect("the analysts' statements query through the workgroup");
    query.sid = "RunNamedQueries".to_owned();
    query.action = [
        "athena:BatchGetNamedQuery",
        "athena:GetQueryExecution",
        "athena:GetQueryResults",
        "athena:ListNamedQueries",
        "athena:StartQueryExecution",
        "athena:StopQueryExecution",
    ]
    .map(String::from)
    .to_vec();
    out.extend([
        Statement::allow(
            "ReadReportBuilder",
            &["s3:GetObject"],
            vec![names.objects_arn(Zone::Assets, "reporting-host/")],
        ),
        Statement::allow(
            "ListQualityReports",
            &["s3:ListBucket"],
            vec![names.bucket_arn(Zone::Raw)],
        )
        .when(
            "StringLike",
            "s3:prefix",
            vec![format!("{quality}*").into()],
        ),
        Statement::allow(
            "ReadQualityReports",
            &["s3:GetObject"],
            vec![names.objects_arn(Zone::Raw, &quality)],
        ),
        Statement::allow(
            "ReadCurateRuns",
            &["glue:GetJobRuns"],
            vec![names.local_arn("glue", &format!("job/{}", names.job(dataset, "curate")))],
        ),
    ]);
    out
}

fn auditor_statements(names: &Names, keys: &Keys) -> Vec<Statement> {
    let prefix = names.prefix();
    let buckets: Vec<Value<String>> = Zone::ALL.iter().map(|z| names.bucket_arn(*z)).collect();
    vec![
        Statement::allow(
            "ListTrailLogs",
            &["s3:ListBucket"],
            vec![names.bucket_arn(Zone::TrailLogs)],
        ),
        Statement::allow(
            "ReadTrailLogs",
            READ_OBJECTS,
            vec![names.objects_arn(Zone::TrailLogs, "AWSLogs/")],
        ),
        Statement::allow(
            "ReadGeneratedDocs",
            READ_OBJECTS,
            vec![names.objects_arn(Zone::Assets, "docs/")],
        ),
        Statement::allow("DecryptLogs", DECRYPT, vec![keys.logs.clone()]),
        Statement::allow("ReadDocsKey", DECRYPT, vec![keys.data.clone()]).when(
            "StringEquals",
            "kms:ViaService",
            vec![format!("s3.{}.amazonaws.com", names.region()).into()],
        ),
        Statement::allow(
            "ReadTrailLogGroup",
            &["logs:FilterLogEvents", "logs:GetLogEvents"],
            vec![names.local_arn("logs", &format!("log-group:{}:*", names.trail_log_group()))],
        ),
        Statement::allow(
            "ReadTrailConfiguration",
            &[
                "cloudtrail:GetEventSelectors",
                "cloudtrail:GetTrail",
                "cloudtrail:GetTrailStatus",
            ],
            vec![names.trail_arn()],
        ),
        Statement::allow(
            "LookupEvents",
            &["cloudtrail:DescribeTrails", "cloudtrail:LookupEvents"],
            vec!["*".into()],
        ),
        Statement::allow(
            "ReadBucketConfiguration",
            &[
                "s3:GetBucketLogging",
                "s3:GetBucketPolicy",
                "s3:GetBucketPublicAccessBlock",
                "s3:GetBucketVersioning",
                "s3:GetEncryptionConfiguration",
                "s3:GetLifecycleConfiguration",
            ],
            buckets,
        ),
        Statement::allow(
            "ReadKeyConfiguration",
            &[
                "kms:DescribeKey",
                "kms:GetKeyPolicy",
                "kms:GetKeyRotationStatus",
            ],
            vec![keys.data.clone(), keys.logs.clone()],
        ),
        Statement::allow(
            "ReadIamConfiguration",
            &[
                "iam:GetPolicy",
                "iam:GetPolicyVersion",
                "iam:GetRole",
                "iam:ListAttachedRolePolicies",
                "iam:ListRolePolicies",
            ],
            vec![
                names.arn("iam", "", names.account(), &format!("role/{prefix}-*")),
                names.arn("iam", "", names.account(), &format!("policy/{prefix}-*")),
            ],
        ),
        Statement::allow(
            "ReadStacks",
            &[
                "cloudformation:DescribeStackEvents",
                "cloudformation:DescribeStacks",
                "cloudformation:GetTemplate",
            ],
            vec![names.local_arn("cloudformation", &format!("stack/{prefix}-*/*"))],
        ),
        Statement::allow(
            "ReadAlarms",
            &["cloudwatch:DescribeAlarms"],
            vec![names.local_arn("cloudwatch", &format!("alarm:{prefix}-*"))],
        ),
    ]
}
