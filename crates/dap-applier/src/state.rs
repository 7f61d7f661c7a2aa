//! What is deployed: the environment's stacks as one `DescribeStacks` shows them.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_cloudformation::types::Stack;
use serde::{Deserialize, Serialize};

use crate::error::aws;
use crate::{Error, Inner};

/// The stack tag that records the sha256 of the template last deployed, so that the next plan
/// knows a stack is unchanged without fetching its template.
pub const TEMPLATE_SHA_TAG: &str = "dap:template-sha256";

/// A deployed stack, as `DescribeStacks` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployedStack {
    /// The stack id (ARN).
    pub id: String,
    /// The CloudFormation status, for example `UPDATE_COMPLETE`.
    pub status: String,
    /// The status reason, if any.
    pub reason: Option<String>,
    /// The template sha256 recorded in the [`TEMPLATE_SHA_TAG`] tag.
    pub template_sha256: Option<String>,
    /// The stack's tags, without [`TEMPLATE_SHA_TAG`].
    pub tags: BTreeMap<String, String>,
    /// Whether termination protection is on.
    pub termination_protection: bool,
    /// When it was last updated (or created), as CloudFormation says, in seconds and
    /// nanoseconds since the epoch: any operation on the stack changes it.
    #[serde(default)]
    pub last_updated: Option<String>,
    /// The stack's outputs.
    pub outputs: Vec<Output>,
}

/// A stack output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Output {
    /// The output's key.
    pub key: String,
    /// Its value.
    pub value: String,
}

impl DeployedStack {
    /// Read the parts the applier needs.
    pub(crate) fn from_sdk(s: &Stack) -> DeployedStack {
        let mut tags = BTreeMap::new();
        let mut sha = None;
        for t in s.tags() {
            let (k, v) = (t.key().unwrap_or_default(), t.value().unwrap_or_default());
            if k == TEMPLATE_SHA_TAG {
                sha = Some(v.to_owned());
            } else {
                tags.insert(k.to_owned(), v.to_owned());
            }
        }
        DeployedStack {
            id: s.stack_id().unwrap_or_default().to_owned(),
            status: s
                .stack_status()
                .map(|st| st.as_str().to_owned())
                .unwrap_or_default(),
            reason: s.stack_status_reason().map(str::to_owned),
            template_sha256: sha,
            tags,
            termination_protection: s.enable_termination_protection().unwrap_or(false),
            last_updated: s
                .last_updated_time()
                .or(s.creation_time())
                .map(|t| format!("{}.{:09}", t.secs(), t.subsec_nanos())),
            outputs: s
                .outputs()
                .iter()
                .map(|o| Output {
                    key: o.output_key().unwrap_or_default().to_owned(),
                    value: o.output_value().unwrap_or_default().to_owned(),
                })
                .collect(),
        }
    }
}

/// How a stack status constrains what can be done with the stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Readiness {
    /// Stable: it can be updated (or deleted).
    Stable,
    /// An operation is running.
    Busy,
    /// It exists but cannot be updated: it must be deleted and created again
    /// (`ROLLBACK_COMPLETE`, `ROLLBACK_FAILED`, `CREATE_FAILED`), or it needs repair first
    /// (`UPDATE_ROLLBACK_FAILED`, `DELETE_FAILED`, `IMPORT_ROLLBACK_FAILED`).
    Stuck,
}

/// Classify a CloudFormation stack status.
pub fn readiness(status: &str) -> Readiness {
    if status.ends_with("_IN_PROGRESS") {
        Readiness::Busy
    } else if matches!(
        status,
        "ROLLBACK_COMPLETE"
            | "ROLLBACK_FAILED"
            | "CREATE_FAILED"
            | "UPDATE_ROLLBACK_FAILED"
            | "DELETE_FAILED"
            | "IMPORT_ROLLBACK_FAILED"
    ) {
        Readiness::Stuck
    } else {
        Readiness::Stable
    }
}

/// What to do about a stack that is not [`Readiness::Stable`], by status.
pub fn hint(status: &str) -> String {
    match status {
        "ROLLBACK_COMPLETE" | "ROLLBACK_FAILED" | "CREATE_FAILED" => format!(
            "it cannot be updated; delete it (its creation failed{}; data-bearing resources it created are kept by `DeletionPolicy: Retain`: check them before you delete), then plan again",
            if status == "ROLLBACK_FAILED" {
                " and so did the rollback: the stack events name the resource that could not be deleted"
            } else {
                ""
            }
        ),
        "UPDATE_ROLLBACK_FAILED" => "it cannot be updated; continue the rollback (`aws cloudformation continue-update-rollback`, skipping the resources the stack events name as failed), then plan again".to_owned(),
        "DELETE_FAILED" => "it cannot be updated; delete it again once the resource the stack events name as failed can be deleted (or retain that resource), then plan again".to_owned(),
        "IMPORT_ROLLBACK_FAILED" => "it cannot be updated; continue the rollback of the import in CloudFormation, then plan again".to_owned(),
        "REVIEW_IN_PROGRESS" => "a change set was created for a stack that does not exist yet and never executed (a leftover of an interrupted run); delete the stack (it holds no resources), then plan again".to_owned(),
        s if s.ends_with("_IN_PROGRESS") => "an operation is running; plan again when it has finished".to_owned(),
        _ => "it cannot be updated in this state".to_owned(),
    }
}

/// Whether a finished operation succeeded, from the stack's final status.
pub fn succeeded(status: &str) -> bool {
    matches!(
        status,
        "CREATE_COMPLETE" | "UPDATE_COMPLETE" | "DELETE_COMPLETE" | "IMPORT_COMPLETE"
    )
}

impl Inner {
    /// The environment's deployed stacks, by name, from one paginated `DescribeStacks`
    /// without a stack name (one call unless the region holds more than a page of stacks).
    pub(crate) async fn describe_all(&self) -> Result<HashMap<String, DeployedStack>, Error> {
        Ok(self.describe_env().await?.0)
    }

    /// The environment's deployed stacks by name, and its orphans: stacks tagged
    /// `dap:environment: <env>` that the model no longer has (a renamed prefix, a removed
    /// stack), the lock excepted. One paginated `DescribeStacks`.
    pub(crate) async fn describe_env(
        &self,
    ) -> Result<(HashMap<String, DeployedStack>, Vec<Orphan>), Error> {
        let wanted: Vec<&str> = self
            .rendered
            .stacks
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        let lock = self.names.named("lock");
        let stacks = self
            .clients
            .cfn
            .describe_stacks()
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| aws("cloudformation:DescribeStacks", e))?;
        let mut deployed = HashMap::new();
        let mut orphans = Vec::new();
        for s in &stacks {
            let Some(name) = s.stack_name() else {
                continue;
            };
            if wanted.contains(&name) {
                deployed.insert(name.to_owned(), DeployedStack::from_sdk(s));
                continue;
            }
            let d = DeployedStack::from_sdk(s);
            let ours = d.tags.get(ENVIRONMENT_TAG) == Some(&self.env.name);
            let lock_of_any_prefix = d.tags.contains_key(crate::lock::LOCK_HOLDER_TAG);
            if ours && name != lock && !lock_of_any_prefix && d.status != "DELETE_COMPLETE" {
                orphans.push(Orphan {
                    name: name.to_owned(),
                    id: d.id,
                    status: d.status,
                });
            }
        }
        orphans.sort_by(|a, b| a.name.cmp(&b.name));
        Ok((deployed, orphans))
    }
}

/// The tag every stack of an environment carries, naming it.
pub const ENVIRONMENT_TAG: &str = "dap:environment";

/// A deployed stack tagged with the environment that the model does not have.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Orphan {
    /// The stack name.
    pub name: String,
    /// The stack id.
    pub id: String,
    /// Its status.
    pub status: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        for (status, expect) in [
            ("CREATE_COMPLETE", Readiness::Stable),
            ("UPDATE_ROLLBACK_COMPLETE", Readiness::Stable),
            ("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", Readiness::Busy),
            ("CREATE_IN_PROGRESS", Readiness::Busy),
            ("ROLLBACK_COMPLETE", Readiness::Stuck),
            ("UPDATE_ROLLBACK_FAILED", Readiness::Stuck),
            ("DELETE_FAILED", Readiness::Stuck),
        ] {
            assert_eq!(readiness(status), expect, "{status}");
        }
        assert!(succeeded("UPDATE_COMPLETE"));
        assert!(!succeeded("UPDATE_ROLLBACK_COMPLETE"));
        assert!(!succeeded("ROLLBACK_COMPLETE"));
    }
}
