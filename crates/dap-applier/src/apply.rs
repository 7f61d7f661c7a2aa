//! `apply`: deploy the stacks of a plan in dependency order, independent ones at the same time.

use std::future::Future;
use std::ops::ControlFlow;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_cloudformation::types::{Capability, ChangeSetType, Tag};
use serde::Serialize;

use crate::assets::{AssetOutcome, TemplateSource};
use crate::error::{aws, is_no_changes, message_of};
use crate::events::{Event, Observer};
use crate::interrupt::Gate;
use crate::plan::{ChangeAction, Plan, StackAction, StackPlan};
use crate::state::{readiness, succeeded, DeployedStack, Output, Readiness};
use crate::{Error, Inner};

/// How one stack ended, with the outputs it has then.
type Deployed = (StackOutcome, Vec<Output>);

/// How one stack ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "result")]
pub enum StackOutcome {
    /// Created.
    Created,
    /// Updated.
    Updated,
    /// Nothing to do.
    Unchanged,
    /// Deleted (by `destroy`).
    Deleted,
    /// The deploy failed.
    Failed {
        /// The stack's final status, when it got one (`ROLLBACK_COMPLETE`, ...).
        status: Option<String>,
        /// Why: the first failing resource and its reason, or the failed call.
        reason: String,
    },
    /// Not attempted because a stack it depends on (or, for `destroy`, a stack that depends
    /// on it) did not succeed.
    Skipped {
        /// Which stack.
        because: String,
    },
    /// Not started because the run was interrupted (Ctrl-C, SIGTERM) before its turn.
    NotStarted,
    /// Created by importing existing resources (`--import`), then updated to the template.
    Imported,
}

impl StackOutcome {
    /// Whether the stack is where it should be.
    pub fn ok(&self) -> bool {
        !matches!(
            self,
            StackOutcome::Failed { .. } | StackOutcome::Skipped { .. } | StackOutcome::NotStarted
        )
    }

    /// One word: `created`, `updated`, `unchanged`, `deleted`, `failed`, `skipped`,
    /// `not-started`.
    pub fn label(&self) -> &'static str {
        match self {
            StackOutcome::Created => "created",
            StackOutcome::Updated => "updated",
            StackOutcome::Unchanged => "unchanged",
            StackOutcome::Deleted => "deleted",
            StackOutcome::Failed { .. } => "failed",
            StackOutcome::Skipped { .. } => "skipped",
            StackOutcome::NotStarted => "not-started",
            StackOutcome::Imported => "imported",
        }
    }
}

/// One stack's result.
#[derive(Clone, Debug, Serialize)]
pub struct StackReport {
    /// The stack.
    pub name: String,
    /// How it ended.
    pub outcome: StackOutcome,
    /// Time spent on it.
    pub elapsed: Duration,
    /// Its outputs afterwards.
    pub outputs: Vec<Output>,
}

/// What `apply` did.
#[derive(Clone, Debug, Serialize)]
pub struct ApplyReport {
    /// Every stack of the plan, in plan order.
    pub stacks: Vec<StackReport>,
    /// Assets checked (and uploaded when missing), in the order checked.
    pub assets: Vec<AssetOutcome>,
}

impl ApplyReport {
    /// Whether every stack is where it should be.
    pub fn succeeded(&self) -> bool {
        self.stacks.iter().all(|s| s.outcome.ok())
    }

    /// The stacks that failed (not those skipped because of them).
    pub fn failed(&self) -> impl Iterator<Item = &StackReport> {
        self.stacks
            .iter()
            .filter(|s| matches!(s.outcome, StackOutcome::Failed { .. }))
    }
}

/// A job for [`run_graph`]: already done, or a future to run.
pub(crate) enum Job {
    Done(StackReport),
    Run(Pin<Box<dyn Future<Output = StackReport> + Send>>),
}

/// Run one job per node once all its dependencies succeeded, independent ones concurrently;
/// a node whose dependency failed or was skipped is skipped. Once `gate` is interrupted no job
/// starts (its node is [`StackOutcome::NotStarted`]) and those running finish. Reports come
/// back in node order.
pub(crate) async fn run_graph(
    names: &[String],
    deps: &[Vec<usize>],
    mut start: impl FnMut(usize) -> Job,
    observer: &dyn Observer,
    gate: &Gate,
) -> Vec<StackReport> {
    let n = names.len();
    let mut reports: Vec<Option<StackReport>> = vec![None; n];
    let mut started = vec![false; n];
    let mut running = tokio::task::JoinSet::new();
    let finish = |i: usize, r: &StackReport| {
        observer.event(&Event::Finished {
            index: i + 1,
            total: n,
            stack: &names[i],
            outcome: &r.outcome,
            elapsed: r.elapsed,
        })
    };
    loop {
        let mut progressed = true;
        while progressed {
            progressed = false;
            for i in 0..n {
                if started[i] {
                    continue;
                }
                let failed = deps[i]
                    .iter()
                    .find(|&&d| reports[d].as_ref().is_some_and(|r| !r.outcome.ok()));
                if let Some(&d) = failed {
                    started[i] = true;
                    let r = StackReport {
                        name: names[i].clone(),
                        outcome: StackOutcome::Skipped {
                            because: names[d].clone(),
                        },
                        elapsed: Duration::ZERO,
                        outputs: Vec::new(),
                    };
                    finish(i, &r);
                    reports[i] = Some(r);
                    progressed = true;
                    continue;
                }
                if deps[i].iter().all(|&d| reports[d].is_some()) {
                    started[i] = true;
                    let not_started = || StackReport {
                        name: names[i].clone(),
                        outcome: StackOutcome::NotStarted,
                        elapsed: Duration::ZERO,
                        outputs: Vec::new(),
                    };
                    let job = if gate.interrupted() {
                        Job::Done(not_started())
                    } else {
                        start(i)
                    };
                    match job {
                        Job::Run(fut) if gate.try_start(&names[i]) => {
                            running.spawn(async move { (i, fut.await) });
                        }
                        Job::Run(_) => {
                            let r = not_started();
                            finish(i, &r);
                            reports[i] = Some(r);
                            progressed = true;
                        }
                        Job::Done(r) => {
                            finish(i, &r);
                            reports[i] = Some(r);
                            progressed = true;
                        }
                    }
                }
            }
        }
        match running.join_next().await {
            None => break,
            Some(joined) => {
                let (i, r) = joined.expect("a stack task does not panic");
                gate.finish(&names[i]);
                finish(i, &r);
                reports[i] = Some(r);
            }
        }
    }
    reports
        .into_iter()
        .map(|r| r.expect("every node ends"))
        .collect()
}

impl Inner {
    /// Check that a plan was made from this environment's current render.
    fn check_plan(&self, plan: &Plan) -> Result<(), Error> {
        let mismatch = |problem: String| Error::PlanMismatch {
            env: self.env.name.clone(),
            problem,
        };
        if plan.environment != self.env.name {
            return Err(mismatch(format!("it is a plan of `{}`", plan.environment)));
        }
        let planned: Vec<(&str, &str)> = plan
            .stacks
            .iter()
            .map(|s| (s.name.as_str(), s.template_sha256.as_str()))
            .collect();
        let rendered: Vec<(&str, &str)> = self
            .rendered
            .stacks
            .iter()
            .map(|s| (s.name.as_str(), s.sha256.as_str()))
            .collect();
        if planned != rendered {
            return Err(mismatch(
                "its stacks or templates differ from the current render".to_owned(),
            ));
        }
        let imports = plan.imports();
        if !imports.is_empty() && !plan.allow_import {
            return Err(Error::ImportNotAllowed {
                resources: imports
                    .iter()
                    .map(|(s, c)| {
                        format!(
                            "`{}/{}` ({})",
                            s.name,
                            c.logical_id,
                            c.physical_id.as_deref().unwrap_or("?")
                        )
                    })
                    .collect(),
            });
        }
        let blocked = plan.blocked();
        if !blocked.is_empty() {
            return Err(Error::Blocked {
                changes: blocked
                    .iter()
                    .map(|(s, c)| {
                        let what = match crate::guard::loss(c) {
                            Some(crate::guard::Loss::Remove) => "remove",
                            _ => "replace",
                        };
                        format!("`{}/{}` ({what})", s.name, c.logical_id)
                    })
                    .collect(),
            });
        }
        Ok(())
    }

    pub(crate) async fn apply(
        self: &Arc<Self>,
        plan: &Plan,
        observer: Arc<dyn Observer>,
    ) -> Result<ApplyReport, Error> {
        self.check_plan(plan)?;
        let names: Vec<String> = plan.stacks.iter().map(|s| s.name.clone()).collect();
        let deps: Vec<Vec<usize>> = self
            .rendered
            .manifest
            .stacks
            .iter()
            .map(|e| {
                e.depends_on
                    .iter()
                    .filter_map(|d| names.iter().position(|n| n == d))
                    .collect()
            })
            .collect();
        let assets = Arc::new(Mutex::new(Vec::new()));
        let reports = run_graph(
            &names,
            &deps,
            |i| {
                let sp = plan.stacks[i].clone();
                if sp.action == StackAction::None {
                    return Job::Done(StackReport {
                        name: sp.name,
                        outcome: StackOutcome::Unchanged,
                        elapsed: Duration::ZERO,
                        outputs: sp.deployed.map(|d| d.outputs).unwrap_or_default(),
                    });
                }
                let inner = self.clone();
                let observer = observer.clone();
                let assets = assets.clone();
                Job::Run(Box::pin(async move {
                    let start = Instant::now();
                    let name = sp.name.clone();
                    let result = inner.deploy(i, &sp, &assets, &*observer).await;
                    let (outcome, outputs) = result.unwrap_or_else(|e| {
                        (
                            StackOutcome::Failed {
                                status: None,
                                reason: e.to_string(),
                            },
                            Vec::new(),
                        )
                    });
                    StackReport {
                        name,
                        outcome,
                        elapsed: start.elapsed(),
                        outputs,
                    }
                }))
            },
            &*observer,
            &self.gate,
        )
        .await;
        let assets = std::mem::take(&mut *assets.lock().expect("assets lock"));
        Ok(ApplyReport {
            stacks: reports,
            assets,
        })
    }

    /// Deploy one stack of the plan and wait for it.
    async fn deploy(
        &self,
        index: usize,
        sp: &StackPlan,
        assets: &Mutex<Vec<AssetOutcome>>,
        observer: &dyn Observer,
    ) -> Result<Deployed, Error> {
        let create = sp.action == StackAction::Create;
        self.start_deploy(index, sp, create, assets, observer)
            .await?;
        let source = self.template_source(index).await?;
        let tags = self.stack_tags(index);
        let resources = self.resource_types(index);
        let policy =
            crate::guard::stack_policy(self.env.protection, resources.iter().copied(), &[]);
        if let (true, Some(old)) = (create, &sp.deployed) {
            if let Some(failed) = self.delete_rolled_back(index, sp, old, observer).await? {
                return Ok(failed);
            }
        }
        let importing = create && sp.changes.iter().any(|c| c.action == ChangeAction::Import);
        if importing {
            return self.import_then_update(index, sp, observer).await;
        }
        let id = if create {
            self.create_stack(sp, source, tags, policy).await?
        } else {
            match self
                .update_stack(sp, source, tags, policy, &resources)
                .await?
            {
                ControlFlow::Continue(id) => id,
                ControlFlow::Break(done) => return Ok(done),
            }
        };
        self.await_deploy(&id, index, sp, create, observer).await
    }

    /// Announce a stack's start, then upload the assets its template names (each announced
    /// and recorded in `assets`).
    async fn start_deploy(
        &self,
        index: usize,
        sp: &StackPlan,
        create: bool,
        assets: &Mutex<Vec<AssetOutcome>>,
        observer: &dyn Observer,
    ) -> Result<(), Error> {
        observer.event(&Event::Started {
            index: index + 1,
            total: self.rendered.stacks.len(),
            stack: &sp.name,
            action: if create { "creating" } else { "updating" },
        });
        for a in self.ensure_assets_for(index).await? {
            observer.event(&Event::Asset {
                key: &a.key,
                uploaded: a.uploaded,
            });
            assets.lock().expect("assets lock").push(a);
        }
        Ok(())
    }

    /// The logical ids and types of the resources of stack `index`'s template.
    fn resource_types(&self, index: usize) -> Vec<(&str, &str)> {
        self.rendered.stacks[index]
            .template
            .resources
            .iter()
            .map(|(id, e)| (id.as_str(), e.type_name()))
            .collect()
    }

    /// Delete a rolled-back creation (the plan checked it left nothing) before creating the
    /// stack again; the failed outcome when the deletion fails.
    async fn delete_rolled_back(
        &self,
        index: usize,
        sp: &StackPlan,
        old: &DeployedStack,
        observer: &dyn Observer,
    ) -> Result<Option<Deployed>, Error> {
        let cfn = &self.clients.cfn;
        if old.termination_protection {
            cfn.update_termination_protection()
                .stack_name(&old.id)
                .enable_termination_protection(false)
                .send()
                .await
                .map_err(|e| aws("cloudformation:UpdateTerminationProtection", e))?;
        }
        cfn.delete_stack()
            .stack_name(&old.id)
            .client_request_token(self.run.token("delete", &sp.name))
            .send()
            .await
            .map_err(|e| aws("cloudformation:DeleteStack", e))?;
        if let Some(last) = self.wait_stack(&old.id, index, &sp.name, observer).await? {
            if last.status != "DELETE_COMPLETE" {
                let reason = self.failure_reason(&old.id, &last).await;
                return Ok(Some((
                    StackOutcome::Failed {
                        status: Some(last.status),
                        reason: format!("deleting the rolled-back stack failed: {reason}"),
                    },
                    Vec::new(),
                )));
            }
        }
        Ok(None)
    }

    /// Start creating stack `sp.name`; its id. A creation whose answer was lost and retried
    /// is recognised as this run's own.
    async fn create_stack(
        &self,
        sp: &StackPlan,
        source: TemplateSource,
        tags: Vec<Tag>,
        policy: Option<String>,
    ) -> Result<String, Error> {
        let request = self
            .clients
            .cfn
            .create_stack()
            .stack_name(&sp.name)
            .capabilities(Capability::CapabilityNamedIam)
            .set_tags(Some(tags))
            .set_stack_policy_body(policy)
            .enable_termination_protection(self.rendered.manifest.termination_protection)
            .client_request_token(self.run.token("create", &sp.name));
        match source.apply_to_create(request).send().await {
            Ok(out) => Ok(out.stack_id().unwrap_or(&sp.name).to_owned()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_already_exists_exception()) =>
            {
                // The plan saw no stack and the lock keeps other runs out: a stack of
                // this name, made since this run started, with this template, is this
                // run's own creation whose answer was lost (and the SDK retried).
                match self.recognise_create(sp).await? {
                    Some(id) => Ok(id),
                    None => Err(aws("cloudformation:CreateStack", e)),
                }
            }
            Err(e) => Err(aws("cloudformation:CreateStack", e)),
        }
    }

    /// Start updating the deployed stack: its id to wait for, or the outcome when there was
    /// nothing to update (an update whose answer was lost and retried is recognised).
    async fn update_stack(
        &self,
        sp: &StackPlan,
        source: TemplateSource,
        tags: Vec<Tag>,
        policy: Option<String>,
        resources: &[(&str, &str)],
    ) -> Result<ControlFlow<Deployed, String>, Error> {
        let deployed = sp
            .deployed
            .as_ref()
            .expect("an update has a deployed stack");
        let request = self
            .clients
            .cfn
            .update_stack()
            .stack_name(&deployed.id)
            .capabilities(Capability::CapabilityNamedIam)
            .set_tags(Some(tags))
            .set_stack_policy_body(policy)
            .set_stack_policy_during_update_body(self.policy_during_update(sp, resources))
            .client_request_token(self.run.token("update", &sp.name));
        match source.apply_to_update(request).send().await {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| is_no_changes(&message_of(se))) =>
            {
                // The plan saw another template and the stack now has this one: this
                // run's own update went through but its answer was lost (and the SDK
                // retried). Otherwise there was nothing to update.
                let lost_answer = deployed.template_sha256.as_deref()
                    != Some(sp.template_sha256.as_str())
                    && self.recognise_update(sp).await?;
                if !lost_answer {
                    let outcome = if self.protect(sp, deployed).await? {
                        StackOutcome::Updated
                    } else {
                        StackOutcome::Unchanged
                    };
                    return Ok(ControlFlow::Break((outcome, deployed.outputs.clone())));
                }
            }
            Err(e) => return Err(aws("cloudformation:UpdateStack", e)),
        }
        Ok(ControlFlow::Continue(deployed.id.clone()))
    }

    /// The stack policy for the duration of an update: the allowed replacements and removals
    /// pass for this update only; removed resources are named from the plan (they are not in
    /// the template). `None` when nothing is allowed.
    fn policy_during_update(&self, sp: &StackPlan, resources: &[(&str, &str)]) -> Option<String> {
        let allowed: Vec<&str> = sp
            .changes
            .iter()
            .filter(|c| c.guard == crate::guard::Verdict::Allowed)
            .map(|c| c.logical_id.as_str())
            .collect();
        if allowed.is_empty() {
            return None;
        }
        let mut all = resources.to_vec();
        all.extend(
            sp.changes
                .iter()
                .filter(|c| c.action == crate::plan::ChangeAction::Remove)
                .map(|c| (c.logical_id.as_str(), c.resource_type.as_str())),
        );
        crate::guard::stack_policy(self.env.protection, all, &allowed)
    }

    /// Wait for a created or updated stack and judge how it ended; an updated stack gets
    /// termination protection where it lacks it.
    async fn await_deploy(
        &self,
        id: &str,
        index: usize,
        sp: &StackPlan,
        create: bool,
        observer: &dyn Observer,
    ) -> Result<Deployed, Error> {
        let last = self
            .wait_existing(
                id,
                index,
                sp,
                observer,
                "the stack disappeared while it was being deployed",
            )
            .await?;
        if !succeeded(&last.status) {
            let reason = self.failure_reason(id, &last).await;
            return Ok((
                StackOutcome::Failed {
                    status: Some(last.status),
                    reason,
                },
                last.outputs,
            ));
        }
        if let (false, Some(deployed)) = (create, &sp.deployed) {
            self.protect(sp, deployed).await?;
        }
        let outcome = if create {
            StackOutcome::Created
        } else {
            StackOutcome::Updated
        };
        Ok((outcome, last.outputs))
    }

    /// Poll a stack that must still exist when its operation ends: its disappearance is an
    /// error that says `hint`.
    async fn wait_existing(
        &self,
        id: &str,
        index: usize,
        sp: &StackPlan,
        observer: &dyn Observer,
        hint: &str,
    ) -> Result<DeployedStack, Error> {
        self.wait_stack(id, index, &sp.name, observer)
            .await?
            .ok_or_else(|| Error::StackState {
                stack: sp.name.clone(),
                status: "DELETE_COMPLETE".to_owned(),
                hint: hint.to_owned(),
            })
    }

    /// Create a stack by importing the existing resources of its plan (an `IMPORT` change
    /// set holding only them), then update it to the whole template.
    async fn import_then_update(
        &self,
        index: usize,
        sp: &StackPlan,
        observer: &dyn Observer,
    ) -> Result<Deployed, Error> {
        let (change_set, id) = self.create_import_change_set(index, sp).await?;
        if self.wait_change_set(&sp.name, &change_set).await?.is_none() {
            return Ok((
                StackOutcome::Failed {
                    status: None,
                    reason: "the import change set has nothing to import".to_owned(),
                },
                Vec::new(),
            ));
        }
        self.clients
            .cfn
            .execute_change_set()
            .change_set_name(&change_set)
            .client_request_token(self.run.token("execute-import", &sp.name))
            .send()
            .await
            .map_err(|e| aws("cloudformation:ExecuteChangeSet", e))?;
        let last = self
            .wait_existing(
                &id,
                index,
                sp,
                observer,
                "the stack disappeared while its resources were being imported",
            )
            .await?;
        if last.status != "IMPORT_COMPLETE" {
            let reason = self.failure_reason(&id, &last).await;
            return Ok((
                StackOutcome::Failed {
                    status: Some(last.status),
                    reason: format!("the import failed: {reason}"),
                },
                last.outputs,
            ));
        }
        self.update_after_import(&id, index, sp, observer).await
    }

    /// Create the `IMPORT` change set holding only the plan's imported resources; its id and
    /// the new stack's id.
    async fn create_import_change_set(
        &self,
        index: usize,
        sp: &StackPlan,
    ) -> Result<(String, String), Error> {
        let imported: Vec<&str> = sp
            .changes
            .iter()
            .filter(|c| c.action == ChangeAction::Import)
            .map(|c| c.logical_id.as_str())
            .collect();
        let body = crate::adopt::import_template(&self.rendered.stacks[index].yaml, &imported)
            .map_err(|problem| Error::Template {
                stack: sp.name.clone(),
                problem,
            })?;
        let created = self
            .clients
            .cfn
            .create_change_set()
            .stack_name(&sp.name)
            .change_set_name(format!("dap-import-{}", self.run.id()))
            .client_token(self.run.token("import", &sp.name))
            .change_set_type(ChangeSetType::Import)
            .description("dap apply --import")
            .template_body(body)
            .set_resources_to_import(Some(crate::adopt::resources_to_import(
                &self.rendered.stacks[index].yaml,
                sp,
            )))
            .capabilities(Capability::CapabilityNamedIam)
            .set_tags(Some(self.stack_tags(index)))
            .send()
            .await
            .map_err(|e| aws("cloudformation:CreateChangeSet", e))?;
        let change_set = created.id().unwrap_or_default().to_owned();
        let id = created.stack_id().unwrap_or(&sp.name).to_owned();
        Ok((change_set, id))
    }

    /// Update a stack whose resources were just imported (as they were) to the whole
    /// template, with its tags and stack policy, then protect it where the environment wants.
    async fn update_after_import(
        &self,
        id: &str,
        index: usize,
        sp: &StackPlan,
        observer: &dyn Observer,
    ) -> Result<Deployed, Error> {
        let cfn = &self.clients.cfn;
        let policy =
            crate::guard::stack_policy(self.env.protection, self.resource_types(index), &[]);
        let source = self.template_source(index).await?;
        let request = cfn
            .update_stack()
            .stack_name(id)
            .capabilities(Capability::CapabilityNamedIam)
            .set_tags(Some(self.stack_tags(index)))
            .set_stack_policy_body(policy)
            .client_request_token(self.run.token("update", &sp.name));
        source
            .apply_to_update(request)
            .send()
            .await
            .map_err(|e| aws("cloudformation:UpdateStack", e))?;
        let last = self
            .wait_existing(
                id,
                index,
                sp,
                observer,
                "the stack disappeared while it was being updated after the import",
            )
            .await?;
        if !succeeded(&last.status) {
            let reason = self.failure_reason(id, &last).await;
            return Ok((
                StackOutcome::Failed {
                    status: Some(last.status),
                    reason: format!("the update after the import failed: {reason}"),
                },
                last.outputs,
            ));
        }
        if self.rendered.manifest.termination_protection {
            cfn.update_termination_protection()
                .stack_name(id)
                .enable_termination_protection(true)
                .send()
                .await
                .map_err(|e| aws("cloudformation:UpdateTerminationProtection", e))?;
        }
        Ok((StackOutcome::Imported, last.outputs))
    }

    /// The id of stack `sp.name` if it is this run's own creation: it exists, was created
    /// after this run started, and carries the planned template's hash.
    async fn recognise_create(&self, sp: &StackPlan) -> Result<Option<String>, Error> {
        let out = self
            .clients
            .cfn
            .describe_stacks()
            .stack_name(&sp.name)
            .send()
            .await
            .map_err(|e| aws("cloudformation:DescribeStacks", e))?;
        let Some(stack) = out.stacks().first() else {
            return Ok(None);
        };
        let created = stack
            .creation_time()
            .and_then(|t| std::time::SystemTime::try_from(*t).ok());
        // Whole seconds: CloudFormation's times may be rounded.
        let since_start = created.is_some_and(|t| t + Duration::from_secs(1) >= self.run.started);
        let deployed = DeployedStack::from_sdk(stack);
        let ours =
            since_start && deployed.template_sha256.as_deref() == Some(sp.template_sha256.as_str());
        Ok(ours.then_some(deployed.id))
    }

    /// Whether stack `sp.name` already carries the planned template's hash (this run's own
    /// update went through).
    async fn recognise_update(&self, sp: &StackPlan) -> Result<bool, Error> {
        let out = self
            .clients
            .cfn
            .describe_stacks()
            .stack_name(&sp.name)
            .send()
            .await
            .map_err(|e| aws("cloudformation:DescribeStacks", e))?;
        Ok(out.stacks().first().is_some_and(|s| {
            DeployedStack::from_sdk(s).template_sha256.as_deref()
                == Some(sp.template_sha256.as_str())
        }))
    }

    /// Turn termination protection on where the environment wants it and the deployed stack
    /// lacks it (new stacks get it at creation); true if it was turned on. Only called when
    /// needed: moto does not implement the call.
    async fn protect(&self, sp: &StackPlan, deployed: &DeployedStack) -> Result<bool, Error> {
        if !self.rendered.manifest.termination_protection || deployed.termination_protection {
            return Ok(false);
        }
        self.clients
            .cfn
            .update_termination_protection()
            .stack_name(&sp.name)
            .enable_termination_protection(true)
            .send()
            .await
            .map_err(|e| aws("cloudformation:UpdateTerminationProtection", e))?;
        Ok(true)
    }

    /// Poll a stack (by id) until no operation runs on it; `None` when it no longer exists.
    pub(crate) async fn wait_stack(
        &self,
        id: &str,
        index: usize,
        name: &str,
        observer: &dyn Observer,
    ) -> Result<Option<DeployedStack>, Error> {
        let started = Instant::now();
        let mut last_status = String::new();
        loop {
            let out = self
                .clients
                .cfn
                .describe_stacks()
                .stack_name(id)
                .send()
                .await;
            let stack = match out {
                Ok(out) => match out.stacks().first() {
                    Some(s) => DeployedStack::from_sdk(s),
                    None => return Ok(None),
                },
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|se| message_of(se).contains("does not exist")) =>
                {
                    return Ok(None)
                }
                Err(e) => return Err(aws("cloudformation:DescribeStacks", e)),
            };
            if stack.status != last_status {
                observer.event(&Event::Status {
                    index: index + 1,
                    stack: name,
                    status: &stack.status,
                });
                last_status = stack.status.clone();
            }
            if readiness(&stack.status) != Readiness::Busy {
                return Ok(Some(stack));
            }
            if started.elapsed() > self.options.timeout {
                return Err(Error::Timeout {
                    what: format!("stack `{name}` ({})", stack.status),
                    seconds: self.options.timeout.as_secs(),
                });
            }
            tokio::time::sleep(self.options.poll_interval).await;
        }
    }

    /// Why an operation failed: the oldest failed resource event of the latest operation
    /// (the root cause; later ones are usually "Resource creation cancelled"), else the
    /// stack's own status reason.
    pub(crate) async fn failure_reason(&self, id: &str, last: &DeployedStack) -> String {
        let fallback = last
            .reason
            .clone()
            .unwrap_or_else(|| format!("the stack ended in `{}`", last.status));
        let Ok(out) = self
            .clients
            .cfn
            .describe_stack_events()
            .stack_name(id)
            .send()
            .await
        else {
            return fallback;
        };
        let mut root = None;
        for e in out.stack_events() {
            let status = e.resource_status().map(|s| s.as_str()).unwrap_or_default();
            let reason = e.resource_status_reason().unwrap_or_default();
            let logical = e.logical_resource_id().unwrap_or_default();
            let is_stack = e.resource_type() == Some("AWS::CloudFormation::Stack");
            if is_stack && status.ends_with("_IN_PROGRESS") && reason == "User Initiated" {
                break;
            }
            if !is_stack
                && status.ends_with("_FAILED")
                && !reason.is_empty()
                && !reason.contains("cancelled")
            {
                root = Some(format!(
                    "`{logical}` ({}) {status}: {reason}",
                    e.resource_type().unwrap_or_default()
                ));
            }
        }
        root.unwrap_or(fallback)
    }
}
