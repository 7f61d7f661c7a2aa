//! Glue jobs (clean: landing → raw, curate: raw → curated), their log groups and triggers, the Athena
//! workgroup and the named queries.

use dap_cfn::resources::{athena, glue, logs};
use dap_cfn::{r#ref, ResourceEntry, Template, Value};
use dap_config::Environment;
use indexmap::IndexMap;

use crate::assets;
use crate::builder::{Builder, Key};
use crate::names::{id_part, Names, Zone};
use crate::quality;
use crate::queries::{parameters, QUERIES};
use crate::roles::RoleKind;

/// The Glue version every job runs on (Spark 3.5, Python 3.11).
pub const GLUE_VERSION: &str = "5.0";

/// The dataset whose tables the named queries read.
pub(crate) const QUERY_DATASET: &str = "business-licences";

pub fn build(env: &Environment, names: &Names) -> Template {
    let mut b = Builder::new(
        env,
        names,
        "dap analytics: Glue jobs and triggers, Athena workgroup and named queries",
    );
    let data_key = b.key_arn(Key::Data);
    let logs_key = b.key_arn(Key::Logs);
    for dataset in env.datasets.keys() {
        add_jobs(&mut b, env, names, dataset, &logs_key);
        add_triggers(&mut b, env, names, dataset);
    }
    add_workgroup(&mut b, env, names, data_key);
    add_named_queries(&mut b, env, names);
    b.output("WorkgroupName", "the Athena workgroup", r#ref("Workgroup"));
    b.finish()
}

/// A dataset's clean and curate jobs, each after its two log groups.
fn add_jobs(
    b: &mut Builder<'_>,
    env: &Environment,
    names: &Names,
    dataset: &str,
    logs_key: &Value<String>,
) {
    let ds = id_part(dataset);
    for (job, role, source, target, about) in [
        (
            "clean",
            RoleKind::GlueClean,
            names.s3_uri(Zone::Landing, &format!("{dataset}/")),
            names.s3_uri(Zone::Raw, ""),
            "Cleans the portal's CSV exports (landing) into typed Parquet (raw)",
        ),
        (
            "curate",
            RoleKind::GlueCurate,
            names.s3_uri(Zone::Raw, ""),
            names.s3_uri(Zone::Curated, ""),
            "Builds the curated tables the named queries read (raw to curated)",
        ),
    ] {
        let script = assets::script(job);
        let args = job_arguments(env, names, dataset, job, source, target);
        let log_group_ids = add_job_log_groups(b, env, names, dataset, job, logs_key);
        let mut job_entry = ResourceEntry::new(glue::Job {
            name: names.job(dataset, job),
            description: about.to_owned(),
            role: names.role_arn(role.slug()),
            command: glue::JobCommand {
                name: "glueetl".to_owned(),
                script_location: names.s3_uri(Zone::Assets, &script.key).into(),
                python_version: "3".to_owned(),
            },
            default_arguments: args,
            glue_version: GLUE_VERSION.to_owned(),
            worker_type: env.glue.worker_type.clone(),
            number_of_workers: env.glue.number_of_workers,
            timeout: env.glue.timeout_minutes,
            max_retries: env.glue.max_retries,
            security_configuration: names.glue_security_configuration().into(),
            execution_property: glue::ExecutionProperty {
                max_concurrent_runs: 1,
            },
            tags: b.tag_map(),
        });
        for id in &log_group_ids {
            job_entry = job_entry.depends_on(id);
        }
        b.add(&format!("{ds}{}Job", id_part(job)), job_entry);
    }
}

/// A job's default arguments: where it reads and writes, its quality rulesets, report and
/// metric namespace, its modules, temporary directory and log group prefix.
fn job_arguments(
    env: &Environment,
    names: &Names,
    dataset: &str,
    job: &str,
    source: String,
    target: String,
) -> IndexMap<String, Value<String>> {
    let mut args: IndexMap<String, Value<String>> = IndexMap::new();
    args.insert("--source".into(), source.into());
    args.insert("--target".into(), target.into());
    let quality_zone = if job == "clean" {
        Zone::Raw
    } else {
        Zone::Curated
    };
    args.insert(
        "--quality_report".into(),
        names
            .s3_uri(quality_zone, &format!("_quality/{dataset}/"))
            .into(),
    );
    // The rulesets the job evaluates, by table: it fetches each deployed ruleset by
    // name (what runs is what `dap plan` showed) and publishes the failed-rule count
    // to the namespace the quality alarms watch.
    let rulesets: Vec<String> = quality::for_job(dataset, job)
        .map(|r| format!("{}={}", r.table, r.name(names)))
        .collect();
    args.insert("--quality_rulesets".into(), rulesets.join(",").into());
    args.insert(
        "--quality_metric_namespace".into(),
        names.quality_namespace().into(),
    );
    if job == "clean" {
        let settings = &env.datasets[dataset];
        args.insert(
            "--max_rejected_percent".into(),
            settings.max_rejected_percent.to_string().into(),
        );
        if let Some(encoding) = &settings.encoding {
            args.insert("--encoding".into(), encoding.as_str().into());
        }
    }
    // The modules the script imports (the data-quality evaluator).
    let modules: Vec<String> = assets::GLUE_MODULES
        .iter()
        .map(|(name, _, _)| names.s3_uri(Zone::Assets, &assets::glue_module(name).key))
        .collect();
    args.insert("--extra-py-files".into(), modules.join(",").into());
    args.insert("--dataset".into(), dataset.into());
    args.insert(
        "--TempDir".into(),
        names
            .s3_uri(Zone::Assets, &format!("glue-temp/{job}/"))
            .into(),
    );
    args.insert(
        "--job-bookmark-option".into(),
        "job-bookmark-disable".into(),
    );
    // Glue 5.0 logs every job in real time, to `<prefix>/error` and `<prefix>/output`
    // (the continuous-logging arguments of earlier versions are gone): the prefix
    // makes the names ours, and the two groups below exist before any run, with the
    // environment's retention and the logs key.
    args.insert(
        "--custom-logGroup-prefix".into(),
        names.glue_job_log_prefix(dataset, job).into(),
    );
    args.insert("--job-language".into(), "python".into());
    args
}

/// A job's two log groups (`Error`, `Output`), retained; their logical ids.
fn add_job_log_groups(
    b: &mut Builder<'_>,
    env: &Environment,
    names: &Names,
    dataset: &str,
    job: &str,
    logs_key: &Value<String>,
) -> Vec<String> {
    let ds = id_part(dataset);
    let mut log_group_ids = Vec::new();
    for (stream, group) in ["Error", "Output"]
        .into_iter()
        .zip(names.glue_job_log_groups(dataset, job))
    {
        let id = format!("{ds}{}{stream}LogGroup", id_part(job));
        b.add(
            &id,
            ResourceEntry::new(logs::LogGroup {
                log_group_name: group,
                kms_key_id: logs_key.clone(),
                retention_in_days: env.retention.log_retention_days,
                tags: b.tags(),
            })
            .retain(),
        );
        log_group_ids.push(id);
    }
    log_group_ids
}

/// A dataset's triggers: the clean schedule, the on-demand triggers of both jobs, curate
/// after clean and crawl after curate.
fn add_triggers(b: &mut Builder<'_>, env: &Environment, names: &Names, dataset: &str) {
    add_start_triggers(b, env, names, dataset);
    add_chain_triggers(b, names, dataset);
}

/// The triggers that start a dataset's jobs: the clean schedule and one on-demand trigger
/// per job.
fn add_start_triggers(b: &mut Builder<'_>, env: &Environment, names: &Names, dataset: &str) {
    let ds = id_part(dataset);
    b.add(
        &format!("{ds}CleanSchedule"),
        ResourceEntry::new(glue::Trigger {
            name: names.named(&format!("{dataset}-clean-schedule")),
            description: format!("Runs the {dataset} clean job on the environment's schedule"),
            kind: "SCHEDULED".to_owned(),
            schedule: Some(env.glue.schedule.clone()),
            start_on_creation: true,
            actions: vec![glue::TriggerAction {
                job_name: Some(r#ref(&format!("{ds}CleanJob"))),
                crawler_name: None,
            }],
            predicate: None,
            tags: b.tag_map(),
        }),
    );
    // Data engineers run the jobs through these triggers, never with `StartJobRun`: a
    // trigger carries no argument overrides, so what runs is the job's own script and
    // arguments (no `--additional-python-modules`, no other script location).
    for job in ["Clean", "Curate"] {
        let lower = job.to_lowercase();
        b.add(
            &format!("{ds}{job}OnDemand"),
            ResourceEntry::new(glue::Trigger {
                name: names.trigger(dataset, &lower),
                description: format!(
                    "Runs the {dataset} {lower} job as deployed, for data engineers"
                ),
                kind: "ON_DEMAND".to_owned(),
                schedule: None,
                start_on_creation: false,
                actions: vec![glue::TriggerAction {
                    job_name: Some(r#ref(&format!("{ds}{job}Job"))),
                    crawler_name: None,
                }],
                predicate: None,
                tags: b.tag_map(),
            }),
        );
    }
}

/// The conditional triggers chaining a dataset's runs: curate after clean, crawl after curate.
fn add_chain_triggers(b: &mut Builder<'_>, names: &Names, dataset: &str) {
    let ds = id_part(dataset);
    for (id, name, after, action_job, action_crawler, about) in [
        (
            "CurateAfterClean",
            "curate-after-clean",
            "Clean",
            Some(r#ref(&format!("{ds}CurateJob"))),
            None,
            "Runs the curate job when the clean job succeeds",
        ),
        (
            "CrawlAfterCurate",
            "crawl-after-curate",
            "Curate",
            None,
            Some(Value::from(names.crawler(dataset))),
            "Adds new partitions when the curate job succeeds",
        ),
    ] {
        b.add(
            &format!("{ds}{id}"),
            ResourceEntry::new(glue::Trigger {
                name: names.named(&format!("{dataset}-{name}")),
                description: about.to_owned(),
                kind: "CONDITIONAL".to_owned(),
                schedule: None,
                start_on_creation: true,
                actions: vec![glue::TriggerAction {
                    job_name: action_job,
                    crawler_name: action_crawler,
                }],
                predicate: Some(glue::Predicate {
                    logical: "ANY".to_owned(),
                    conditions: vec![glue::TriggerCondition {
                        logical_operator: "EQUALS".to_owned(),
                        job_name: r#ref(&format!("{ds}{after}Job")),
                        state: "SUCCEEDED".to_owned(),
                    }],
                }),
                tags: b.tag_map(),
            }),
        );
    }
}

/// The Athena workgroup: enforced settings, the scan cutoff, results encrypted with the data
/// key.
fn add_workgroup(b: &mut Builder<'_>, env: &Environment, names: &Names, data_key: Value<String>) {
    b.add(
        "Workgroup",
        ResourceEntry::new(athena::WorkGroup {
            name: names.workgroup(),
            description: "Analysts query curated data here; settings are enforced".to_owned(),
            state: "ENABLED".to_owned(),
            work_group_configuration: athena::WorkGroupConfiguration {
                enforce_work_group_configuration: true,
                publish_cloud_watch_metrics_enabled: true,
                bytes_scanned_cutoff_per_query: env.athena.bytes_scanned_cutoff,
                engine_version: athena::EngineVersion {
                    selected_engine_version: "Athena engine version 3".to_owned(),
                },
                result_configuration: athena::ResultConfiguration {
                    output_location: names
                        .s3_uri(Zone::AthenaResults, &format!("{}/", names.workgroup()))
                        .into(),
                    encryption_configuration: athena::ResultEncryption {
                        encryption_option: "SSE_KMS".to_owned(),
                        kms_key: data_key,
                    },
                },
            },
            tags: b.tags(),
        }),
    );
}

/// The named queries over the business licence tables, when the environment has that dataset.
fn add_named_queries(b: &mut Builder<'_>, env: &Environment, names: &Names) {
    // The named queries ask questions of the business licence tables.
    if let Some((dataset, spec)) = env.datasets.iter().find(|(d, _)| *d == QUERY_DATASET) {
        let values = parameters(&spec.years);
        for q in QUERIES {
            b.add(
                q.logical_id,
                ResourceEntry::new(athena::NamedQuery {
                    name: q.name.to_owned(),
                    description: q.description().to_owned(),
                    database: names.database(dataset).into(),
                    work_group: r#ref("Workgroup"),
                    query_string: q
                        .sql_for(&values)
                        .expect("the query files' placeholders are tested"),
                }),
            );
        }
    }
}
