//! The applier: plans, applies and destroys an environment's stacks on AWS, or on any
//! endpoint that speaks its protocols (a local moto server).
//!
//! It is the only crate that talks to AWS. It takes the planner's
//! [`dap_planner::Rendered`] templates and manifest and the [`Environment`], and
//! [`Clients`] built from an `SdkConfig` ([`load_clients`] loads one from the standard chain).
//!
//! - [`Applier::connect`] pins the account: it checks the configured region, assumes the
//!   environment's deploy role when it names one (`sts:AssumeRole`), then calls
//!   `sts:GetCallerIdentity` before anything else and refuses another account than the
//!   environment's (for the assumed identity when there is a deploy role). Every other operation is a method of the [`Applier`] it returns.
//! - [`Applier::plan`] reads the deployed state with one paginated `DescribeStacks`. Each
//!   stack carries a `dap:template-sha256` tag with the sha256 of the template last deployed,
//!   so an unchanged stack costs no further call. A stack that differs gets a change set
//!   (addressed by ARN, waited for, every page read, then deleted); a stack that does not
//!   exist is shown as the creation of every resource. The resulting [`Plan`] lists per stack
//!   and resource what is added, modified or removed and why (the changed property paths with
//!   their values before and after, from a local diff of the deployed and new templates).
//!   "No changes", in each form AWS and moto answer it, is a plan without changes.
//! - [`Applier::apply`] uploads the assets a stack refers to (content-addressed; skipped when
//!   `HeadObject` shows the same sha256), then creates or updates the stacks in dependency
//!   order, independent ones at the same time, waits for each, and skips the dependents of a
//!   failed stack. It returns an [`ApplyReport`]; a failed stack is an outcome, not an `Err`.
//! - [`Applier::destroy_plan`] and [`Applier::destroy`] delete the stacks, dependents first,
//!   refuse `strict` environments, and list the resources left in place by their
//!   `DeletionPolicy: Retain`.
//!
//! - [`guard`] predicts replacements from the create-only properties of each resource type
//!   and blocks the replacement or removal of data-bearing resources unless the run names
//!   each one ([`Allowances`], [`Plan::allow`]); `apply` refuses a plan with a blocked change.
//!   `strict` and `standard` stacks get a stack policy denying both.
//! - A [`Plan`] serializes to the versioned plan document; [`Applier::check_saved`] refuses
//!   a saved one when the account, a template or a deployed stack changed since, then plans
//!   again and refuses it when its changes differ from what planning now gives (the file is
//!   verified, never trusted).
//!
//! - [`Applier::verify`] reads the live account back through IAM, KMS, CloudTrail,
//!   CloudWatch, CloudWatch Logs, SNS and S3 and compares it with the model, check by check,
//!   including the access the live policies give ([`verify`]).
//!
//! - [`Applier::lock`] takes the environment's lock (a tiny stack `<prefix>-lock` made with
//!   an atomic `CreateStack`) before `apply` or `destroy` changes anything; a second run is
//!   refused with [`Error::Locked`] naming the holder and since when. [`Applier::unlock`]
//!   releases it, also one left by a killed run.
//!
//! Every request is counted by an SDK interceptor ([`CallCounter`]).
//!
//! ```no_run
//! # async fn example() -> Result<(), dap_applier::Error> {
//! let env = dap_config::parse("local.yaml", include_str!("../../../environments/local.yaml"))
//!     .unwrap();
//! let rendered = dap_planner::render(&env).unwrap();
//! let clients = dap_applier::load_clients(&env, &Default::default()).await;
//! let applier = dap_applier::Applier::connect(clients, &env, rendered, Default::default()).await?;
//! let plan = applier.plan(Default::default()).await?;
//! println!("{}", plan.summary()); // "100 to add, 0 to change, 0 to remove" from nothing
//! let report = applier.apply(&plan, std::sync::Arc::new(dap_applier::Quiet)).await?;
//! assert!(report.succeeded());
//! println!("{}", applier.calls());
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

mod adopt;
mod apply;
mod approval;
mod assets;
mod budget;
mod clients;
mod connect;
mod credentials;
mod destroy;
pub mod diff;
mod error;
mod events;
pub mod grants;
pub mod guard;
mod interrupt;
mod lock;
mod plan;
pub mod security;
mod state;
mod token;
pub mod verify;

use std::sync::Arc;
use std::time::Duration;

use dap_config::Environment;
use dap_planner::names::{Names, Zone};
use dap_planner::Rendered;

pub use apply::{ApplyReport, StackOutcome, StackReport};
pub use approval::{broadening_approval, BroadeningApproval};
pub use assets::AssetOutcome;
pub use budget::{ConnectBudget, CONNECT_RETRIES, CONNECT_TIMEOUT};
pub use clients::{CallCounter, CallCounts, Clients, ReadClients};
pub use connect::{load_clients, retry_config, ConnectOptions, MAX_ATTEMPTS};
pub use destroy::{DestroyPlan, DestroyReport, DestroyStack, Retained};
pub use diff::PropertyChange;
pub use error::{is_no_changes, Error};
pub use events::{Event, Observer, Quiet};
pub use guard::{Allowances, Verdict};
pub use lock::{LockInfo, LOCK_HOLDER_TAG, LOCK_OPERATION_TAG, LOCK_SINCE_TAG};
pub use plan::{
    ChangeAction, Plan, PlanOptions, ResourceChange, StackAction, StackPlan, Summary,
    PLAN_FORMAT_VERSION,
};
pub use security::SecurityChange;
pub use state::{
    readiness, DeployedStack, Orphan, Output, Readiness, ENVIRONMENT_TAG, TEMPLATE_SHA_TAG,
};
pub use verify::{Check, Verification, VERIFY_FORMAT_VERSION};

/// Tuning of waits and limits.
#[derive(Clone, Debug)]
pub struct Options {
    /// Pause between two polls of a stack or change set that is still in progress (the
    /// first poll is immediate).
    pub poll_interval: Duration,
    /// Give up waiting for one stack or change set after this long.
    pub timeout: Duration,
    /// Templates larger than this go through the assets bucket (`TemplateURL`).
    /// CloudFormation's limit by default; lower only to exercise that path in tests.
    pub inline_template_limit: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            poll_interval: Duration::from_secs(5),
            timeout: Duration::from_secs(3600),
            inline_template_limit: dap_planner::manifest::INLINE_TEMPLATE_LIMIT,
        }
    }
}

/// Who the credentials are, as `sts:GetCallerIdentity` says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// The account id (equal to the environment's).
    pub account: String,
    /// The caller's ARN.
    pub arn: String,
    /// The region (equal to the environment's).
    pub region: String,
}

/// An environment connected to its verified account. Cheap to share: clones share the state.
#[derive(Clone)]
pub struct Applier {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) clients: Clients,
    pub(crate) env: Environment,
    pub(crate) rendered: Rendered,
    pub(crate) names: Names,
    pub(crate) assets_bucket: String,
    pub(crate) options: Options,
    pub(crate) identity: Identity,
    /// Whether the run was interrupted, and the stacks in progress.
    pub(crate) gate: interrupt::Gate,
    /// This run, for the client request tokens of its writes.
    pub(crate) run: token::Run,
}

impl Applier {
    /// Pin the environment's region and account, then hand back the applier. The region is
    /// checked first (no call); then `sts:GetCallerIdentity` is the first call made. On a
    /// mismatch nothing else is called.
    pub async fn connect(
        clients: Clients,
        env: &Environment,
        rendered: Rendered,
        options: Options,
    ) -> Result<Applier, Error> {
        let region = clients.region().unwrap_or_else(|| "(none)".to_owned());
        if region != env.region {
            return Err(Error::WrongRegion {
                env: env.name.clone(),
                expected: env.region.clone(),
                actual: region,
            });
        }
        if let Some(credentials) = &clients.credentials {
            credentials::resolve(credentials, clients.profile.as_deref()).await?;
        }
        if let Some(assumed) = &clients.assumed {
            credentials::check_assumed(assumed, &env.name).await?;
        }
        let me = clients
            .sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| error::aws("sts:GetCallerIdentity", e))?;
        let account = me.account().unwrap_or_default().to_owned();
        let arn = me.arn().unwrap_or_default().to_owned();
        if account != env.account_id {
            return Err(Error::WrongAccount {
                env: env.name.clone(),
                expected: env.account_id.clone(),
                actual: account,
                arn,
            });
        }
        let names = Names::new(env);
        Ok(Applier {
            inner: Arc::new(Inner {
                assets_bucket: names.bucket(Zone::Assets),
                names,
                clients,
                env: env.clone(),
                rendered,
                options,
                identity: Identity {
                    account,
                    arn,
                    region,
                },
                gate: Default::default(),
                run: token::Run::new(),
            }),
        })
    }

    /// Stop the run (Ctrl-C, SIGTERM): `apply` and `destroy` start no further stack (they
    /// end as [`StackOutcome::NotStarted`]) and return once those in progress finished.
    /// Returns the stacks in progress at this moment: none means nothing is left to wait for.
    pub fn interrupt(&self) -> Vec<String> {
        self.inner.gate.interrupt()
    }

    /// Whether [`interrupt`](Self::interrupt) was called.
    pub fn interrupted(&self) -> bool {
        self.inner.gate.interrupted()
    }

    /// The stacks `apply` or `destroy` is creating, updating or deleting now.
    pub fn in_progress(&self) -> Vec<String> {
        self.inner.gate.running()
    }

    /// The verified identity.
    pub fn identity(&self) -> &Identity {
        &self.inner.identity
    }

    /// The requests made so far by this applier's clients.
    pub fn calls(&self) -> CallCounts {
        self.inner.clients.calls().snapshot()
    }

    /// The counter itself, to measure one operation with [`CallCounter::since`].
    pub fn call_counter(&self) -> &CallCounter {
        self.inner.clients.calls()
    }

    /// What [`apply`](Self::apply) would change.
    pub async fn plan(&self, options: PlanOptions) -> Result<Plan, Error> {
        self.inner.plan(options).await
    }

    /// Before saving a plan: record the deployed stacks as one more `DescribeStacks` shows
    /// them after the plan's change sets were made and deleted, so that
    /// [`check_saved`](Self::check_saved) compares with the state the plan was reviewed in.
    pub async fn record_deployed(&self, plan: &mut Plan) -> Result<(), Error> {
        self.inner.record_deployed(plan).await
    }

    /// Check a plan saved earlier (`dap plan --out`) before [`apply`](Self::apply): the
    /// format version, environment, account and region, every template hash against the
    /// current render, and every deployed stack against a fresh `DescribeStacks` (status,
    /// last update, template tag); then plans again (change sets, as [`plan`](Self::plan))
    /// and compares every stack's action, resource changes and stack changes with the
    /// file's. Returns the plan computed now, judged with the file's recorded allowances, so
    /// the guard sees what will really happen; [`Error::StalePlan`] says what differs.
    pub async fn check_saved(&self, saved: Plan) -> Result<Plan, Error> {
        self.inner.check_saved(saved).await
    }

    /// Deploy a plan made by [`plan`](Self::plan) from the same render. Stacks without
    /// changes are not touched.
    pub async fn apply(
        &self,
        plan: &Plan,
        observer: Arc<dyn Observer>,
    ) -> Result<ApplyReport, Error> {
        self.inner.apply(plan, observer).await
    }

    /// Compare the live account with the model: IAM, KMS, CloudTrail, CloudWatch and its
    /// logs, SNS and S3, and the access the live policies give ([`verify`]). Reads only.
    pub async fn verify(&self) -> Result<Verification, Error> {
        self.inner.verify().await
    }

    /// What [`destroy`](Self::destroy) would delete and leave in place. Refuses `strict`.
    pub async fn destroy_plan(&self) -> Result<DestroyPlan, Error> {
        self.inner.destroy_plan().await
    }

    /// What `destroy --orphans` would delete: the deployed stacks tagged with the
    /// environment that the model no longer has, and what they retain. Refuses `strict`.
    pub async fn orphans_destroy_plan(&self) -> Result<DestroyPlan, Error> {
        self.inner.orphans_destroy_plan().await
    }

    /// Delete the stacks of a destroy plan, dependents first. Refuses `strict`.
    pub async fn destroy(
        &self,
        plan: &DestroyPlan,
        observer: Arc<dyn Observer>,
    ) -> Result<DestroyReport, Error> {
        self.inner.destroy(plan, observer).await
    }
}
