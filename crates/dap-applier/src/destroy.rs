//! `destroy`: delete an environment's stacks, dependents first; data stays.

use std::sync::Arc;
use std::time::Instant;

use dap_config::Protection;
use serde::Serialize;

use crate::apply::{run_graph, Job, StackOutcome, StackReport};
use crate::error::aws;
use crate::events::{Event, Observer};
use crate::state::{readiness, Readiness};
use crate::{Error, Inner};

/// What `destroy` would delete, and what it would leave.
#[derive(Clone, Debug, Serialize)]
pub struct DestroyPlan {
    /// The environment.
    pub environment: String,
    /// The existing stacks, in deletion order (reverse deployment order).
    pub stacks: Vec<DestroyStack>,
    /// Whether these are the environment's orphans (`destroy --orphans`): stacks tagged with
    /// it that the model no longer has, deleted one at a time.
    #[serde(default)]
    pub orphans: bool,
}

/// One stack to delete.
#[derive(Clone, Debug, Serialize)]
pub struct DestroyStack {
    /// The stack name.
    pub name: String,
    /// The stack id.
    pub id: String,
    /// Its status.
    pub status: String,
    /// Resources CloudFormation keeps when the stack goes (`DeletionPolicy: Retain` in the
    /// deployed template): the data buckets, keys, Glue catalog, log groups, trail.
    pub retained: Vec<Retained>,
}

/// A resource left in place.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Retained {
    /// Its stack.
    pub stack: String,
    /// The logical id.
    pub logical_id: String,
    /// The resource type.
    pub resource_type: String,
    /// The physical id (bucket name, key id, ...), when it was created.
    pub physical_id: Option<String>,
}

/// What `destroy` did.
#[derive(Clone, Debug, Serialize)]
pub struct DestroyReport {
    /// The stacks, in deletion order.
    pub stacks: Vec<StackReport>,
    /// Resources left in place by the stacks that were deleted.
    pub retained: Vec<Retained>,
}

impl DestroyReport {
    /// Whether every stack was deleted.
    pub fn succeeded(&self) -> bool {
        self.stacks.iter().all(|s| s.outcome.ok())
    }
}

impl Inner {
    fn refuse_strict(&self) -> Result<(), Error> {
        if self.env.protection == Protection::Strict {
            return Err(Error::Protected {
                env: self.env.name.clone(),
            });
        }
        Ok(())
    }

    pub(crate) async fn destroy_plan(&self) -> Result<DestroyPlan, Error> {
        self.refuse_strict()?;
        let mut deployed = self.describe_all().await?;
        let mut stacks = Vec::new();
        for s in self.rendered.stacks.iter().rev() {
            let Some(d) = deployed.remove(&s.name) else {
                continue;
            };
            if readiness(&d.status) == Readiness::Busy {
                return Err(Error::StackState {
                    stack: s.name.clone(),
                    status: d.status,
                    hint: "an operation is running; destroy again when it has finished".to_owned(),
                });
            }
            let retained = self.retained(&s.name, &d.id).await?;
            stacks.push(DestroyStack {
                name: s.name.clone(),
                id: d.id,
                status: d.status,
                retained,
            });
        }
        Ok(DestroyPlan {
            environment: self.env.name.clone(),
            stacks,
            orphans: false,
        })
    }

    /// What `destroy --orphans` would delete: the environment's orphans (see
    /// [`Plan::orphans`](crate::Plan::orphans)), dependents first as far as their names tell
    /// (`<prefix>-<kind>` in reverse deployment order of the kinds; unknown names first).
    pub(crate) async fn orphans_destroy_plan(&self) -> Result<DestroyPlan, Error> {
        self.refuse_strict()?;
        let (_, orphans) = self.describe_env().await?;
        let kinds: Vec<&str> = self.rendered.stacks.iter().map(|s| s.kind.slug()).collect();
        let rank = |name: &str| {
            kinds
                .iter()
                .position(|k| name.ends_with(&format!("-{k}")))
                .map_or(0, |i| kinds.len() - i)
        };
        let mut ordered = orphans;
        ordered.sort_by_key(|o| (rank(&o.name), o.name.clone()));
        let mut stacks = Vec::new();
        for o in ordered {
            if readiness(&o.status) == Readiness::Busy {
                return Err(Error::StackState {
                    stack: o.name,
                    status: o.status,
                    hint: "an operation is running; destroy again when it has finished".to_owned(),
                });
            }
            let retained = self.retained(&o.name, &o.id).await?;
            stacks.push(DestroyStack {
                name: o.name,
                id: o.id,
                status: o.status,
                retained,
            });
        }
        Ok(DestroyPlan {
            environment: self.env.name.clone(),
            stacks,
            orphans: true,
        })
    }

    /// The resources of a deployed stack whose deployed template retains them.
    async fn retained(&self, stack: &str, id: &str) -> Result<Vec<Retained>, Error> {
        let cfn = &self.clients.cfn;
        let body = cfn
            .get_template()
            .stack_name(id)
            .send()
            .await
            .map_err(|e| aws("cloudformation:GetTemplate", e))?;
        let template: serde_json::Value =
            serde_yaml::from_str(body.template_body().unwrap_or_default()).map_err(|e| {
                Error::Template {
                    stack: stack.to_owned(),
                    problem: format!("cannot read the deployed template: {e}"),
                }
            })?;
        let kept: Vec<(String, String)> = template
            .get("Resources")
            .and_then(|r| r.as_object())
            .into_iter()
            .flatten()
            .filter(|(_, r)| r.get("DeletionPolicy").and_then(|p| p.as_str()) == Some("Retain"))
            .map(|(id, r)| {
                let ty = r.get("Type").and_then(|t| t.as_str()).unwrap_or_default();
                (id.clone(), ty.to_owned())
            })
            .collect();
        if kept.is_empty() {
            return Ok(Vec::new());
        }
        let resources = cfn
            .list_stack_resources()
            .stack_name(id)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| aws("cloudformation:ListStackResources", e))?;
        Ok(kept
            .into_iter()
            .map(|(logical_id, resource_type)| {
                let physical_id = resources
                    .iter()
                    .find(|r| r.logical_resource_id() == Some(logical_id.as_str()))
                    .and_then(|r| r.physical_resource_id())
                    .map(str::to_owned);
                Retained {
                    stack: stack.to_owned(),
                    logical_id,
                    resource_type,
                    physical_id,
                }
            })
            .collect())
    }

    pub(crate) async fn destroy(
        self: &Arc<Self>,
        plan: &DestroyPlan,
        observer: Arc<dyn Observer>,
    ) -> Result<DestroyReport, Error> {
        self.refuse_strict()?;
        if plan.environment != self.env.name {
            return Err(Error::PlanMismatch {
                env: self.env.name.clone(),
                problem: format!("it is a plan of `{}`", plan.environment),
            });
        }
        let names: Vec<String> = plan.stacks.iter().map(|s| s.name.clone()).collect();
        // A stack goes once every stack that depends on it is gone. Orphans' dependencies
        // are not in the model: they go one at a time, in the plan's order.
        let deps: Vec<Vec<usize>> = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                if plan.orphans {
                    return i.checked_sub(1).into_iter().collect();
                }
                self.rendered
                    .manifest
                    .stacks
                    .iter()
                    .filter(|e| e.depends_on.contains(name))
                    .filter_map(|e| names.iter().position(|n| *n == e.name))
                    .collect()
            })
            .collect();
        let reports = run_graph(
            &names,
            &deps,
            |i| {
                let stack = plan.stacks[i].clone();
                let inner = self.clone();
                let observer = observer.clone();
                let total = plan.stacks.len();
                Job::Run(Box::pin(async move {
                    let start = Instant::now();
                    observer.event(&Event::Started {
                        index: i + 1,
                        total,
                        stack: &stack.name,
                        action: "deleting",
                    });
                    let outcome = inner
                        .delete(i, &stack, &*observer)
                        .await
                        .unwrap_or_else(|e| StackOutcome::Failed {
                            status: None,
                            reason: e.to_string(),
                        });
                    StackReport {
                        name: stack.name,
                        outcome,
                        elapsed: start.elapsed(),
                        outputs: Vec::new(),
                    }
                }))
            },
            &*observer,
            &self.gate,
        )
        .await;
        let retained = plan
            .stacks
            .iter()
            .zip(&reports)
            .filter(|(_, r)| r.outcome == StackOutcome::Deleted)
            .flat_map(|(s, _)| s.retained.iter().cloned())
            .collect();
        Ok(DestroyReport {
            stacks: reports,
            retained,
        })
    }

    async fn delete(
        &self,
        index: usize,
        stack: &DestroyStack,
        observer: &dyn Observer,
    ) -> Result<StackOutcome, Error> {
        self.clients
            .cfn
            .delete_stack()
            .stack_name(&stack.id)
            .client_request_token(self.run.token("delete", &stack.name))
            .send()
            .await
            .map_err(|e| aws("cloudformation:DeleteStack", e))?;
        match self
            .wait_stack(&stack.id, index, &stack.name, observer)
            .await?
        {
            None => Ok(StackOutcome::Deleted),
            Some(last) if last.status == "DELETE_COMPLETE" => Ok(StackOutcome::Deleted),
            Some(last) => {
                let reason = self.failure_reason(&stack.id, &last).await;
                Ok(StackOutcome::Failed {
                    status: Some(last.status),
                    reason,
                })
            }
        }
    }
}
