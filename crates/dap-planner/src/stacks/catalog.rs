//! The Glue Data Catalog: one database per dataset, its tables (from the shared schema
//! files) and their data-quality rulesets (from `pipelines/quality/`), the security
//! configuration every job and crawler uses, the crawlers and their log group.

use std::collections::BTreeMap;

use dap_cfn::resources::{glue, logs};
use dap_cfn::{r#ref, ResourceEntry, Template, Value};
use dap_config::Environment;

use crate::builder::{Builder, Key};
use crate::names::{id_part, Names, Zone};
use crate::quality;
use crate::roles::RoleKind;
use crate::schema::{self, ColumnSchema, TableSchema};

pub fn build(env: &Environment, names: &Names) -> Template {
    let mut b = Builder::new(
        env,
        names,
        "dap catalog: Glue database and tables, their data-quality rulesets, security configuration, crawler",
    );
    let data_key = b.key_arn(Key::Data);
    let logs_key = b.key_arn(Key::Logs);
    add_security_configuration(&mut b, names, data_key, logs_key.clone());
    add_crawler_log_group(&mut b, env, names, logs_key);
    for (dataset, _) in &env.datasets {
        add_dataset(&mut b, names, dataset);
    }
    b.finish()
}

/// The security configuration every job and crawler uses: S3 output and bookmarks with the
/// data key, CloudWatch logs with the logs key.
fn add_security_configuration(
    b: &mut Builder<'_>,
    names: &Names,
    data_key: Value<String>,
    logs_key: Value<String>,
) {
    b.add(
        "GlueSecurityConfiguration",
        ResourceEntry::new(glue::SecurityConfiguration {
            name: names.glue_security_configuration(),
            encryption_configuration: glue::EncryptionConfiguration {
                s3_encryptions: vec![glue::S3Encryption {
                    s3_encryption_mode: "SSE-KMS".to_owned(),
                    kms_key_arn: data_key.clone(),
                }],
                cloud_watch_encryption: glue::CloudWatchEncryption {
                    cloud_watch_encryption_mode: "SSE-KMS".to_owned(),
                    kms_key_arn: logs_key.clone(),
                },
                job_bookmarks_encryption: glue::JobBookmarksEncryption {
                    job_bookmarks_encryption_mode: "CSE-KMS".to_owned(),
                    kms_key_arn: data_key,
                },
            },
        }),
    );
}

/// The one log group of every crawler, retained.
fn add_crawler_log_group(
    b: &mut Builder<'_>,
    env: &Environment,
    names: &Names,
    logs_key: Value<String>,
) {
    // Every crawler runs as the crawler role with this security configuration, so Glue
    // writes all their logs (one stream per crawler) to the one group whose name it derives
    // from the two; created here, with retention and the logs key, before any crawler runs.
    b.add(
        "CrawlerLogGroup",
        ResourceEntry::new(logs::LogGroup {
            log_group_name: names.glue_crawler_log_group(),
            kms_key_id: logs_key,
            retention_in_days: env.retention.log_retention_days,
            tags: b.tags(),
        })
        .retain(),
    );
}

/// A dataset's database, its tables (each with its quality ruleset, if any), its crawler and
/// the database name output.
fn add_dataset(b: &mut Builder<'_>, names: &Names, dataset: &str) {
    let ds = id_part(dataset);
    let db_id = format!("{ds}Database");
    let db_name = names.database(dataset);
    b.add(
        &db_id,
        ResourceEntry::new(glue::Database {
            catalog_id: names.account().into(),
            database_input: glue::DatabaseInput {
                name: db_name.clone(),
                description: format!("The {dataset} dataset: raw and curated tables"),
            },
        })
        .retain(),
    );
    let mut table_names = Vec::new();
    for table in schema::tables(dataset) {
        add_table(b, names, dataset, &db_id, table);
        table_names.push(table.name.clone());
    }
    b.add(
        &format!("{ds}Crawler"),
        ResourceEntry::new(glue::Crawler {
            name: names.crawler(dataset),
            description: format!(
                "Adds new partitions of the {dataset} tables; the schema stays the one dap declares"
            ),
            role: names.role_arn(RoleKind::GlueCrawler.slug()),
            database_name: r#ref(&db_id),
            targets: glue::CrawlerTargets {
                catalog_targets: vec![glue::CatalogTarget {
                    database_name: r#ref(&db_id),
                    tables: table_names,
                }],
            },
            crawler_security_configuration: r#ref("GlueSecurityConfiguration"),
            schema_change_policy: glue::SchemaChangePolicy {
                update_behavior: "LOG".to_owned(),
                delete_behavior: "LOG".to_owned(),
            },
            configuration: r#"{"Version":1.0,"CrawlerOutput":{"Partitions":{"AddOrUpdateBehavior":"InheritFromTable"}}}"#.to_owned(),
            tags: b.tag_map(),
        })
        .depends_on("CrawlerLogGroup"),
    );
    b.output(
        &format!("{ds}DatabaseName"),
        &format!("Glue database of {dataset}"),
        Value::from(db_name),
    );
}

/// One table, retained, stored as Parquet in its zone, and its quality ruleset when
/// `pipelines/quality/` has one.
fn add_table(b: &mut Builder<'_>, names: &Names, dataset: &str, db_id: &str, table: &TableSchema) {
    let ds = id_part(dataset);
    let zone = if table.zone == "raw" {
        Zone::Raw
    } else {
        Zone::Curated
    };
    let mut parameters = BTreeMap::new();
    parameters.insert("classification".to_owned(), "parquet".to_owned());
    parameters.insert("EXTERNAL".to_owned(), "TRUE".to_owned());
    parameters.insert("dap:zone".to_owned(), table.zone.clone());
    let table_id = format!("{ds}{}Table", id_part(&table.name));
    b.add(
        &table_id,
        ResourceEntry::new(glue::Table {
            catalog_id: names.account().into(),
            database_name: r#ref(db_id),
            table_input: glue::TableInput {
                name: table.name.clone(),
                description: table.description.clone(),
                table_type: "EXTERNAL_TABLE".to_owned(),
                parameters,
                partition_keys: columns(&table.partition_keys),
                storage_descriptor: glue::StorageDescriptor {
                    columns: columns(&table.columns),
                    location: names
                        .s3_uri(zone, &format!("{dataset}/{}/", table.name))
                        .into(),
                    input_format:
                        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
                            .to_owned(),
                    output_format:
                        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
                            .to_owned(),
                    compressed: true,
                    serde_info: glue::SerdeInfo {
                        serialization_library:
                            "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
                                .to_owned(),
                        parameters: BTreeMap::from([(
                            "serialization.format".to_owned(),
                            "1".to_owned(),
                        )]),
                    },
                },
            },
        })
        .retain(),
    );
    add_quality_ruleset(b, names, dataset, db_id, table, &table_id);
}

/// The quality ruleset of a table, when `pipelines/quality/` has one; after the table.
fn add_quality_ruleset(
    b: &mut Builder<'_>,
    names: &Names,
    dataset: &str,
    db_id: &str,
    table: &TableSchema,
    table_id: &str,
) {
    let ds = id_part(dataset);
    if let Some(ruleset) = quality::RULESETS
        .iter()
        .find(|r| r.dataset == dataset && r.table == table.name)
    {
        b.add(
            &format!("{ds}{}QualityRuleset", id_part(&table.name)),
            ResourceEntry::new(glue::DataQualityRuleset {
                name: ruleset.name(names),
                description: format!(
                    "Quality rules of {dataset} {} ({}), evaluated by the {} job",
                    table.name,
                    ruleset.path(),
                    ruleset.job()
                ),
                ruleset: ruleset.dqdl.to_owned(),
                target_table: glue::DataQualityTargetTable {
                    database_name: r#ref(db_id),
                    table_name: table.name.clone(),
                },
                tags: b.tag_map(),
            })
            .depends_on(table_id),
        );
    }
}

fn columns(cols: &[ColumnSchema]) -> Vec<glue::Column> {
    cols.iter()
        .map(|c| glue::Column {
            name: c.name.clone(),
            kind: c.kind.clone(),
            comment: c.comment.clone(),
        })
        .collect()
}
