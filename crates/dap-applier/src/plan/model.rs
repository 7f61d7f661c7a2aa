//! The plan document: what would change, per stack and resource, and why (as JSON, the plan
//! of `dap plan --json`, docs/plan-format.md). Types and queries only; the change sets that
//! fill it are [`super::changeset`], the guard's judgement of it is [`crate::guard`].

use std::collections::BTreeSet;

use dap_planner::RenderedStack;
use serde::{Deserialize, Serialize};

use crate::diff::PropertyChange;
use crate::security::{self, SecurityChange};
use crate::state::DeployedStack;

/// What a stack that does not exist yet is compared with.
const EMPTY_TEMPLATE: &str = "Resources: {}";

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
    /// The deployed template's body, when the plan read it (its template differs from the
    /// new one): what the monthly cost change is computed from. Not part of the plan document.
    #[serde(skip)]
    pub deployed_template: Option<String>,
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
    pub(crate) fn unchanged(s: &RenderedStack, deployed: DeployedStack) -> StackPlan {
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
            deployed_template: None,
        }
    }

    /// A stack that does not exist yet: every resource of its template is added.
    pub(crate) fn create(s: &RenderedStack) -> StackPlan {
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
            deployed_template: None,
        }
    }
}

/// The guard's verdict on one change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Not a replacement or removal of a data-bearing resource.
    Unguarded,
    /// A data-bearing resource would be replaced or removed, and the run does not allow it.
    Blocked,
    /// As `Blocked`, but the run names it (`--allow-replace`, `--allow-remove`).
    Allowed,
}

/// What the guard guards against in a change, if anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Loss {
    /// The resource would be replaced (a new physical resource, the old one deleted or
    /// orphaned).
    Replace,
    /// The resource would be removed.
    Remove,
}

/// The changes a run allows, as `<stack>/<logical id>` (the stack by name, such as
/// `dap-dev-storage`, or by kind, such as `storage`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Allowances {
    /// Resources that may be replaced.
    pub replace: BTreeSet<String>,
    /// Resources that may be removed.
    pub remove: BTreeSet<String>,
}

impl Allowances {
    /// Whether `loss` of `logical_id` in the stack (name or kind) is allowed.
    pub fn allows(&self, loss: Loss, stack: &str, kind: &str, logical_id: &str) -> bool {
        let set = match loss {
            Loss::Replace => &self.replace,
            Loss::Remove => &self.remove,
        };
        set.contains(&format!("{stack}/{logical_id}"))
            || set.contains(&format!("{kind}/{logical_id}"))
    }
}
