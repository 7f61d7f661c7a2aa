//! `plan`: what would change, per stack and resource, and why.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use aws_sdk_cloudformation::types::{
    Capability, ChangeSetStatus, ChangeSetType, ResourceChange as SdkChange,
};
use dap_planner::RenderedStack;
use serde::{Deserialize, Serialize};

use crate::diff::{self, PropertyChange};
use crate::error::{aws, is_no_changes, message_of};
use crate::guard::{self, Allowances, Loss, Verdict};
use crate::security::{self, SecurityChange};
use crate::state::{readiness, DeployedStack, Readiness};
use crate::{Error, Inner};

/// Options of [`Applier::plan`](crate::Applier::plan).
#[derive(Clone, Copy, Debug, Default)]
pub struct PlanOptions {
    /// Keep the change sets (their ids are in the plan) instead of deleting them.
    pub keep_change_sets: bool,
    /// Also create change sets for stacks whose recorded template hash matches: finds
    /// changes that come from outside the template, such as a new value of an SSM parameter
    /// the template reads. Costs four or more calls per stack.
    pub refresh: bool,
}

/// The version of the plan document ([`Plan`] as JSON). Bumped on any incompatible change;
/// `apply` refuses a saved plan of another version.
pub const PLAN_FORMAT_VERSION: u32 = 1;

/// What `apply` would do to an environment. As JSON, the plan document of
/// `dap plan --json` (docs/plan-format.md).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Plan {
    /// [`PLAN_FORMAT_VERSION`].
    pub format_version: u32,
    /// The environment.
    pub environment: String,
    /// Its account (verified against the credentials).
    pub account_id: String,
    /// Its region.
    pub region: String,
    /// Every stack, in deployment order.
    pub stacks: Vec<StackPlan>,
    /// The run's `--allow-replace` allowances (`<stack>/<logical id>`).
    #[serde(default)]
    pub allow_replace: Vec<String>,
    /// The run's `--allow-remove` allowances.
    #[serde(default)]
    pub allow_remove: Vec<String>,
    /// Whether the run may import existing resources (`--import`); a plan with imports
    /// and without it is refused by `apply`.
    #[serde(default)]
    pub allow_import: bool,
    /// Deployed stacks tagged with this environment that the model no longer has (a renamed
    /// prefix, a removed stack): `apply` never touches them; `dap destroy --orphans` deletes
    /// them (what they retain stays).
    #[serde(default)]
    pub orphans: Vec<crate::state::Orphan>,
}

/// What happens to a stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StackAction {
    /// It does not exist yet: every resource is added.
    Create,
    /// It exists and differs.
    Update,
    /// Nothing to do.
    None,
}

/// The plan of one stack.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StackPlan {
    /// The stack name.
    pub name: String,
    /// The stack's kind (`security`, `storage`, ...).
    pub kind: String,
    /// What happens to it.
    pub action: StackAction,
    /// The sha256 of the template that will be deployed.
    pub template_sha256: String,
    /// The stack as deployed, if it exists.
    pub deployed: Option<DeployedStack>,
    /// Resource changes, in template order for creations and change-set order otherwise.
    pub changes: Vec<ResourceChange>,
    /// Changes to the stack itself: tags, termination protection, a template that differs
    /// without resource changes.
    pub stack_changes: Vec<String>,
    /// The change set, when kept ([`PlanOptions::keep_change_sets`]).
    pub change_set_id: Option<String>,
    /// Policy statement changes, broadening first; for a stack being created, every statement
    /// it declares (`added`), which the text plan summarises per principal ([`crate::grants`]).
    #[serde(default)]
    pub security: Vec<SecurityChange>,
}

/// What happens to a resource.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeAction {
    /// A new resource.
    Add,
    /// A changed resource (perhaps replaced: see [`ResourceChange::replacement`]).
    Modify,
    /// A resource taken out of the template.
    Remove,
    /// A resource of a stack being created that already exists outside any stack (kept
    /// after a `destroy`, or built by hand): imported as it is (`apply --import`), then
    /// updated to the template. Its physical id is what it is imported by.
    Import,
    /// Another CloudFormation action (`Import`, `Dynamic`, ...), counted as a change.
    Other(String),
}

/// One resource's change.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ResourceChange {
    /// What happens.
    pub action: ChangeAction,
    /// The logical id.
    pub logical_id: String,
    /// The resource type, for example `AWS::S3::Bucket`.
    pub resource_type: String,
    /// The physical id, when the change set gives it.
    pub physical_id: Option<String>,
    /// CloudFormation's replacement verdict (`True`, `False`, `Conditional`) when the change
    /// set gives one (AWS does, moto does not).
    pub replacement: Option<String>,
    /// The changed values, from the local template diff.
    pub properties: Vec<PropertyChange>,
    /// What the change set names as causes (`Properties.LifecycleConfiguration`,
    /// `Tags`, ...), with the change source when given.
    pub causes: Vec<String>,
    /// The changed paths that force a replacement, predicted locally from the create-only
    /// properties of the type (empty: no replacement predicted).
    pub replacement_reasons: Vec<String>,
    /// CloudFormation's verdict (`True`/`False`) contradicts the local prediction.
    pub replacement_disagrees: bool,
    /// The data-loss guard's verdict.
    pub guard: Verdict,
}

impl ResourceChange {
    /// A change with nothing known beyond its action, id and type.
    pub fn new(action: ChangeAction, logical_id: String, resource_type: String) -> Self {
        ResourceChange {
            action,
            logical_id,
            resource_type,
            physical_id: None,
            replacement: None,
            properties: Vec::new(),
            causes: Vec::new(),
            replacement_reasons: Vec::new(),
            replacement_disagrees: false,
            guard: Verdict::Unguarded,
        }
    }

    /// Whether the resource is replaced: predicted locally, or said by CloudFormation
    /// (`True`, or `Conditional`, which the guard treats as a replacement).
    pub fn is_replacement(&self) -> bool {
        !self.replacement_reasons.is_empty()
            || matches!(self.replacement.as_deref(), Some("True" | "Conditional"))
    }
}

/// Resource counts of a plan.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Resources added.
    pub add: usize,
    /// Resources changed.
    pub change: usize,
    /// Resources removed.
    pub remove: usize,
    /// Stacks updated without resource changes (tags, outputs, termination protection).
    pub stack_only: usize,
    /// Existing resources adopted into a stack being created.
    #[serde(default)]
    pub import: usize,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} to add, {} to change, {} to remove",
            self.add, self.change, self.remove
        )?;
        if self.import > 0 {
            write!(f, ", {} to import", self.import)?;
        }
        if self.stack_only > 0 {
            write!(
                f,
                "; {} stack{} updated without resource changes",
                self.stack_only,
                if self.stack_only == 1 { "" } else { "s" }
            )?;
        }
        Ok(())
    }
}

impl Plan {
    /// The resource counts.
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for stack in &self.stacks {
            for c in &stack.changes {
                match c.action {
                    ChangeAction::Add => s.add += 1,
                    ChangeAction::Remove => s.remove += 1,
                    ChangeAction::Import => s.import += 1,
                    ChangeAction::Modify | ChangeAction::Other(_) => s.change += 1,
                }
            }
            if stack.action == StackAction::Update && stack.changes.is_empty() {
                s.stack_only += 1;
            }
        }
        s
    }

    /// Whether `apply` would change anything.
    pub fn has_changes(&self) -> bool {
        self.stacks.iter().any(|s| s.action != StackAction::None)
    }

    /// Judge every change again with the run's allowances. Returns the allowances that name
    /// no guarded change of the plan (a typo, or a change that is no longer planned).
    pub fn allow(&mut self, allowances: &Allowances) -> Vec<String> {
        self.allow_replace = allowances.replace.iter().cloned().collect();
        self.allow_remove = allowances.remove.iter().cloned().collect();
        let mut used: Vec<String> = Vec::new();
        for s in &mut self.stacks {
            for c in &mut s.changes {
                guard::assess(c, &s.name, &s.kind, allowances);
                if let Some(l) = guard::loss(c) {
                    for a in [
                        format!("{}/{}", s.name, c.logical_id),
                        format!("{}/{}", s.kind, c.logical_id),
                    ] {
                        used.push(format!("{l:?}:{a}"));
                    }
                }
            }
        }
        let mut unused = Vec::new();
        for (l, set) in [
            (Loss::Replace, &allowances.replace),
            (Loss::Remove, &allowances.remove),
        ] {
            for a in set {
                if !used.contains(&format!("{l:?}:{a}")) {
                    unused.push(format!(
                        "--allow-{} {a}",
                        if l == Loss::Replace {
                            "replace"
                        } else {
                            "remove"
                        }
                    ));
                }
            }
        }
        unused
    }

    /// Whether nothing of the environment is deployed yet: every stack is created and no
    /// orphan stack of the environment exists. Such a plan broadens nothing, since there is no
    /// access before it to broaden; its grants are summarised per principal instead
    /// ([`crate::grants`]).
    pub fn first_deploy(&self) -> bool {
        self.orphans.is_empty() && self.stacks.iter().all(|s| s.action == StackAction::Create)
    }

    /// On a first deploy, no statement is broadening (see [`first_deploy`](Self::first_deploy)).
    /// A stack created beside deployed ones keeps its verdicts: its grants are new access to a
    /// running platform.
    pub(crate) fn settle_first_deploy(&mut self) {
        if self.first_deploy() {
            for c in self.stacks.iter_mut().flat_map(|s| s.security.iter_mut()) {
                c.broadening = false;
            }
        }
    }

    /// The policy statement changes that grant more than before, with their stacks.
    pub fn broadening(&self) -> Vec<(&StackPlan, &SecurityChange)> {
        self.stacks
            .iter()
            .flat_map(|s| s.security.iter().map(move |c| (s, c)))
            .filter(|(_, c)| c.broadening)
            .collect()
    }

    /// The allowances recorded in the plan by [`allow`](Self::allow).
    pub fn allowances(&self) -> Allowances {
        Allowances {
            replace: self.allow_replace.iter().cloned().collect(),
            remove: self.allow_remove.iter().cloned().collect(),
        }
    }

    /// The imports of existing resources, with their stacks.
    pub fn imports(&self) -> Vec<(&StackPlan, &ResourceChange)> {
        self.stacks
            .iter()
            .flat_map(|s| s.changes.iter().map(move |c| (s, c)))
            .filter(|(_, c)| c.action == ChangeAction::Import)
            .collect()
    }

    /// The changes the guard blocks, with their stacks.
    pub fn blocked(&self) -> Vec<(&StackPlan, &ResourceChange)> {
        self.stacks
            .iter()
            .flat_map(|s| s.changes.iter().map(move |c| (s, c)))
            .filter(|(_, c)| c.guard == Verdict::Blocked)
            .collect()
    }
}

impl StackPlan {
    fn unchanged(s: &RenderedStack, deployed: DeployedStack) -> StackPlan {
        StackPlan {
            name: s.name.clone(),
            kind: s.kind.slug().to_owned(),
            action: StackAction::None,
            template_sha256: s.sha256.clone(),
            deployed: Some(deployed),
            changes: Vec::new(),
            stack_changes: Vec::new(),
            change_set_id: None,
            security: Vec::new(),
        }
    }

    /// A stack that does not exist yet: every resource of its template is added.
    fn create(s: &RenderedStack) -> StackPlan {
        StackPlan {
            name: s.name.clone(),
            kind: s.kind.slug().to_owned(),
            action: StackAction::Create,
            template_sha256: s.sha256.clone(),
            deployed: None,
            changes: s
                .template
                .resources
                .iter()
                .map(|(id, entry)| {
                    ResourceChange::new(ChangeAction::Add, id.clone(), entry.type_name().to_owned())
                })
                .collect(),
            stack_changes: Vec::new(),
            change_set_id: None,
            // Every statement of a new stack is gained: shown, and broadening where it grants.
            security: security::security_changes(EMPTY_TEMPLATE, &s.yaml).unwrap_or_default(),
        }
    }
}

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

/// What a stack that does not exist yet is compared with.
const EMPTY_TEMPLATE: &str = "Resources: {}";

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
