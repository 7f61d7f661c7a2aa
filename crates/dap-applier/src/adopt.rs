//! Adopting what already exists: resources the model would create under names that are
//! already taken in the account, outside any stack (kept by `DeletionPolicy: Retain` after a
//! `destroy`, or built by hand before the platform was), found by `plan` and imported by
//! `apply --import` with a CloudFormation resource import (an `IMPORT` change set with
//! `ResourcesToImport`), then brought to the template by a normal update.
//!
//! Only stacks being created are searched, and only retained types that can be found by the
//! name in the template: S3 buckets (`HeadBucket`), log groups (`DescribeLogGroups`), the
//! trail (`GetTrail`), the Glue database and tables (`GetDatabase`, `GetTable`) and KMS keys
//! (by their description, among the account's enabled customer keys that no alias names; two
//! or more candidates are reported, never guessed).

use aws_sdk_cloudformation::types::ResourceToImport;
use serde_json::Value;

use crate::error::aws;
use crate::plan::{ChangeAction, StackPlan};
use crate::{Error, Inner};

/// How `plan` looks for a resource that may exist outside any stack.
enum Probe {
    Bucket(String),
    LogGroup(String),
    Trail(String),
    /// A key, by its description.
    Key(String),
    GlueDatabase(String),
    /// A table: database, table.
    GlueTable(String, String),
}

/// A retained resource of a template that `plan` can look for by what the template names it:
/// its logical id, how to look, what identifies it to CloudFormation's import (a key's
/// id is only known once found) and how to show it.
struct Candidate {
    logical_id: String,
    probe: Probe,
    identifier: Vec<(&'static str, String)>,
    shown: String,
}

fn candidates(template: &Value) -> Vec<Candidate> {
    let Some(resources) = template.get("Resources").and_then(Value::as_object) else {
        return Vec::new();
    };
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    // A Glue database named literally, or by `Ref` to a database of the template.
    let database_name = |v: Option<&Value>| -> Option<String> {
        if let Some(name) = text(v) {
            return Some(name);
        }
        let target = v?.get("Ref")?.as_str()?;
        text(
            resources
                .get(target)?
                .pointer("/Properties/DatabaseInput/Name"),
        )
    };
    resources
        .iter()
        .filter_map(|(id, r)| {
            if r.get("DeletionPolicy").and_then(Value::as_str) != Some("Retain") {
                return None;
            }
            let ty = r.get("Type")?.as_str()?;
            let p = r.get("Properties")?;
            let (probe, identifier, shown) = match ty {
                "AWS::S3::Bucket" => {
                    let name = text(p.get("BucketName"))?;
                    (
                        Probe::Bucket(name.clone()),
                        vec![("BucketName", name.clone())],
                        name,
                    )
                }
                "AWS::Logs::LogGroup" => {
                    let name = text(p.get("LogGroupName"))?;
                    (
                        Probe::LogGroup(name.clone()),
                        vec![("LogGroupName", name.clone())],
                        name,
                    )
                }
                "AWS::CloudTrail::Trail" => {
                    let name = text(p.get("TrailName"))?;
                    (
                        Probe::Trail(name.clone()),
                        vec![("TrailName", name.clone())],
                        name,
                    )
                }
                "AWS::KMS::Key" => {
                    let description = text(p.get("Description"))?;
                    (Probe::Key(description.clone()), Vec::new(), description)
                }
                "AWS::Glue::Database" => {
                    let name = text(p.pointer("/DatabaseInput/Name"))?;
                    (
                        Probe::GlueDatabase(name.clone()),
                        vec![("DatabaseName", name.clone())],
                        name,
                    )
                }
                "AWS::Glue::Table" => {
                    let database = database_name(p.get("DatabaseName"))?;
                    let name = text(p.pointer("/TableInput/Name"))?;
                    let catalog = text(p.get("CatalogId"))?;
                    (
                        Probe::GlueTable(database.clone(), name.clone()),
                        vec![
                            ("CatalogId", catalog),
                            ("DatabaseName", database.clone()),
                            ("Name", name.clone()),
                        ],
                        format!("{database}.{name}"),
                    )
                }
                _ => return None,
            };
            Some(Candidate {
                logical_id: id.clone(),
                probe,
                identifier,
                shown,
            })
        })
        .collect()
}

impl Inner {
    /// Mark the additions of a stack being created whose resources already exist as
    /// imports (their physical id is what they are imported by), and say in the stack's
    /// changes what was found but cannot be imported.
    pub(crate) async fn find_adoptable(
        &self,
        index: usize,
        p: &mut StackPlan,
    ) -> Result<(), Error> {
        let s = &self.rendered.stacks[index];
        let Ok(template) = serde_yaml::from_str::<Value>(&s.yaml) else {
            return Ok(());
        };
        for c in candidates(&template) {
            let found = match &c.probe {
                Probe::Bucket(name) => self.bucket_exists(name).await,
                Probe::LogGroup(name) => self.log_group_exists(name).await,
                Probe::Trail(name) => self.trail_exists(name).await,
                Probe::GlueDatabase(name) => self.glue_database_exists(name).await,
                Probe::GlueTable(database, name) => self.glue_table_exists(database, name).await,
                Probe::Key(description) => {
                    let keys = match self.unaliased_keys_described(description).await {
                        Err(e) if is_access_denied(&e) => {
                            p.stack_changes.push(not_searched(&c, &e));
                            continue;
                        }
                        other => other?,
                    };
                    if keys.len() > 1 {
                        p.stack_changes.push(format!(
                            "{} enabled keys without an alias have the description of `{}` ({}): none is imported; schedule the ones not in use for deletion, or give the one to keep an alias, and plan again",
                            keys.len(),
                            c.logical_id,
                            keys.join(", ")
                        ));
                    }
                    if let [key] = keys.as_slice() {
                        mark_import(p, &c.logical_id, key.clone());
                    }
                    continue;
                }
            };
            match found {
                Ok(true) => mark_import(p, &c.logical_id, c.shown.clone()),
                Ok(false) => {}
                // The deploy identity may not read other services: say what was not searched.
                Err(e) if is_access_denied(&e) => p.stack_changes.push(not_searched(&c, &e)),
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    async fn glue_database_exists(&self, name: &str) -> Result<bool, Error> {
        match self
            .clients
            .read
            .glue
            .get_database()
            .name(name)
            .send()
            .await
        {
            Ok(out) => Ok(out.database().is_some()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_entity_not_found_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(aws("glue:GetDatabase", e)),
        }
    }

    async fn glue_table_exists(&self, database: &str, name: &str) -> Result<bool, Error> {
        match self
            .clients
            .read
            .glue
            .get_table()
            .database_name(database)
            .name(name)
            .send()
            .await
        {
            Ok(out) => Ok(out.table().is_some()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_entity_not_found_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(aws("glue:GetTable", e)),
        }
    }

    async fn bucket_exists(&self, name: &str) -> Result<bool, Error> {
        match self.clients.s3.head_bucket().bucket(name).send().await {
            Ok(_) => Ok(true),
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 404) => Ok(false),
            Err(e) if e.as_service_error().is_some_and(|se| se.is_not_found()) => Ok(false),
            // 403: the name is another account's (or unreadable): not adoptable; the
            // creation will say the name is taken.
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 403) => Ok(false),
            Err(e) => Err(aws("s3:HeadBucket", e)),
        }
    }

    async fn log_group_exists(&self, name: &str) -> Result<bool, Error> {
        let out = self
            .clients
            .read
            .logs
            .describe_log_groups()
            .log_group_name_prefix(name)
            .send()
            .await
            .map_err(|e| aws("logs:DescribeLogGroups", e))?;
        Ok(out
            .log_groups()
            .iter()
            .any(|g| g.log_group_name() == Some(name)))
    }

    async fn trail_exists(&self, name: &str) -> Result<bool, Error> {
        match self
            .clients
            .read
            .cloudtrail
            .get_trail()
            .name(name)
            .send()
            .await
        {
            Ok(out) => Ok(out.trail().is_some()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_trail_not_found_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(aws("cloudtrail:GetTrail", e)),
        }
    }

    /// The ids of the account's enabled customer-managed keys in this region that no alias
    /// names and whose description is `description`. Keys that cannot be described are
    /// skipped.
    async fn unaliased_keys_described(&self, description: &str) -> Result<Vec<String>, Error> {
        let kms = &self.clients.read.kms;
        let keys: Vec<_> = kms
            .list_keys()
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| aws("kms:ListKeys", e))?;
        let aliases: Vec<_> = kms
            .list_aliases()
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| aws("kms:ListAliases", e))?;
        let aliased: Vec<&str> = aliases.iter().filter_map(|a| a.target_key_id()).collect();
        let mut found = Vec::new();
        for k in &keys {
            let Some(id) = k.key_id() else { continue };
            if aliased.contains(&id) {
                continue;
            }
            // A key that cannot be described is not a candidate: two attempts, not ten
            // (moto answers HTTP 500 for keys made by CloudFormation).
            let described = kms
                .describe_key()
                .key_id(id)
                .customize()
                .config_override(aws_sdk_kms::config::Config::builder().retry_config(
                    aws_sdk_kms::config::retry::RetryConfig::standard().with_max_attempts(2),
                ))
                .send()
                .await;
            let Ok(out) = described else {
                continue;
            };
            let Some(meta) = out.key_metadata() else {
                continue;
            };
            let customer = meta.key_manager().map(|m| m.as_str()) == Some("CUSTOMER");
            let enabled = meta.key_state().map(|s| s.as_str()) == Some("Enabled");
            if customer && enabled && meta.description() == Some(description) {
                found.push(id.to_owned());
            }
        }
        Ok(found)
    }
}

/// The template of the `IMPORT` change set of a stack: its parameters and only the
/// resources imported, with their deletion policies and the properties that do not refer to
/// a resource of the stack that is not imported (those come with the update that follows).
pub(crate) fn import_template(yaml: &str, imported: &[&str]) -> Result<String, String> {
    let template: Value =
        serde_yaml::from_str(yaml).map_err(|e| format!("cannot read the template: {e}"))?;
    let resources = template
        .get("Resources")
        .and_then(Value::as_object)
        .ok_or("the template has no resources")?;
    let others: Vec<&String> = resources
        .keys()
        .filter(|id| !imported.contains(&id.as_str()))
        .collect();
    let refers_to_others = |v: &Value| {
        let text = v.to_string();
        others.iter().any(|o| {
            text.contains(&format!("{{\"Ref\":\"{o}\"}}"))
                || text.contains(&format!("\"Fn::GetAtt\":[\"{o}\""))
                || text.contains(&format!("${{{o}}}"))
                || text.contains(&format!("${{{o}."))
        })
    };
    let mut out = serde_json::Map::new();
    out.insert("AWSTemplateFormatVersion".into(), "2010-09-09".into());
    if let Some(parameters) = template.get("Parameters") {
        out.insert("Parameters".into(), parameters.clone());
    }
    let mut kept = serde_json::Map::new();
    for id in imported {
        let r = resources
            .get(*id)
            .ok_or_else(|| format!("`{id}` is not in the template"))?;
        let mut entry = serde_json::Map::new();
        for key in ["Type", "DeletionPolicy", "UpdateReplacePolicy"] {
            if let Some(v) = r.get(key) {
                entry.insert(key.into(), v.clone());
            }
        }
        let properties: serde_json::Map<String, Value> = r
            .get("Properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter(|(_, v)| !refers_to_others(v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        entry.insert("Properties".into(), Value::Object(properties));
        kept.insert((*id).to_owned(), Value::Object(entry));
    }
    out.insert("Resources".into(), Value::Object(kept));
    serde_json::to_string(&Value::Object(out)).map_err(|e| e.to_string())
}

/// Whether an error is the caller lacking a permission.
fn is_access_denied(e: &Error) -> bool {
    matches!(e, Error::Aws { code: Some(code), .. } if code.contains("AccessDenied") || code.contains("Unauthorized") || code == "Forbidden")
}

/// The stack change saying a resource could not be looked for.
fn not_searched(c: &Candidate, e: &Error) -> String {
    format!(
        "not searched for an existing `{}` (`{}`): {e}; if it exists, the creation will fail on its name",
        c.logical_id, c.shown
    )
}

/// Mark the addition of `logical_id` as an import of the resource known as `shown` (a
/// key: its id).
fn mark_import(p: &mut StackPlan, logical_id: &str, shown: String) {
    if let Some(change) = p
        .changes
        .iter_mut()
        .find(|ch| ch.logical_id == logical_id && ch.action == ChangeAction::Add)
    {
        change.action = ChangeAction::Import;
        change.physical_id = Some(shown);
    }
}

/// The `ResourcesToImport` of a stack plan's imports: identifiers from the template (a key's
/// id from the plan).
pub(crate) fn resources_to_import(yaml: &str, p: &StackPlan) -> Vec<ResourceToImport> {
    let template: Value = serde_yaml::from_str(yaml).unwrap_or(Value::Null);
    let found = candidates(&template);
    p.changes
        .iter()
        .filter(|c| c.action == ChangeAction::Import)
        .filter_map(|c| {
            let candidate = found.iter().find(|f| f.logical_id == c.logical_id)?;
            let identifier = match candidate.probe {
                Probe::Key(_) => vec![("KeyId", c.physical_id.clone()?)],
                _ => candidate.identifier.clone(),
            };
            let builder = ResourceToImport::builder()
                .resource_type(&c.resource_type)
                .logical_resource_id(&c.logical_id);
            Some(
                identifier
                    .into_iter()
                    .fold(builder, |b, (k, v)| b.resource_identifier(k, v))
                    .build(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = r#"
Parameters:
  LogsKeyArn:
    Type: AWS::SSM::Parameter::Value<String>
    Default: /dap-local/logs-key-arn
Resources:
  TrailLogGroup:
    Type: AWS::Logs::LogGroup
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties:
      LogGroupName: /dap-local/cloudtrail
      KmsKeyId:
        Ref: LogsKeyArn
  TrailDeliveryRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: x
  Trail:
    Type: AWS::CloudTrail::Trail
    DeletionPolicy: Retain
    DependsOn: [TrailDeliveryRole]
    Properties:
      TrailName: dap-local-trail
      IsLogging: true
      CloudWatchLogsLogGroupArn:
        Fn::GetAtt: [TrailLogGroup, Arn]
      CloudWatchLogsRoleArn:
        Fn::GetAtt: [TrailDeliveryRole, Arn]
"#;

    #[test]
    fn retained_named_resources_are_candidates() {
        let t: Value = serde_yaml::from_str(YAML).unwrap();
        let found: Vec<(String, String)> = candidates(&t)
            .into_iter()
            .map(|c| (c.logical_id, c.shown))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "TrailLogGroup".to_owned(),
                    "/dap-local/cloudtrail".to_owned()
                ),
                ("Trail".to_owned(), "dap-local-trail".to_owned()),
            ]
        );
    }

    #[test]
    fn the_glue_catalog_is_identified_by_database_and_table_names_refs_resolved() {
        let env = dap_config::parse(
            "local.yaml",
            include_str!("../../../environments/local.yaml"),
        )
        .unwrap();
        let rendered = dap_planner::render(&env).unwrap();
        let catalog = rendered
            .stacks
            .iter()
            .find(|s| s.kind.slug() == "catalog")
            .unwrap();
        let t: Value = serde_yaml::from_str(&catalog.yaml).unwrap();
        let found = candidates(&t);
        let database = found
            .iter()
            .find(|c| c.logical_id == "BusinessLicencesDatabase")
            .unwrap();
        assert_eq!(
            database.identifier,
            [("DatabaseName", "dap_local_business_licences".to_owned())]
        );
        let table = found
            .iter()
            .find(|c| c.logical_id == "BusinessLicencesLicencesTable")
            .unwrap();
        assert_eq!(
            table.identifier,
            [
                ("CatalogId", "123456789012".to_owned()),
                ("DatabaseName", "dap_local_business_licences".to_owned()),
                ("Name", "licences".to_owned())
            ]
        );
        assert_eq!(table.shown, "dap_local_business_licences.licences");
        // The crawler's log group too; nothing that is not retained.
        assert!(found.iter().any(|c| c.logical_id == "CrawlerLogGroup"));
        assert_eq!(found.len(), 8, "a database, six tables, a log group");
    }

    #[test]
    fn the_import_template_keeps_parameters_and_drops_references_to_what_is_not_imported() {
        let json = import_template(YAML, &["TrailLogGroup", "Trail"]).unwrap();
        let t: Value = serde_json::from_str(&json).unwrap();
        assert!(t["Parameters"]["LogsKeyArn"].is_object());
        let trail = &t["Resources"]["Trail"];
        assert_eq!(trail["DeletionPolicy"], "Retain");
        assert!(trail.get("DependsOn").is_none());
        assert!(
            trail["Properties"]["CloudWatchLogsLogGroupArn"].is_object(),
            "imported too"
        );
        assert!(trail["Properties"].get("CloudWatchLogsRoleArn").is_none());
        assert_eq!(trail["Properties"]["IsLogging"], true);
        assert!(t["Resources"].get("TrailDeliveryRole").is_none());
        assert_eq!(
            t["Resources"]["TrailLogGroup"]["Properties"]["KmsKeyId"]["Ref"],
            "LogsKeyArn"
        );
    }
}
