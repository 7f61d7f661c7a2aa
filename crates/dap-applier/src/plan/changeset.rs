//! Filling the plan: change sets per stack (created, read, deleted or kept), the local diff
//! beside them, and the checks of a saved plan against the account now.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use aws_sdk_cloudformation::types::{
    Capability, ChangeSetStatus, ChangeSetType, ResourceChange as SdkChange,
};

use super::model::*;
use crate::diff::{self, PropertyChange};
use crate::error::{aws, is_no_changes, message_of};
use crate::guard;
use crate::security;
use crate::state::{readiness, DeployedStack, Readiness};
use crate::{Error, Inner};

/// How a deployed stack recorded in a saved plan differs from the one deployed now, if it
/// does: existence, id, status, last update, template tag, tags or termination protection.
fn deployed_differs(then: &Option<DeployedStack>, now: &Option<DeployedStack>) -> Option<String> {
    let same = match (then, now) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            a.id == b.id
                && a.status == b.status
                && a.template_sha256 == b.template_sha256
                && a.last_updated == b.last_updated
                && a.tags == b.tags
                && a.termination_protection == b.termination_protection
        }
        _ => false,
    };
    let show = |d: &Option<DeployedStack>| match d {
        None => "absent".to_owned(),
        Some(d) => format!(
            "{} updated {}",
            d.status,
            d.last_updated.as_deref().unwrap_or("?")
        ),
    };
    (!same).then(|| format!("{} then, {} now", show(then), show(now)))
}

/// How a saved stack plan's action, resource changes or stack changes differ from the plan
/// computed now, if they do. The guard verdicts are not compared: they are judged again.
fn changes_differ(saved: &StackPlan, now: &StackPlan) -> Option<String> {
    if saved.action != now.action {
        return Some(format!(
            "the file says `{}`, planning now gives `{}`",
            action_word(saved.action),
            action_word(now.action)
        ));
    }
    let key = |c: &ResourceChange| {
        let mut c = c.clone();
        c.guard = Verdict::Unguarded;
        serde_json::to_string(&c).unwrap_or_default()
    };
    let theirs: Vec<String> = saved.changes.iter().map(key).collect();
    let ours: Vec<String> = now.changes.iter().map(key).collect();
    for (c, k) in now.changes.iter().zip(&ours) {
        if !theirs.contains(k) {
            return Some(format!(
                "{} `{}` ({}) is missing from the file or differs there",
                change_word(&c.action),
                c.logical_id,
                c.resource_type
            ));
        }
    }
    for (c, k) in saved.changes.iter().zip(&theirs) {
        if !ours.contains(k) {
            return Some(format!(
                "the file lists {} `{}` ({}), which planning now does not give",
                change_word(&c.action),
                c.logical_id,
                c.resource_type
            ));
        }
    }
    if theirs.len() != ours.len() {
        return Some("the file lists a change more than once".to_owned());
    }
    if saved.stack_changes != now.stack_changes {
        return Some("its stack changes differ".to_owned());
    }
    None
}

fn action_word(a: StackAction) -> &'static str {
    match a {
        StackAction::Create => "create",
        StackAction::Update => "update",
        StackAction::None => "none",
    }
}

fn change_word(a: &ChangeAction) -> &'static str {
    match a {
        ChangeAction::Add => "the addition of",
        ChangeAction::Modify => "the change of",
        ChangeAction::Remove => "the removal of",
        ChangeAction::Import => "the import of",
        ChangeAction::Other(_) => "the change of",
    }
}

/// The name of this run's change set of a stack: `dap-plan-<run>-<kind>`. One per stack
/// and run; a second change set of that name on the stack is a duplicate made by a retried
/// `CreateChangeSet` whose first answer was lost.
fn change_set_name(run: &crate::token::Run, kind: &str) -> String {
    format!("dap-plan-{}-{kind}", run.id())
}

/// A temporary change set older than this was left by a run that was killed or lost its
/// answers: any later plan of the stack deletes it. Younger ones may belong to a plan running
/// now (plans take no lock), so they stay.
pub(crate) const STALE_CHANGE_SET: Duration = Duration::from_secs(15 * 60);

impl Inner {
    /// The plan of every stack of the environment.
    pub(crate) async fn plan(
        self: &std::sync::Arc<Self>,
        options: PlanOptions,
    ) -> Result<Plan, Error> {
        let (mut deployed, orphans) = self.describe_env().await?;
        let mut slots: Vec<Option<StackPlan>> = Vec::new();
        let mut tasks = tokio::task::JoinSet::new();
        for (i, s) in self.rendered.stacks.iter().enumerate() {
            let Some(d) = deployed.remove(&s.name) else {
                slots.push(Some(StackPlan::create(s)));
                continue;
            };
            if d.status == "ROLLBACK_COMPLETE" {
                // A failed creation, rolled back: recreate it when it left nothing behind.
                let left = self.left_behind(&d.id).await?;
                if !left.is_empty() {
                    return Err(Error::StackState {
                        stack: s.name.clone(),
                        status: d.status,
                        hint: format!(
                            "its failed creation left resources in place (kept by their deletion policy): {}; check them (they may hold data), delete or import them, delete the stack, then plan again",
                            left.join(", ")
                        ),
                    });
                }
                let mut p = StackPlan::create(s);
                p.stack_changes.push(
                    "recreate: the stack's creation failed and was rolled back leaving nothing (ROLLBACK_COMPLETE); it is deleted and created again".to_owned(),
                );
                p.deployed = Some(d);
                slots.push(Some(p));
                continue;
            }
            match readiness(&d.status) {
                Readiness::Stable => {}
                Readiness::Busy | Readiness::Stuck => {
                    return Err(Error::StackState {
                        stack: s.name.clone(),
                        hint: crate::state::hint(&d.status),
                        status: d.status,
                    })
                }
            }
            let stack_changes = self.stack_changes(&d);
            let same_template = d.template_sha256.as_deref() == Some(s.sha256.as_str());
            if same_template && stack_changes.is_empty() && !options.refresh {
                slots.push(Some(StackPlan::unchanged(s, d)));
                continue;
            }
            slots.push(None);
            let inner = self.clone();
            tasks.spawn(async move {
                let plan = inner
                    .plan_update(i, d, stack_changes, same_template, options)
                    .await;
                (i, plan)
            });
        }
        let mut first_error = None;
        while let Some(joined) = tasks.join_next().await {
            let (i, plan) = joined.expect("a plan task does not panic");
            match plan {
                Ok(p) => slots[i] = Some(p),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        if let Some(e) = first_error {
            return Err(e);
        }
        for (i, slot) in slots.iter_mut().enumerate() {
            if let Some(p) = slot.as_mut().filter(|p| p.action == StackAction::Create) {
                self.find_adoptable(i, p).await?;
            }
        }
        let mut plan = Plan {
            format_version: PLAN_FORMAT_VERSION,
            allow_replace: Vec::new(),
            allow_remove: Vec::new(),
            allow_import: false,
            orphans,
            environment: self.env.name.clone(),
            account_id: self.env.account_id.clone(),
            region: self.env.region.clone(),
            stacks: slots
                .into_iter()
                .map(|s| s.expect("every slot is filled"))
                .collect(),
        };
        plan.settle_first_deploy();
        Ok(plan)
    }

    /// Record the deployed stacks as they are now (after the plan's change sets) in a plan
    /// about to be saved.
    pub(crate) async fn record_deployed(&self, plan: &mut Plan) -> Result<(), Error> {
        let mut now = self.describe_all().await?;
        for p in &mut plan.stacks {
            p.deployed = now.remove(&p.name);
        }
        Ok(())
    }

    /// Check a saved plan against the account, the current render and the deployed stacks,
    /// then plan again and compare: the file is verified, not trusted. Returns the plan
    /// computed now, judged with the file's recorded allowances; its changes, actions and
    /// stack changes must equal the file's (a change deleted from or edited in the file, or a
    /// stack marked `none` that would change, refuses).
    pub(crate) async fn check_saved(
        self: &std::sync::Arc<Self>,
        saved: Plan,
    ) -> Result<Plan, Error> {
        let stale = |problem: String| Err(Error::StalePlan { problem });
        if saved.format_version != PLAN_FORMAT_VERSION {
            return stale(format!(
                "it has format version {}, this `dap` reads version {PLAN_FORMAT_VERSION}",
                saved.format_version
            ));
        }
        if saved.environment != self.env.name {
            return stale(format!(
                "it is a plan of `{}`, not `{}`",
                saved.environment, self.env.name
            ));
        }
        if saved.account_id != self.identity.account || saved.region != self.identity.region {
            return stale(format!(
                "it was made for account `{}` in `{}`, the credentials are for account `{}` in `{}`",
                saved.account_id, saved.region, self.identity.account, self.identity.region
            ));
        }
        if saved.stacks.len() != self.rendered.stacks.len() {
            return stale("its stacks differ from the current render".to_owned());
        }
        for (p, r) in saved.stacks.iter().zip(&self.rendered.stacks) {
            if p.name != r.name {
                return stale(format!(
                    "it has stack `{}` where the render has `{}`",
                    p.name, r.name
                ));
            }
            if p.template_sha256 != r.sha256 {
                return stale(format!(
                    "the template of `{}` changed since (sha256 {} then, {} now)",
                    p.name, p.template_sha256, r.sha256
                ));
            }
        }
        // Plan again from what is deployed now. A saved update of a stack whose template
        // did not change can only come from `--refresh`, so that is planned the same way.
        let refresh = saved.stacks.iter().any(|p| {
            p.action == StackAction::Update
                && p.deployed
                    .as_ref()
                    .and_then(|d| d.template_sha256.as_deref())
                    == Some(p.template_sha256.as_str())
        });
        let mut fresh = self
            .plan(PlanOptions {
                keep_change_sets: false,
                refresh,
            })
            .await?;
        for (p, now) in saved.stacks.iter().zip(&fresh.stacks) {
            if let Some(problem) = deployed_differs(&p.deployed, &now.deployed) {
                return stale(format!(
                    "deployed stack `{}` changed since ({problem})",
                    p.name
                ));
            }
            if let Some(problem) = changes_differ(p, now) {
                return stale(format!(
                    "stack `{}` in the file does not match what planning it now gives: {problem}",
                    p.name
                ));
            }
        }
        let allowances = saved.allowances();
        fresh.allow(&allowances);
        fresh.allow_import = saved.allow_import;
        Ok(fresh)
    }

    /// The resources a rolled-back stack still holds (`logical id (type, status)`): any not
    /// `DELETE_COMPLETE`, such as a bucket skipped by `DeletionPolicy: Retain`.
    async fn left_behind(&self, id: &str) -> Result<Vec<String>, Error> {
        let resources = self
            .clients
            .cfn
            .list_stack_resources()
            .stack_name(id)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| aws("cloudformation:ListStackResources", e))?;
        Ok(resources
            .iter()
            .filter(|r| {
                r.resource_status()
                    .is_some_and(|st| st.as_str() != "DELETE_COMPLETE")
            })
            .map(|r| {
                format!(
                    "`{}` ({}, {}{})",
                    r.logical_resource_id().unwrap_or_default(),
                    r.resource_type().unwrap_or_default(),
                    r.resource_status()
                        .map(|st| st.as_str())
                        .unwrap_or_default(),
                    r.physical_resource_id()
                        .map(|p| format!(", {p}"))
                        .unwrap_or_default()
                )
            })
            .collect())
    }

    /// Stack-level differences that need an update even with the same template.
    fn stack_changes(&self, d: &DeployedStack) -> Vec<String> {
        let mut out = Vec::new();
        let want: BTreeMap<String, String> = self
            .rendered
            .manifest
            .stack_tags
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if want != d.tags {
            let mut parts = Vec::new();
            for (k, v) in &want {
                match d.tags.get(k) {
                    None => parts.push(format!("+{k}={v}")),
                    Some(old) if old != v => parts.push(format!("{k}: {old} -> {v}")),
                    _ => {}
                }
            }
            for k in d.tags.keys().filter(|k| !want.contains_key(*k)) {
                parts.push(format!("-{k}"));
            }
            out.push(format!("stack tags: {}", parts.join(", ")));
        }
        if self.rendered.manifest.termination_protection && !d.termination_protection {
            out.push("termination protection: off -> on".to_owned());
        }
        out
    }

    /// Plan an existing stack through a change set.
    async fn plan_update(
        &self,
        index: usize,
        deployed: DeployedStack,
        mut stack_changes: Vec<String>,
        same_template: bool,
        options: PlanOptions,
    ) -> Result<StackPlan, Error> {
        let s = &self.rendered.stacks[index];
        let mut security = Vec::new();
        let mut deployed_template = None;
        let (local, local_problem) = if same_template {
            (BTreeMap::new(), None)
        } else {
            let body = self
                .clients
                .cfn
                .get_template()
                .stack_name(&deployed.id)
                .send()
                .await
                .map_err(|e| aws("cloudformation:GetTemplate", e))?;
            if let Ok(found) =
                security::security_changes(body.template_body().unwrap_or_default(), &s.yaml)
            {
                security = found;
            }
            deployed_template = body.template_body().map(str::to_owned);
            match diff::template_changes(body.template_body().unwrap_or_default(), &s.yaml) {
                Ok(changes) => (changes, None),
                Err(problem) => (BTreeMap::new(), Some(problem)),
            }
        };
        let change_set = self.change_set(index, options.keep_change_sets).await?;
        let (change_set_id, sdk_changes) = match change_set {
            Some((id, changes)) => (Some(id), changes),
            None => (None, Vec::new()),
        };
        let mut changes: Vec<ResourceChange> = sdk_changes
            .iter()
            .map(|c| {
                let mut c = resource_change(c, &local);
                guard::assess(&mut c, &s.name, s.kind.slug(), &Allowances::default());
                c
            })
            .collect();
        if let Some(problem) = local_problem {
            for c in &mut changes {
                c.causes.push(problem.clone());
            }
        }
        if !same_template && changes.is_empty() && stack_changes.is_empty() {
            stack_changes.push(
                "the template differs without resource changes (descriptions, outputs or parameters)"
                    .to_owned(),
            );
        }
        let action = if changes.is_empty() && stack_changes.is_empty() {
            StackAction::None
        } else {
            StackAction::Update
        };
        Ok(StackPlan {
            name: s.name.clone(),
            kind: s.kind.slug().to_owned(),
            action,
            template_sha256: s.sha256.clone(),
            deployed: Some(deployed),
            changes,
            stack_changes,
            change_set_id: if options.keep_change_sets {
                change_set_id
            } else {
                None
            },
            security,
            deployed_template,
        })
    }

    /// Create an UPDATE change set, wait for it and read all its pages, then delete it unless
    /// kept. `None` when CloudFormation says there is nothing to change (either way it says so).
    async fn change_set(
        &self,
        index: usize,
        keep: bool,
    ) -> Result<Option<(String, Vec<SdkChange>)>, Error> {
        let s = &self.rendered.stacks[index];
        if self.gate.interrupted() {
            return Err(Error::Interrupted);
        }
        let cfn = &self.clients.cfn;
        let source = self.template_source(index).await?;
        let request = cfn
            .create_change_set()
            .stack_name(&s.name)
            .change_set_name(change_set_name(&self.run, s.kind.slug()))
            .client_token(self.run.token("change-set", &s.name))
            .change_set_type(ChangeSetType::Update)
            .description(if keep {
                crate::lock::KEPT_CHANGE_SET
            } else {
                crate::lock::TEMPORARY_CHANGE_SET
            })
            .capabilities(Capability::CapabilityNamedIam)
            .set_tags(Some(self.stack_tags(index)));
        let created = source.apply_to_change_set(request).send().await;
        let id = match created {
            Ok(out) => out.id().unwrap_or_default().to_owned(),
            Err(e) => {
                if e.as_service_error()
                    .is_some_and(|se| is_no_changes(&message_of(se)))
                {
                    return Ok(None);
                }
                return Err(aws("cloudformation:CreateChangeSet", e));
            }
        };
        let waited = self.wait_change_set(&s.name, &id).await;
        if !keep || !matches!(waited, Ok(Some(_))) {
            cfn.delete_change_set()
                .change_set_name(&id)
                .send()
                .await
                .map_err(|e| aws("cloudformation:DeleteChangeSet", e))?;
        }
        self.sweep_stale_change_sets(index, &id).await?;
        Ok(waited?.map(|changes| (id, changes)))
    }

    /// Delete the stack's temporary change sets that no plan will read: duplicates of this
    /// run's (same name, another id: a retried `CreateChangeSet`) and those older than
    /// [`STALE_CHANGE_SET`] (left by killed runs). Kept ones (saved plans) stay. One
    /// `ListChangeSets`, only for stacks that got a change set.
    async fn sweep_stale_change_sets(&self, index: usize, keep_id: &str) -> Result<(), Error> {
        let s = &self.rendered.stacks[index];
        let cfn = &self.clients.cfn;
        let mine = change_set_name(&self.run, s.kind.slug());
        let summaries: Vec<_> = cfn
            .list_change_sets()
            .stack_name(&s.name)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| aws("cloudformation:ListChangeSets", e))?;
        let now = SystemTime::now();
        for cs in summaries {
            // moto lists every stack's change sets whatever the stack asked for.
            if cs.stack_name() != Some(s.name.as_str())
                || cs.description() != Some(crate::lock::TEMPORARY_CHANGE_SET)
            {
                continue;
            }
            let Some(id) = cs.change_set_id() else {
                continue;
            };
            let duplicate = cs.change_set_name() == Some(mine.as_str()) && id != keep_id;
            let stale = cs
                .creation_time()
                .and_then(|t| SystemTime::try_from(*t).ok())
                .and_then(|t| now.duration_since(t).ok())
                .is_some_and(|age| age > STALE_CHANGE_SET);
            if duplicate || stale {
                cfn.delete_change_set()
                    .change_set_name(id)
                    .send()
                    .await
                    .map_err(|e| aws("cloudformation:DeleteChangeSet", e))?;
            }
        }
        Ok(())
    }

    pub(crate) async fn wait_change_set(
        &self,
        stack: &str,
        id: &str,
    ) -> Result<Option<Vec<SdkChange>>, Error> {
        let cfn = &self.clients.cfn;
        let started = std::time::Instant::now();
        loop {
            let out = cfn
                .describe_change_set()
                .change_set_name(id)
                .send()
                .await
                .map_err(|e| aws("cloudformation:DescribeChangeSet", e))?;
            match out.status() {
                Some(ChangeSetStatus::CreateComplete) => {
                    let mut changes: Vec<SdkChange> = out
                        .changes()
                        .iter()
                        .filter_map(|c| c.resource_change().cloned())
                        .collect();
                    let mut next = out.next_token().map(str::to_owned);
                    while let Some(token) = next {
                        let page = cfn
                            .describe_change_set()
                            .change_set_name(id)
                            .next_token(token)
                            .send()
                            .await
                            .map_err(|e| aws("cloudformation:DescribeChangeSet", e))?;
                        changes.extend(
                            page.changes()
                                .iter()
                                .filter_map(|c| c.resource_change().cloned()),
                        );
                        next = page.next_token().map(str::to_owned);
                    }
                    return Ok(Some(changes));
                }
                Some(ChangeSetStatus::Failed) => {
                    let reason = out.status_reason().unwrap_or_default();
                    if is_no_changes(reason) {
                        return Ok(None);
                    }
                    return Err(Error::ChangeSet {
                        stack: stack.to_owned(),
                        reason: reason.to_owned(),
                    });
                }
                _ => {}
            }
            if started.elapsed() > self.options.timeout {
                return Err(Error::Timeout {
                    what: format!("the change set of `{stack}`"),
                    seconds: self.options.timeout.as_secs(),
                });
            }
            tokio::time::sleep(self.options.poll_interval.min(Duration::from_secs(2))).await;
        }
    }
}

/// Merge a change set's resource change with the local diff of the same resource.
fn resource_change(c: &SdkChange, local: &BTreeMap<String, Vec<PropertyChange>>) -> ResourceChange {
    let logical_id = c.logical_resource_id().unwrap_or_default().to_owned();
    let action = match c.action().map(|a| a.as_str()) {
        Some("Add") => ChangeAction::Add,
        Some("Modify") => ChangeAction::Modify,
        Some("Remove") => ChangeAction::Remove,
        other => ChangeAction::Other(other.unwrap_or("unknown").to_owned()),
    };
    let mut causes: Vec<String> = Vec::new();
    for d in c.details() {
        let Some(t) = d.target() else { continue };
        let mut cause = t
            .attribute()
            .map(|a| a.as_str().to_owned())
            .unwrap_or_default();
        if let Some(name) = t.name() {
            cause.push('.');
            cause.push_str(name);
        }
        if let Some(src) = d.change_source() {
            cause.push_str(&format!(" ({}", src.as_str()));
            if let Some(entity) = d.causing_entity() {
                cause.push_str(&format!(": {entity}"));
            }
            cause.push(')');
        }
        if !causes.contains(&cause) {
            causes.push(cause);
        }
    }
    ResourceChange {
        properties: if action == ChangeAction::Modify {
            local.get(&logical_id).cloned().unwrap_or_default()
        } else {
            Vec::new()
        },
        action,
        logical_id,
        resource_type: c.resource_type().unwrap_or_default().to_owned(),
        physical_id: c.physical_resource_id().map(str::to_owned),
        replacement: c.replacement().map(|r| r.as_str().to_owned()),
        causes,
        replacement_reasons: Vec::new(),
        replacement_disagrees: false,
        guard: Verdict::Unguarded,
    }
}
