//! Reading the live account: every service at once, list calls where one serves.
//!
//! | service | calls |
//! |---|---|
//! | IAM | `GetAccountAuthorizationDetails` (roles and local policies, every page); `GetPolicy` and `GetPolicyVersion` only for an AWS managed policy found attached to a platform role |
//! | KMS | `ListAliases`; per key `DescribeKey`, `GetKeyRotationStatus`, `GetKeyPolicy`, `ListGrants` |
//! | CloudFormation | `ListStackResources` of the stacks holding keys (which key each stack made) |
//! | CloudTrail | `GetTrail`, `GetTrailStatus`, `GetEventSelectors` |
//! | CloudWatch Logs | `DescribeLogGroups` per name prefix; `DescribeMetricFilters` per log group that has filters |
//! | CloudWatch | `DescribeAlarms` by the alarms' common prefix |
//! | SNS | `ListSubscriptionsByTopic` per topic |
//! | S3 | per bucket `GetBucketEncryption`, `GetPublicAccessBlock`, `GetBucketVersioning`, `GetBucketOwnershipControls`, `GetBucketPolicy` |
//!
//! "Not found" answers are facts (the thing is missing); any other error stops `verify`.

use std::collections::{BTreeMap, BTreeSet};

use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures_util::future::join_all;

use super::expect::Expected;
use crate::clients::Clients;
use crate::error::aws;
use crate::Error;

/// A role as IAM holds it.
#[derive(Clone, Debug, Default)]
pub struct Role {
    /// The trust policy (JSON, URL-encoded as IAM returns it).
    pub trust: String,
    /// Inline policies: name → document.
    pub inline: BTreeMap<String, String>,
    /// Attached managed policies (ARNs).
    pub managed: BTreeSet<String>,
    /// The permissions boundary (ARN).
    pub boundary: Option<String>,
}

/// A managed policy's default version.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    /// Its default version id.
    pub version: String,
    /// That version's document.
    pub document: String,
}

/// A key as KMS holds it.
#[derive(Clone, Debug, Default)]
pub struct Key {
    /// Its id.
    pub id: String,
    /// Its ARN.
    pub arn: String,
    /// `Enabled`, `Disabled`, `PendingDeletion`, …
    pub state: String,
    /// `CUSTOMER` or `AWS`.
    pub manager: String,
    /// `SYMMETRIC_DEFAULT`, …
    pub spec: String,
    /// Rotation on.
    pub rotation: bool,
    /// The key policy.
    pub policy: String,
    /// Grants: `grantee: operations`.
    pub grants: Vec<String>,
    /// Why the key could not be read (its policy is not a document); the fields above are
    /// then empty.
    pub unreadable: Option<String>,
}

/// The trail as CloudTrail holds it.
#[derive(Clone, Debug, Default)]
pub struct Trail {
    /// Its bucket.
    pub bucket: String,
    /// Multi-region.
    pub multi_region: bool,
    /// Global service events.
    pub global_events: bool,
    /// Log file validation.
    pub validation: bool,
    /// Its key (ARN or id).
    pub key: Option<String>,
    /// Its log group's ARN.
    pub log_group_arn: Option<String>,
    /// Logging.
    pub logging: bool,
    /// The latest delivery error.
    pub delivery_error: Option<String>,
    /// Data resources recorded (`AWS::S3::Object arn:…/`), from basic and advanced selectors.
    pub data_resources: BTreeSet<String>,
    /// Management events recorded.
    pub management_events: bool,
}

/// A log group.
#[derive(Clone, Debug, Default)]
pub struct LogGroup {
    /// Retention in days (none: never expire).
    pub retention: Option<i32>,
    /// Its key's ARN.
    pub key: Option<String>,
}

/// A metric filter.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Its log group.
    pub log_group: String,
    /// Its pattern.
    pub pattern: String,
    /// `namespace/metric` of each transformation.
    pub metrics: Vec<String>,
}

/// An alarm.
#[derive(Clone, Debug, Default)]
pub struct Alarm {
    /// `namespace/metric`.
    pub metric: String,
    /// Alarm actions, sorted.
    pub actions: Vec<String>,
    /// Actions enabled.
    pub enabled: bool,
}

/// A bucket's settings.
#[derive(Clone, Debug, Default)]
pub struct Bucket {
    /// Whether it exists.
    pub exists: bool,
    /// Default encryption algorithm.
    pub sse: Option<String>,
    /// Its key (ARN or id).
    pub key: Option<String>,
    /// Public access block (four flags).
    pub public_access: Option<[bool; 4]>,
    /// Versioning status.
    pub versioning: Option<String>,
    /// Object ownership.
    pub ownership: Option<String>,
    /// The bucket policy.
    pub policy: Option<String>,
}

/// Everything read.
#[derive(Clone, Debug, Default)]
pub struct Live {
    /// Roles by name (the model's only; others are not read further).
    pub roles: BTreeMap<String, Role>,
    /// Customer managed policies by ARN, and AWS managed ones attached to a platform role.
    pub policies: BTreeMap<String, Policy>,
    /// Aliases: name → target key id.
    pub aliases: BTreeMap<String, String>,
    /// The key each stack deployed: logical id → key id.
    pub stack_keys: BTreeMap<String, String>,
    /// Keys by logical id (found through the stack, else the alias).
    pub keys: BTreeMap<String, Key>,
    /// The trail, if it exists.
    pub trail: Option<Trail>,
    /// Log groups by name.
    pub log_groups: BTreeMap<String, LogGroup>,
    /// Metric filters by name.
    pub filters: BTreeMap<String, Filter>,
    /// Alarms by name.
    pub alarms: BTreeMap<String, Alarm>,
    /// Subscriptions by topic ARN: `protocol endpoint` (none when the topic is missing).
    pub subscriptions: BTreeMap<String, Option<Vec<(String, String)>>>,
    /// Buckets by name.
    pub buckets: BTreeMap<String, Bucket>,
}

impl Live {
    /// A key ARN (or id) as the model names it: the stand-in ARN of its logical id.
    pub fn key_logical(&self, key: &str) -> Option<&str> {
        let id = key.rsplit('/').next().unwrap_or(key);
        if key.contains(":alias/") || key.starts_with("alias/") {
            let alias = format!("alias/{id}");
            let target = self.aliases.get(&alias)?;
            return self.key_logical(target);
        }
        self.keys
            .iter()
            .find(|(_, k)| k.id == id || k.arn == key)
            .map(|(l, _)| l.as_str())
    }

    /// A live key reference as the model names it: the logical id of a platform key, or the
    /// reference itself for any other key.
    pub fn key_name(&self, key: Option<&str>) -> Option<String> {
        let key = key?;
        Some(
            self.key_logical(key)
                .map(str::to_owned)
                .unwrap_or_else(|| key.to_owned()),
        )
    }

    /// Live JSON with every platform key's ARN replaced by its stand-in (what the model's
    /// policies name), so documents compare.
    pub fn with_stand_ins(&self, json: &str, pin: &dap_model::Pin) -> String {
        let mut out = json.to_owned();
        for (logical, k) in &self.keys {
            if !k.arn.is_empty() {
                out = out.replace(
                    &k.arn,
                    &format!(
                        "arn:{}:kms:{}:{}:key/{logical}",
                        pin.partition, pin.region, pin.account
                    ),
                );
            }
        }
        out
    }
}

fn not_found<E: ProvideErrorMetadata>(e: &E, codes: &[&str]) -> bool {
    e.code().is_some_and(|c| codes.contains(&c))
}

/// A successful HTTP answer the SDK cannot read (moto answers a few reads in another shape
/// than AWS): the value is reported as unreadable rather than stopping `verify`.
fn unreadable<E: ProvideErrorMetadata, R>(
    e: &aws_smithy_runtime_api::client::result::SdkError<E, R>,
) -> bool
where
    R: HttpStatus,
{
    e.code().is_none() && e.raw_response().is_some_and(HttpStatus::success)
}

/// The status of a raw response, whatever its type.
trait HttpStatus {
    fn success(&self) -> bool;
}

impl HttpStatus for aws_smithy_runtime_api::http::Response {
    fn success(&self) -> bool {
        self.status().is_success()
    }
}

const UNREADABLE: &str = "(an answer the SDK cannot read)";

/// The text of the first `<name>…</name>` of an XML answer.
fn element(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{name}>"))? + start;
    Some(xml[start..end].trim().to_owned())
}

/// Read what the model names.
pub(crate) async fn read(
    clients: &Clients,
    rendered: &dap_planner::Rendered,
    expected: &Expected,
) -> Result<Live, Error> {
    let (iam, keys, trail, logs, alarms, subs, buckets) = tokio::join!(
        read_iam(clients, expected),
        read_keys(clients, rendered, expected),
        read_trail(clients, expected),
        read_logs(clients, expected),
        read_alarms(clients, expected),
        read_subscriptions(clients, expected),
        read_buckets(clients, expected),
    );
    let (roles, policies) = iam?;
    let (aliases, stack_keys, keys) = keys?;
    let (log_groups, filters) = logs?;
    Ok(Live {
        roles,
        policies,
        aliases,
        stack_keys,
        keys,
        trail: trail?,
        log_groups,
        filters,
        alarms: alarms?,
        subscriptions: subs?,
        buckets: buckets?,
    })
}

type IamRead = (BTreeMap<String, Role>, BTreeMap<String, Policy>);

async fn read_iam(clients: &Clients, expected: &Expected) -> Result<IamRead, Error> {
    use aws_sdk_iam::types::EntityType;
    let iam = &clients.read.iam;
    let ours: BTreeSet<&str> = expected.roles.iter().map(|r| r.name.as_str()).collect();
    let mut roles = BTreeMap::new();
    let mut policies = BTreeMap::new();
    let mut pages = iam
        .get_account_authorization_details()
        .filter(EntityType::Role)
        .filter(EntityType::LocalManagedPolicy)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws("iam:GetAccountAuthorizationDetails", e))?;
        for r in page.role_detail_list() {
            let name = r.role_name().unwrap_or_default();
            if !ours.contains(name) {
                continue;
            }
            roles.insert(
                name.to_owned(),
                Role {
                    trust: r
                        .assume_role_policy_document()
                        .unwrap_or_default()
                        .to_owned(),
                    inline: r
                        .role_policy_list()
                        .iter()
                        .map(|p| {
                            (
                                p.policy_name().unwrap_or_default().to_owned(),
                                p.policy_document().unwrap_or_default().to_owned(),
                            )
                        })
                        .collect(),
                    managed: r
                        .attached_managed_policies()
                        .iter()
                        .filter_map(|p| p.policy_arn().map(str::to_owned))
                        .collect(),
                    boundary: r
                        .permissions_boundary()
                        .and_then(|b| b.permissions_boundary_arn().map(str::to_owned)),
                },
            );
        }
        for p in page.policies() {
            let version = p.default_version_id().unwrap_or_default();
            let document = p
                .policy_version_list()
                .iter()
                .find(|v| v.is_default_version() || v.version_id() == Some(version))
                .and_then(|v| v.document())
                .unwrap_or_default();
            policies.insert(
                p.arn().unwrap_or_default().to_owned(),
                Policy {
                    version: version.to_owned(),
                    document: document.to_owned(),
                },
            );
        }
    }
    // AWS managed policies attached to a platform role: their documents, for the access
    // check (only when there are any: a clean platform attaches none).
    let foreign: BTreeSet<String> = roles
        .values()
        .flat_map(|r| r.managed.iter())
        .filter(|arn| !policies.contains_key(*arn))
        .cloned()
        .collect();
    let read = join_all(foreign.into_iter().map(|arn| async move {
        let p = iam
            .get_policy()
            .policy_arn(&arn)
            .send()
            .await
            .map_err(|e| aws("iam:GetPolicy", e))?;
        let version = p
            .policy()
            .and_then(|p| p.default_version_id())
            .unwrap_or("v1")
            .to_owned();
        let v = iam
            .get_policy_version()
            .policy_arn(&arn)
            .version_id(&version)
            .send()
            .await
            .map_err(|e| aws("iam:GetPolicyVersion", e))?;
        let document = v
            .policy_version()
            .and_then(|v| v.document())
            .unwrap_or_default()
            .to_owned();
        Ok::<_, Error>((arn, Policy { version, document }))
    }))
    .await;
    for r in read {
        let (arn, p) = r?;
        policies.insert(arn, p);
    }
    Ok((roles, policies))
}

type KeysRead = (
    BTreeMap<String, String>,
    BTreeMap<String, String>,
    BTreeMap<String, Key>,
);

async fn read_keys(
    clients: &Clients,
    rendered: &dap_planner::Rendered,
    expected: &Expected,
) -> Result<KeysRead, Error> {
    let kms = &clients.read.kms;
    let aliases = list_aliases(kms).await?;
    let stack_keys = read_stack_keys(clients, rendered, expected).await?;
    let reads = join_all(expected.keys.iter().map(|k| {
        let id = stack_keys
            .get(&k.logical_id)
            .cloned()
            .or_else(|| k.alias.as_ref().and_then(|a| aliases.get(a)).cloned());
        read_key(kms, expected, &k.logical_id, id)
    }))
    .await;
    let mut keys = BTreeMap::new();
    for r in reads {
        if let Some((l, k)) = r? {
            keys.insert(l, k);
        }
    }
    Ok((aliases, stack_keys, keys))
}

/// Every KMS alias: name → target key id.
async fn list_aliases(kms: &aws_sdk_kms::Client) -> Result<BTreeMap<String, String>, Error> {
    let mut aliases = BTreeMap::new();
    let mut pages = kms.list_aliases().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws("kms:ListAliases", e))?;
        for a in page.aliases() {
            if let (Some(name), Some(target)) = (a.alias_name(), a.target_key_id()) {
                aliases.insert(name.to_owned(), target.to_owned());
            }
        }
    }
    Ok(aliases)
}

/// Which key each stack made (logical id → key id): the stacks that hold keys, one call each,
/// all at once.
async fn read_stack_keys(
    clients: &Clients,
    rendered: &dap_planner::Rendered,
    expected: &Expected,
) -> Result<BTreeMap<String, String>, Error> {
    let stacks: BTreeSet<&str> = expected.keys.iter().map(|k| k.stack.as_str()).collect();
    let mut stack_keys = BTreeMap::new();
    let listed = join_all(stacks.into_iter().filter_map(|slug| {
        let name = rendered
            .stacks
            .iter()
            .find(|s| s.kind.slug() == slug)?
            .name
            .clone();
        Some(list_stack_keys(clients, name))
    }))
    .await;
    for l in listed {
        stack_keys.extend(l?);
    }
    Ok(stack_keys)
}

/// The keys of one stack: (logical id, key id) of each `AWS::KMS::Key`; none when the stack
/// does not exist.
async fn list_stack_keys(clients: &Clients, name: String) -> Result<Vec<(String, String)>, Error> {
    let mut found = Vec::new();
    let mut pages = clients
        .cfn
        .list_stack_resources()
        .stack_name(&name)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => {
                for r in page.stack_resource_summaries() {
                    if r.resource_type() == Some("AWS::KMS::Key") {
                        if let (Some(l), Some(p)) =
                            (r.logical_resource_id(), r.physical_resource_id())
                        {
                            found.push((l.to_owned(), p.to_owned()));
                        }
                    }
                }
            }
            // A stack that does not exist made no key.
            Err(e) if e.message().is_some_and(|m| m.contains("does not exist")) => break,
            Err(e) => return Err(aws("cloudformation:ListStackResources", e)),
        }
    }
    Ok(found)
}

/// A key's policy as KMS answers it.
enum KeyPolicy {
    /// The key does not exist.
    Gone,
    /// The answer is not a policy document: why.
    Unreadable(String),
    /// The policy document.
    Document(String),
}

/// Read one key of the model (`logical_id`, found live as `id`): its policy first, then its
/// metadata, and its rotation and grants together; `None` when it is not found.
async fn read_key(
    kms: &aws_sdk_kms::Client,
    expected: &Expected,
    logical_id: &str,
    id: Option<String>,
) -> Result<Option<(String, Key)>, Error> {
    let Some(id) = id else {
        return Ok(None);
    };
    // The key policy first: a key whose policy cannot be read (moto's CloudFormation
    // stores it as an object, and then fails every call that reads it) is reported
    // as such, and its other reads are not made.
    let policy = match read_key_policy(kms, &id).await? {
        KeyPolicy::Gone => return Ok(None),
        KeyPolicy::Document(p) => p,
        KeyPolicy::Unreadable(problem) => {
            let pin = expected
                .pin
                .clone()
                .unwrap_or_else(|| dap_model::Pin::new("", ""));
            let stand_in_arn = format!(
                "arn:{}:kms:{}:{}:key/{id}",
                pin.partition, pin.region, pin.account
            );
            return Ok(Some((
                logical_id.to_owned(),
                Key {
                    id: id.clone(),
                    arn: stand_in_arn,
                    unreadable: Some(problem),
                    ..Key::default()
                },
            )));
        }
    };
    let described = match kms.describe_key().key_id(&id).send().await {
        Ok(d) => d,
        Err(e) if not_found(&e, &["NotFoundException"]) => return Ok(None),
        Err(e) => return Err(aws("kms:DescribeKey", e)),
    };
    let (rotation, grants) = tokio::join!(
        kms.get_key_rotation_status().key_id(&id).send(),
        list_grants(kms, &id)
    );
    let rotation = match rotation {
        Ok(r) => r.key_rotation_enabled(),
        Err(e) => return Err(aws("kms:GetKeyRotationStatus", e)),
    };
    Ok(Some((
        logical_id.to_owned(),
        key_of_metadata(described.key_metadata(), &id, rotation, policy, grants?),
    )))
}

/// A key's `default` policy: the document, or why it cannot be read, or that the key is gone.
async fn read_key_policy(kms: &aws_sdk_kms::Client, id: &str) -> Result<KeyPolicy, Error> {
    match kms
        .get_key_policy()
        .key_id(id)
        .policy_name("default")
        .send()
        .await
    {
        Ok(p) => Ok(KeyPolicy::Document(p.policy().unwrap_or_default().to_owned())),
        Err(e) if not_found(&e, &["NotFoundException"]) => Ok(KeyPolicy::Gone),
        Err(e) if unreadable(&e) => Ok(KeyPolicy::Unreadable(
            "kms:GetKeyPolicy answered something that is not a policy document (moto's CloudFormation stores key policies that way)".to_owned(),
        )),
        Err(e) => Err(aws("kms:GetKeyPolicy", e)),
    }
}

/// A key's grants, every page: `grantee may operations`.
async fn list_grants(kms: &aws_sdk_kms::Client, id: &str) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    let mut pages = kms.list_grants().key_id(id).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws("kms:ListGrants", e))?;
        for g in page.grants() {
            let ops: Vec<&str> = g.operations().iter().map(|o| o.as_str()).collect();
            out.push(format!(
                "{} may {}",
                g.grantee_principal().unwrap_or("(unknown)"),
                ops.join(", ")
            ));
        }
    }
    Ok(out)
}

/// A readable key from `DescribeKey`'s metadata (`id` where it has none) and its other reads.
fn key_of_metadata(
    meta: Option<&aws_sdk_kms::types::KeyMetadata>,
    id: &str,
    rotation: bool,
    policy: String,
    grants: Vec<String>,
) -> Key {
    Key {
        id: meta.map(|m| m.key_id().to_owned()).unwrap_or(id.to_owned()),
        arn: meta.and_then(|m| m.arn()).unwrap_or_default().to_owned(),
        state: meta
            .and_then(|m| m.key_state())
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        manager: meta
            .and_then(|m| m.key_manager())
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        spec: meta
            .and_then(|m| m.key_spec())
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        rotation,
        policy,
        grants,
        unreadable: None,
    }
}

async fn read_trail(clients: &Clients, expected: &Expected) -> Result<Option<Trail>, Error> {
    let Some(want) = &expected.trail else {
        return Ok(None);
    };
    let ct = &clients.read.cloudtrail;
    const MISSING: &[&str] = &["TrailNotFoundException"];
    let (trail, status, selectors) = tokio::join!(
        ct.get_trail().name(&want.name).send(),
        ct.get_trail_status().name(&want.name).send(),
        ct.get_event_selectors().trail_name(&want.name).send(),
    );
    let trail = match trail {
        Ok(t) => t,
        Err(e) if not_found(&e, MISSING) => return Ok(None),
        Err(e) => return Err(aws("cloudtrail:GetTrail", e)),
    };
    let Some(t) = trail.trail() else {
        return Ok(None);
    };
    let status = match status {
        Ok(s) => s,
        Err(e) if not_found(&e, MISSING) => return Ok(None),
        Err(e) => return Err(aws("cloudtrail:GetTrailStatus", e)),
    };
    let selectors = match selectors {
        Ok(s) => s,
        Err(e) if not_found(&e, MISSING) => return Ok(None),
        Err(e) => return Err(aws("cloudtrail:GetEventSelectors", e)),
    };
    let mut data = BTreeSet::new();
    let mut management = false;
    for sel in selectors.event_selectors() {
        management |= sel.include_management_events().unwrap_or(true);
        for d in sel.data_resources() {
            for v in d.values() {
                data.insert(format!("{} {v}", d.r#type().unwrap_or_default()));
            }
        }
    }
    for adv in selectors.advanced_event_selectors() {
        let fields = adv.field_selectors();
        let category = fields
            .iter()
            .find(|f| f.field() == "eventCategory")
            .map(|f| f.equals().to_vec())
            .unwrap_or_default();
        if category.iter().any(|c| c == "Management") {
            management = true;
        }
        if category.iter().any(|c| c == "Data") {
            let ty = fields
                .iter()
                .find(|f| f.field() == "resources.type")
                .and_then(|f| f.equals().first().cloned())
                .unwrap_or_default();
            for f in fields.iter().filter(|f| f.field() == "resources.ARN") {
                for v in f.starts_with() {
                    data.insert(format!("{ty} {v}"));
                }
            }
        }
    }
    Ok(Some(Trail {
        bucket: t.s3_bucket_name().unwrap_or_default().to_owned(),
        multi_region: t.is_multi_region_trail().unwrap_or(false),
        global_events: t.include_global_service_events().unwrap_or(false),
        validation: t.log_file_validation_enabled().unwrap_or(false),
        key: t.kms_key_id().map(str::to_owned),
        log_group_arn: t.cloud_watch_logs_log_group_arn().map(str::to_owned),
        logging: status.is_logging().unwrap_or(false),
        delivery_error: status
            .latest_delivery_error()
            .filter(|e| !e.is_empty())
            .map(str::to_owned),
        data_resources: data,
        management_events: management,
    }))
}

/// The name prefixes that cover a set of names with few list calls: each name up to its
/// second `/` (`/dap-prod/`), or whole.
fn prefixes<'a>(names: impl Iterator<Item = &'a str>) -> BTreeSet<String> {
    names
        .map(|n| match n.get(1..).and_then(|r| r.find('/')) {
            Some(i) => n[..i + 2].to_owned(),
            None => n.to_owned(),
        })
        .collect()
}

type LogsRead = (BTreeMap<String, LogGroup>, BTreeMap<String, Filter>);

async fn read_logs(clients: &Clients, expected: &Expected) -> Result<LogsRead, Error> {
    let logs = &clients.read.logs;
    let wanted: BTreeSet<&str> = expected
        .log_groups
        .iter()
        .map(|g| g.name.as_str())
        .chain(expected.filters.iter().map(|f| f.log_group.as_str()))
        .collect();
    let listed = join_all(
        prefixes(wanted.iter().copied())
            .into_iter()
            .map(|prefix| async move {
                let mut out = Vec::new();
                let mut pages = logs
                    .describe_log_groups()
                    .log_group_name_prefix(&prefix)
                    .into_paginator()
                    .send();
                while let Some(page) = pages.next().await {
                    let page = page.map_err(|e| aws("logs:DescribeLogGroups", e))?;
                    for g in page.log_groups() {
                        out.push((
                            g.log_group_name().unwrap_or_default().to_owned(),
                            LogGroup {
                                retention: g.retention_in_days(),
                                key: g.kms_key_id().map(str::to_owned),
                            },
                        ));
                    }
                }
                Ok::<_, Error>(out)
            }),
    )
    .await;
    let mut groups = BTreeMap::new();
    for l in listed {
        groups.extend(l?.into_iter().filter(|(n, _)| wanted.contains(n.as_str())));
    }
    let with_filters: BTreeSet<&str> = expected
        .filters
        .iter()
        .map(|f| f.log_group.as_str())
        .filter(|g| groups.contains_key(*g))
        .collect();
    let listed = join_all(with_filters.into_iter().map(|group| async move {
        let mut out = Vec::new();
        let mut pages = logs
            .describe_metric_filters()
            .log_group_name(group)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = match page {
                Ok(p) => p,
                Err(e) if not_found(&e, &["ResourceNotFoundException"]) => break,
                Err(e) => return Err(aws("logs:DescribeMetricFilters", e)),
            };
            for f in page.metric_filters() {
                out.push((
                    f.filter_name().unwrap_or_default().to_owned(),
                    Filter {
                        log_group: f.log_group_name().unwrap_or(group).to_owned(),
                        pattern: f.filter_pattern().unwrap_or_default().to_owned(),
                        metrics: f
                            .metric_transformations()
                            .iter()
                            .map(|t| format!("{}/{}", t.metric_namespace(), t.metric_name()))
                            .collect(),
                    },
                ));
            }
        }
        Ok(out)
    }))
    .await;
    let mut filters = BTreeMap::new();
    for l in listed {
        filters.extend(l?);
    }
    Ok((groups, filters))
}

/// The longest common prefix of some names.
fn common_prefix<'a>(mut names: impl Iterator<Item = &'a str>) -> String {
    let Some(first) = names.next() else {
        return String::new();
    };
    let mut prefix = first.to_owned();
    for n in names {
        while !n.starts_with(&prefix) {
            prefix.pop();
        }
    }
    prefix
}

async fn read_alarms(
    clients: &Clients,
    expected: &Expected,
) -> Result<BTreeMap<String, Alarm>, Error> {
    if expected.alarms.is_empty() {
        return Ok(BTreeMap::new());
    }
    let prefix = common_prefix(expected.alarms.iter().map(|a| a.name.as_str()));
    let mut out = BTreeMap::new();
    let mut request = clients.read.cloudwatch.describe_alarms();
    if !prefix.is_empty() {
        request = request.alarm_name_prefix(&prefix);
    }
    let mut pages = request.into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws("cloudwatch:DescribeAlarms", e))?;
        for a in page.metric_alarms() {
            let mut actions = a.alarm_actions().to_vec();
            actions.sort();
            out.insert(
                a.alarm_name().unwrap_or_default().to_owned(),
                Alarm {
                    metric: format!(
                        "{}/{}",
                        a.namespace().unwrap_or_default(),
                        a.metric_name().unwrap_or_default()
                    ),
                    actions,
                    enabled: a.actions_enabled().unwrap_or(false),
                },
            );
        }
    }
    Ok(out)
}

type SubscriptionsRead = BTreeMap<String, Option<Vec<(String, String)>>>;

async fn read_subscriptions(
    clients: &Clients,
    expected: &Expected,
) -> Result<SubscriptionsRead, Error> {
    let sns = &clients.read.sns;
    let read = join_all(expected.topics.iter().map(|topic| async move {
        let mut out = Vec::new();
        let mut pages = sns
            .list_subscriptions_by_topic()
            .topic_arn(topic)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = match page {
                Ok(p) => p,
                Err(e) if not_found(&e, &["NotFound", "NotFoundException"]) => {
                    return Ok((topic.clone(), None))
                }
                Err(e) => return Err(aws("sns:ListSubscriptionsByTopic", e)),
            };
            for s in page.subscriptions() {
                out.push((
                    s.protocol().unwrap_or_default().to_owned(),
                    s.endpoint().unwrap_or_default().to_owned(),
                ));
            }
        }
        Ok((topic.clone(), Some(out)))
    }))
    .await;
    read.into_iter().collect()
}

async fn read_buckets(
    clients: &Clients,
    expected: &Expected,
) -> Result<BTreeMap<String, Bucket>, Error> {
    let s3 = &clients.s3;
    const NO_BUCKET: &str = "NoSuchBucket";
    let read = join_all(expected.buckets.iter().map(|b| async move {
        let name = b.name.as_str();
        let (enc, pab, ver, own, pol) = tokio::join!(
            s3.get_bucket_encryption().bucket(name).send(),
            s3.get_public_access_block().bucket(name).send(),
            s3.get_bucket_versioning().bucket(name).send(),
            s3.get_bucket_ownership_controls().bucket(name).send(),
            s3.get_bucket_policy().bucket(name).send(),
        );
        let mut out = Bucket {
            exists: true,
            ..Bucket::default()
        };
        match ver {
            Ok(v) => out.versioning = v.status().map(|s| s.as_str().to_owned()),
            // moto answers with another root element (`GetBucketVersioningResponse`), which
            // the SDK refuses: the status is read from the answer itself.
            Err(e) if unreadable(&e) => {
                let body = e
                    .raw_response()
                    .and_then(|r| r.body().bytes())
                    .map(|b| String::from_utf8_lossy(b).into_owned());
                out.versioning = match body {
                    // Never versioned: no status at all.
                    Some(b) if !b.contains("<Status>") => None,
                    Some(b) => element(&b, "Status"),
                    None => Some(UNREADABLE.to_owned()),
                };
            }
            Err(e) if not_found(&e, &[NO_BUCKET]) => {
                return Ok((name.to_owned(), Bucket::default()))
            }
            Err(e) => return Err(aws("s3:GetBucketVersioning", e)),
        }
        match enc {
            Ok(e) => {
                let rule = e
                    .server_side_encryption_configuration()
                    .and_then(|c| c.rules().first())
                    .and_then(|r| r.apply_server_side_encryption_by_default());
                out.sse = rule.map(|r| r.sse_algorithm().as_str().to_owned());
                out.key = rule.and_then(|r| r.kms_master_key_id().map(str::to_owned));
            }
            Err(e)
                if not_found(
                    &e,
                    &[NO_BUCKET, "ServerSideEncryptionConfigurationNotFoundError"],
                ) => {}
            Err(e) => return Err(aws("s3:GetBucketEncryption", e)),
        }
        match pab {
            Ok(p) => {
                out.public_access = p.public_access_block_configuration().map(|c| {
                    [
                        c.block_public_acls().unwrap_or(false),
                        c.ignore_public_acls().unwrap_or(false),
                        c.block_public_policy().unwrap_or(false),
                        c.restrict_public_buckets().unwrap_or(false),
                    ]
                })
            }
            Err(e) if not_found(&e, &[NO_BUCKET, "NoSuchPublicAccessBlockConfiguration"]) => {}
            Err(e) => return Err(aws("s3:GetPublicAccessBlock", e)),
        }
        match own {
            Ok(o) => {
                out.ownership = o
                    .ownership_controls()
                    .and_then(|c| c.rules().first())
                    .map(|r| r.object_ownership().as_str().to_owned())
            }
            Err(e) if not_found(&e, &[NO_BUCKET, "OwnershipControlsNotFoundError"]) => {}
            Err(e) => return Err(aws("s3:GetBucketOwnershipControls", e)),
        }
        match pol {
            Ok(p) => out.policy = p.policy().map(str::to_owned),
            Err(e) if not_found(&e, &[NO_BUCKET, "NoSuchBucketPolicy"]) => {}
            Err(e) => return Err(aws("s3:GetBucketPolicy", e)),
        }
        Ok((name.to_owned(), out))
    }))
    .await;
    read.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_list_calls_cover_the_names() {
        let p = prefixes(
            [
                "/dap-prod/cloudtrail",
                "/dap-prod/glue/x",
                "/aws-glue/jobs/a",
                "plain",
            ]
            .into_iter(),
        );
        assert_eq!(
            p.into_iter().collect::<Vec<_>>(),
            ["/aws-glue/", "/dap-prod/", "plain"]
        );
        assert_eq!(
            common_prefix(["dap-prod-cis-4.1", "dap-prod-cis-4.2", "dap-prod-glue"].into_iter()),
            "dap-prod-"
        );
    }
}

/// What moto cannot answer (a delivery error, advanced event selectors), scripted at the
/// SDK boundary.
#[cfg(test)]
mod scripted {
    use super::*;
    use aws_config::{BehaviorVersion, Region};
    use aws_sdk_cloudtrail::operation::get_event_selectors::GetEventSelectorsOutput;
    use aws_sdk_cloudtrail::operation::get_trail::GetTrailOutput;
    use aws_sdk_cloudtrail::operation::get_trail_status::GetTrailStatusOutput;
    use aws_sdk_cloudtrail::types::{
        AdvancedEventSelector, AdvancedFieldSelector, Trail as SdkTrail,
    };
    use aws_smithy_mocks::{
        create_mock_http_client, mock, MockResponseInterceptor, Rule, RuleMode,
    };

    use crate::clients::{CallCounter, ReadClients};
    use crate::verify::expect::{self, Expected};

    macro_rules! scripted {
        ($krate:ident, $rules:expr) => {{
            let interceptor = $rules.iter().fold(
                MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny),
                |i: MockResponseInterceptor, r: &&Rule| i.with_rule(r),
            );
            $krate::Client::from_conf(
                $krate::Config::builder()
                    .behavior_version(BehaviorVersion::latest())
                    .region(Region::new("ca-central-1"))
                    .credentials_provider(aws_sdk_sts::config::Credentials::new(
                        "a", "b", None, None, "script",
                    ))
                    .http_client(create_mock_http_client())
                    .interceptor(interceptor)
                    .build(),
            )
        }};
    }

    fn local() -> Expected {
        let env = dap_config::parse(
            "local.yaml",
            include_str!("../../../../environments/local.yaml"),
        )
        .unwrap();
        let rendered = dap_planner::render(&env).unwrap();
        Expected::read(&dap_docs::Platform::new(&env, &rendered).unwrap())
    }

    /// The scripted CloudTrail answers: the model's trail, logging with a delivery error, and
    /// advanced event selectors recording management events and `want`'s data resources.
    fn trail_rules(want: &expect::Trail) -> Vec<Rule> {
        let get_trail = mock!(aws_sdk_cloudtrail::Client::get_trail).then_output(|| {
            GetTrailOutput::builder()
                .trail(
                    SdkTrail::builder()
                        .name("dap-local-trail")
                        .s3_bucket_name("dap-local-trail-logs-123456789012-ca-central-1")
                        .is_multi_region_trail(true)
                        .include_global_service_events(true)
                        .log_file_validation_enabled(true)
                        .build(),
                )
                .build()
        });
        let status = mock!(aws_sdk_cloudtrail::Client::get_trail_status).then_output(|| {
            GetTrailStatusOutput::builder()
                .is_logging(true)
                .latest_delivery_error("AccessDenied: the bucket policy refused the delivery")
                .build()
        });
        let values: Vec<String> = want
            .data_resources
            .iter()
            .map(|d| d.split_once(' ').unwrap().1.to_owned())
            .collect();
        let selectors = mock!(aws_sdk_cloudtrail::Client::get_event_selectors)
            .then_output(move || advanced_selectors(&values));
        vec![get_trail, status, selectors]
    }

    /// Advanced event selectors: one for management events, one for the S3 objects under
    /// `values`.
    fn advanced_selectors(values: &[String]) -> GetEventSelectorsOutput {
        let mut arns = AdvancedFieldSelector::builder().field("resources.ARN");
        for v in values {
            arns = arns.starts_with(v);
        }
        GetEventSelectorsOutput::builder()
            .advanced_event_selectors(
                AdvancedEventSelector::builder()
                    .field_selectors(
                        AdvancedFieldSelector::builder()
                            .field("eventCategory")
                            .equals("Management")
                            .build()
                            .unwrap(),
                    )
                    .build()
                    .unwrap(),
            )
            .advanced_event_selectors(
                AdvancedEventSelector::builder()
                    .field_selectors(
                        AdvancedFieldSelector::builder()
                            .field("eventCategory")
                            .equals("Data")
                            .build()
                            .unwrap(),
                    )
                    .field_selectors(
                        AdvancedFieldSelector::builder()
                            .field("resources.type")
                            .equals("AWS::S3::Object")
                            .build()
                            .unwrap(),
                    )
                    .field_selectors(arns.build().unwrap())
                    .build()
                    .unwrap(),
            )
            .build()
    }

    /// Clients whose CloudTrail answers with `rules` and every other service with nothing.
    fn cloudtrail_clients(rules: &[&Rule]) -> Clients {
        let none: [&Rule; 0] = [];
        let calls = CallCounter::default();
        Clients::from_clients(
            scripted!(aws_sdk_cloudformation, none),
            scripted!(aws_sdk_s3, none),
            scripted!(aws_sdk_sts, none),
            calls,
        )
        .with_read_clients(ReadClients::from_clients(
            scripted!(aws_sdk_iam, none),
            scripted!(aws_sdk_kms, none),
            scripted!(aws_sdk_cloudtrail, rules),
            scripted!(aws_sdk_cloudwatch, none),
            scripted!(aws_sdk_cloudwatchlogs, none),
            scripted!(aws_sdk_sns, none),
        ))
    }

    /// The codes of the failed checks of a live trail against the model's.
    fn failed_trail_checks(want: expect::Trail, trail: Trail) -> Vec<&'static str> {
        let live = Live {
            trail: Some(trail),
            ..Live::default()
        };
        let mut checks = crate::verify::Checks::default();
        crate::verify::compare::all(
            &Expected {
                trail: Some(want),
                ..Expected::default()
            },
            &live,
            &mut checks,
        );
        checks
            .0
            .iter()
            .filter(|c| !c.passed)
            .map(|c| c.code)
            .collect()
    }

    #[test]
    fn a_delivery_error_and_advanced_selectors_are_read_and_judged() {
        let expected = local();
        let want = expected.trail.clone().unwrap();
        let rules = trail_rules(&want);
        let rules: Vec<&Rule> = rules.iter().collect();
        let clients = cloudtrail_clients(&rules);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let trail = runtime
            .block_on(read_trail(&clients, &expected))
            .unwrap()
            .unwrap();
        assert!(trail.management_events);
        assert_eq!(trail.data_resources, want.data_resources);
        assert_eq!(
            trail.delivery_error.as_deref(),
            Some("AccessDenied: the bucket policy refused the delivery")
        );
        let failed = failed_trail_checks(want, trail);
        // The delivery error; the key and log group this scripted trail does not name.
        assert!(failed.contains(&"LIVE-CT-005"), "{failed:?}");
        assert!(
            !failed.contains(&"LIVE-CT-004"),
            "the advanced selectors cover the model: {failed:?}"
        );
        assert!(!failed.contains(&"LIVE-CT-002"), "{failed:?}");
    }

    #[test]
    fn a_key_pending_deletion_an_aws_managed_key_and_a_moved_alias_are_reported() {
        let expected = local();
        let mut live = Live::default();
        live.aliases
            .insert("alias/dap-local-data".into(), "other-key".into());
        live.stack_keys.insert("DataKey".into(), "k1".into());
        live.keys.insert(
            "DataKey".into(),
            Key {
                id: "k1".into(),
                arn: "arn:aws:kms:ca-central-1:123456789012:key/k1".into(),
                state: "PendingDeletion".into(),
                manager: "AWS".into(),
                spec: "SYMMETRIC_DEFAULT".into(),
                rotation: true,
                policy: "{\"Statement\": []}".into(),
                grants: Vec::new(),
                unreadable: None,
            },
        );
        let mut checks = crate::verify::Checks::default();
        let keys_only = Expected {
            pin: expected.pin.clone(),
            keys: expected.keys.clone(),
            ..Expected::default()
        };
        crate::verify::compare::all(&keys_only, &live, &mut checks);
        let failed: Vec<(&str, &str)> = checks
            .0
            .iter()
            .filter(|c| !c.passed)
            .map(|c| (c.code, c.resource.as_str()))
            .collect();
        for want in [
            ("LIVE-KMS-002", "alias/dap-local-data"),
            ("LIVE-KMS-003", "alias/dap-local-data"),
            ("LIVE-KMS-005", "alias/dap-local-data"),
            ("LIVE-KMS-007", "alias/dap-local-data"),
            ("LIVE-KMS-001", "alias/dap-local-logs"),
        ] {
            assert!(failed.contains(&want), "{want:?} in {failed:?}");
        }
    }
}
