//! The environment lock: one tiny stack `<prefix>-lock` that `apply` and `destroy` create
//! before they change anything and delete when they end.
//!
//! `CreateStack` is atomic: of two runs, one creates the stack and the other gets
//! `AlreadyExistsException`, reads the holder and time from the stack's tags and stops with
//! [`Error::Locked`]. The stack holds one `AWS::CloudFormation::WaitConditionHandle` (no
//! cost, no permissions beyond CloudFormation's) and needs no extra SDK crate. A run killed
//! before it could release the lock leaves the stack behind: [`Applier::unlock`] deletes it.

use std::time::{Duration, SystemTime};

use aws_sdk_cloudformation::types::{StackStatus, Tag};
use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;

use crate::error::aws;
use crate::{Applier, Error};

/// The tag naming the lock's holder: caller ARN, host and process id.
pub const LOCK_HOLDER_TAG: &str = "dap:lock-holder";
/// The tag with the time the lock was taken (RFC 3339, UTC).
pub const LOCK_SINCE_TAG: &str = "dap:lock-since";
/// The tag with the operation holding the lock (`apply`, `destroy`).
pub const LOCK_OPERATION_TAG: &str = "dap:lock-operation";
/// The tag with the id of the run holding the lock: a run that finds the lock taken by its
/// own id (its `CreateStack` went through but the answer was lost) holds it.
pub const LOCK_RUN_TAG: &str = "dap:lock-run";

const LOCK_TEMPLATE: &str = r#"{"Description":"dap environment lock: held while an apply or destroy runs; delete with `dap unlock`","Resources":{"Lock":{"Type":"AWS::CloudFormation::WaitConditionHandle"}}}"#;

/// The description of a change set `plan` deletes after reading it: one found later was left
/// by a killed run.
pub(crate) const TEMPORARY_CHANGE_SET: &str = "dap plan (temporary)";
/// The description of a change set kept for a saved plan (`dap plan --out`).
pub(crate) const KEPT_CHANGE_SET: &str = "dap plan (kept for a saved plan)";

/// Who holds an environment's lock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockInfo {
    /// The lock stack's name, `<prefix>-lock`.
    pub stack: String,
    /// `<caller ARN> on <host> pid <pid>`.
    pub holder: String,
    /// When it was taken (RFC 3339, UTC).
    pub since: String,
    /// The operation holding it.
    pub operation: String,
    /// The id of the run holding it (`unknown` for a lock of an older `dap`).
    pub run: String,
    /// How long it has been held, when the time is known.
    pub age: Option<Duration>,
}

/// Who this process is, for the holder tag.
fn holder(arn: &str) -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown-host".to_owned());
    format!("{arn} on {host} pid {}", std::process::id())
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build()
}

impl Applier {
    /// The lock stack's name, `<prefix>-lock`.
    pub fn lock_stack(&self) -> String {
        self.inner.names.named("lock")
    }

    /// Take the environment's lock for `operation`, or fail with [`Error::Locked`] naming
    /// the holder and since when. A lock stack still being deleted is waited for. A lock
    /// tagged with this run's id is this run's (a retried `CreateStack` whose first answer
    /// was lost): it is held, not refused.
    pub async fn lock(&self, operation: &str) -> Result<LockInfo, Error> {
        let stack = self.lock_stack();
        let holder = holder(&self.inner.identity.arn);
        let since = DateTime::from(SystemTime::now())
            .fmt(Format::DateTime)
            .unwrap_or_default();
        for _ in 0..60 {
            let created = self
                .inner
                .clients
                .cfn
                .create_stack()
                .stack_name(&stack)
                .template_body(LOCK_TEMPLATE)
                .tags(tag(LOCK_HOLDER_TAG, &holder))
                .tags(tag(LOCK_SINCE_TAG, &since))
                .tags(tag(LOCK_OPERATION_TAG, operation))
                .tags(tag(LOCK_RUN_TAG, self.inner.run.id()))
                .client_request_token(self.inner.run.token("lock", &stack))
                .send()
                .await;
            let mine = LockInfo {
                stack: stack.clone(),
                holder: holder.clone(),
                since: since.clone(),
                operation: operation.to_owned(),
                run: self.inner.run.id().to_owned(),
                age: Some(Duration::ZERO),
            };
            match created {
                Ok(_) => return Ok(mine),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|se| se.is_already_exists_exception()) =>
                {
                    match self.lock_info_status().await? {
                        Some((_, StackStatus::DeleteInProgress)) | None => {
                            // Being released (or released since): try again shortly.
                            tokio::time::sleep(Duration::from_secs(1)).await;
                        }
                        Some((info, _)) if info.run == self.inner.run.id() => return Ok(mine),
                        Some((info, _)) => {
                            return Err(Error::Locked {
                                env: self.inner.env.name.clone(),
                                stack: info.stack,
                                holder: info.holder,
                                since: info.since,
                                operation: info.operation,
                            })
                        }
                    }
                }
                Err(e) => return Err(aws("cloudformation:CreateStack", e)),
            }
        }
        Err(Error::Timeout {
            what: format!("the release of lock stack `{stack}`"),
            seconds: 60,
        })
    }

    /// Who holds the environment's lock, if anyone.
    pub async fn lock_info(&self) -> Result<Option<LockInfo>, Error> {
        Ok(self.lock_info_status().await?.map(|(info, _)| info))
    }

    async fn lock_info_status(&self) -> Result<Option<(LockInfo, StackStatus)>, Error> {
        let stack = self.lock_stack();
        let out = match self
            .inner
            .clients
            .cfn
            .describe_stacks()
            .stack_name(&stack)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| crate::error::message_of(se).contains("does not exist")) =>
            {
                return Ok(None)
            }
            Err(e) => return Err(aws("cloudformation:DescribeStacks", e)),
        };
        let Some(s) = out
            .stacks()
            .iter()
            .find(|s| s.stack_status() != Some(&StackStatus::DeleteComplete))
        else {
            return Ok(None);
        };
        let tag_value = |key: &str| {
            s.tags()
                .iter()
                .find(|t| t.key() == Some(key))
                .and_then(|t| t.value())
                .unwrap_or("unknown")
                .to_owned()
        };
        let created = s.creation_time();
        let since = match tag_value(LOCK_SINCE_TAG).as_str() {
            "unknown" => created
                .and_then(|t| t.fmt(Format::DateTime).ok())
                .unwrap_or_else(|| "unknown".to_owned()),
            since => since.to_owned(),
        };
        let age = created.and_then(|t| {
            SystemTime::try_from(*t)
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
        });
        Ok(Some((
            LockInfo {
                stack,
                holder: tag_value(LOCK_HOLDER_TAG),
                since,
                operation: tag_value(LOCK_OPERATION_TAG),
                run: tag_value(LOCK_RUN_TAG),
                age,
            },
            s.stack_status()
                .cloned()
                .unwrap_or(StackStatus::CreateComplete),
        )))
    }

    /// Delete the change sets a killed `plan` or `apply` left on the environment's stacks
    /// (those `plan` creates and deletes after reading: kept ones, of saved plans, stay).
    /// Returns their names. One `ListChangeSets` per deployed stack of the environment.
    pub async fn sweep_change_sets(&self) -> Result<Vec<String>, Error> {
        let deployed = self.inner.describe_all().await?;
        let mut swept = Vec::new();
        for (name, stack) in &deployed {
            let summaries: Vec<_> = self
                .inner
                .clients
                .cfn
                .list_change_sets()
                .stack_name(&stack.id)
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
                .map_err(|e| aws("cloudformation:ListChangeSets", e))?;
            for cs in summaries {
                // moto lists every stack's change sets whatever the stack asked for.
                let ours = cs.stack_name() == Some(name.as_str())
                    && cs.description() == Some(TEMPORARY_CHANGE_SET);
                let (true, Some(id)) = (ours, cs.change_set_id()) else {
                    continue;
                };
                self.inner
                    .clients
                    .cfn
                    .delete_change_set()
                    .change_set_name(id)
                    .send()
                    .await
                    .map_err(|e| aws("cloudformation:DeleteChangeSet", e))?;
                swept.push(cs.change_set_name().unwrap_or(id).to_owned());
            }
        }
        Ok(swept)
    }

    /// Release the lock this run took with [`lock`](Self::lock), or delete a lock left by a
    /// killed run (`dap unlock`): delete the lock stack and wait until it is gone. Returns
    /// who held it, or `None` when there was no lock.
    pub async fn unlock(&self) -> Result<Option<LockInfo>, Error> {
        let Some(info) = self.lock_info().await? else {
            return Ok(None);
        };
        self.inner
            .clients
            .cfn
            .delete_stack()
            .stack_name(&info.stack)
            .client_request_token(self.inner.run.token("unlock", &info.stack))
            .send()
            .await
            .map_err(|e| aws("cloudformation:DeleteStack", e))?;
        let started = std::time::Instant::now();
        loop {
            match self.lock_info_status().await? {
                None => return Ok(Some(info)),
                Some((_, StackStatus::DeleteFailed)) => {
                    return Err(Error::StackState {
                        stack: info.stack,
                        status: "DELETE_FAILED".to_owned(),
                        hint: "the lock stack could not be deleted; delete it in the CloudFormation console".to_owned(),
                    })
                }
                Some(_) if started.elapsed() > Duration::from_secs(300) => {
                    return Err(Error::Timeout {
                        what: format!("the deletion of lock stack `{}`", info.stack),
                        seconds: 300,
                    })
                }
                Some(_) => tokio::time::sleep(Duration::from_millis(500)).await,
            }
        }
    }
}
