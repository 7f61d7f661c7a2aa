//! Encryption, retention and protection of every data store, read from the templates.

use dap_planner::names::Zone;
use serde::Serialize;
use serde_yaml::Value;

use crate::eval::{describe, Context, Evaluator, Request, Scope, Target, Who};
use crate::platform::{Platform, Resource};
use crate::policy::{Policies, PolicyKind, PrincipalPattern};

/// One bucket.
#[derive(Clone, Debug, Serialize)]
pub struct BucketFacts {
    /// The zone (`landing`, ..., `access-logs`).
    pub zone: String,
    /// The bucket name.
    pub name: String,
    /// `stack/LogicalId`.
    pub resource: String,
    /// `SSE-KMS` or `SSE-S3`.
    pub encryption: String,
    /// The key's alias, or `S3-managed`.
    pub key: String,
    /// Whether S3 Bucket Keys are on.
    pub bucket_key: bool,
    /// The key's automatic rotation: `yes`, `no`, or `n/a` for S3-managed keys.
    pub rotation: String,
    /// Whether a bucket policy denies every request without TLS.
    pub tls_enforced: bool,
    /// The versioning status.
    pub versioning: String,
    /// Block Public Access: `all four on`, or which settings are off.
    pub public_access: String,
    /// Object ownership.
    pub ownership: String,
    /// Lifecycle rules in words.
    pub lifecycle: Vec<String>,
    /// Where server access logs go.
    pub access_logging: String,
    /// `DeletionPolicy` in words: `kept`, `deleted`, `deleted (no policy set)`.
    pub deletion_policy: String,
    /// `UpdateReplacePolicy` in words.
    pub update_replace_policy: String,
}

/// One KMS key.
#[derive(Clone, Debug, Serialize)]
pub struct KeyFacts {
    /// The alias.
    pub alias: String,
    /// `stack/LogicalId`.
    pub resource: String,
    /// The key's description.
    pub description: String,
    /// Automatic rotation.
    pub rotation: bool,
    /// Waiting period before deletion, in days.
    pub pending_window_days: String,
    /// `DeletionPolicy` in words: `kept`, `deleted`, `deleted (no policy set)`.
    pub deletion_policy: String,
    /// `UpdateReplacePolicy` in words.
    pub update_replace_policy: String,
    /// The key policy's grants in words.
    pub grants: Vec<String>,
    /// What the key protects.
    pub protects: Vec<String>,
}

/// Any other data store.
#[derive(Clone, Debug, Serialize)]
pub struct StoreFacts {
    /// What it is.
    pub store: String,
    /// `stack/LogicalId`.
    pub resource: String,
    /// Its encryption.
    pub encryption: String,
    /// Retention.
    pub retention: String,
    /// `DeletionPolicy` and `UpdateReplacePolicy` in words: `kept` when both retain.
    pub deletion: String,
}

/// A data-bearing resource and its deletion policies.
#[derive(Clone, Debug, Serialize)]
pub struct Retained {
    /// `stack/LogicalId`.
    pub resource: String,
    /// The CloudFormation type.
    pub kind: String,
    /// `DeletionPolicy` in words: `kept`, `deleted`, `deleted (no policy set)`.
    pub deletion_policy: String,
    /// `UpdateReplacePolicy` in words.
    pub update_replace_policy: String,
    /// Whether both are `Retain`.
    pub retained: bool,
}

/// The encryption and retention report's facts.
#[derive(Clone, Debug, Serialize)]
pub struct Encryption {
    /// The environment's protection level.
    pub protection: String,
    /// Whether stacks get termination protection.
    pub termination_protection: bool,
    /// The buckets.
    pub buckets: Vec<BucketFacts>,
    /// The keys.
    pub keys: Vec<KeyFacts>,
    /// Other stores: log groups, the trail, the topic, the catalog, Glue and Athena output,
    /// the report server's volume.
    pub stores: Vec<StoreFacts>,
    /// Every data-bearing resource.
    pub retained: Vec<Retained>,
}

/// What CloudFormation does with a resource, in words, under its `DeletionPolicy` (when its
/// stack is deleted) or `UpdateReplacePolicy` (when an update replaces it). Without the
/// attribute CloudFormation deletes it: `deleted (no policy set)`.
fn policy_of(r: &Resource, attr: &str) -> String {
    match r.attribute(attr) {
        Some("Retain") => "kept".to_owned(),
        Some("RetainExceptOnCreate") => "kept (deleted if its creation fails)".to_owned(),
        Some("Snapshot") => "snapshot kept, then deleted".to_owned(),
        Some("Delete") => "deleted".to_owned(),
        Some(other) => other.to_owned(),
        None => NOT_SET.to_owned(),
    }
}

/// [`policy_of`] for a resource without the attribute.
const NOT_SET: &str = "deleted (no policy set)";

/// What happens to a resource when its stack is deleted or an update replaces it: `kept`,
/// `deleted (no policy set)`, or both cases when they differ.
fn deletion(r: &Resource) -> String {
    let (d, u) = (
        policy_of(r, "DeletionPolicy"),
        policy_of(r, "UpdateReplacePolicy"),
    );
    if d == u {
        d
    } else {
        format!("stack deleted: {d}; replaced: {u}")
    }
}

impl Encryption {
    /// Read the facts from the templates.
    pub fn new(p: &Platform, policies: &Policies) -> Encryption {
        let eval = Evaluator::new(policies, p.account(), p.partition());
        let buckets = p
            .of_type("AWS::S3::Bucket")
            .map(|b| bucket(p, &eval, b))
            .collect();
        let keys = p
            .of_type("AWS::KMS::Key")
            .map(|k| key(p, policies, k))
            .collect();
        let stores = stores(p, &eval);
        let retained = p
            .stacks
            .iter()
            .flat_map(|s| s.resources.iter())
            .filter(|r| dap_cfn::facts::must_retain(&r.kind))
            .map(|r| Retained {
                resource: r.path(),
                kind: r.kind.clone(),
                deletion_policy: policy_of(r, "DeletionPolicy"),
                update_replace_policy: policy_of(r, "UpdateReplacePolicy"),
                retained: r.attribute("DeletionPolicy") == Some("Retain")
                    && r.attribute("UpdateReplacePolicy") == Some("Retain"),
            })
            .collect();
        Encryption {
            protection: p.manifest.protection.clone(),
            termination_protection: p.manifest.termination_protection,
            buckets,
            keys,
            stores,
            retained,
        }
    }
}

/// Whether the resource policy denies every request without TLS, for anyone.
fn denies_plain_http(
    eval: &Evaluator<'_>,
    p: &Platform,
    policy: (PolicyKind, &str),
    requests: &[(&str, Target)],
) -> bool {
    let anyone = format!("arn:{}:iam::{}:role/anyone", p.partition(), p.account());
    requests.iter().all(|(action, target)| {
        let o = eval.decide(
            Who::Role {
                name: "anyone",
                arn: &anyone,
            },
            &Request {
                action: (*action).to_owned(),
                resources: vec![target.clone()],
                resource_policy: Some((policy.0, policy.1.to_owned())),
                s3_prefix: Some(Target::under("")),
            },
            Scope::Some,
            Context {
                secure_transport: false,
            },
        );
        !o.denies.is_empty()
    })
}

/// One bucket's protection: encryption and key, TLS, public access, versioning, lifecycle,
/// logging and retention.
fn bucket(p: &Platform, eval: &Evaluator<'_>, b: &Resource) -> BucketFacts {
    let name = b
        .prop(&["BucketName"])
        .and_then(|v| p.resolve(&b.stack, v))
        .unwrap_or_else(|| b.id.clone());
    let zone = zone_or_name(p, name.clone());
    let rule = b
        .prop(&["BucketEncryption", "ServerSideEncryptionConfiguration"])
        .and_then(Value::as_sequence)
        .and_then(|r| r.first());
    let (encryption, key, rotation) = bucket_encryption(p, b, rule);
    let bucket_arn = format!("arn:{}:s3:::{name}", p.partition());
    let tls_enforced = denies_plain_http(
        eval,
        p,
        (PolicyKind::Bucket, &name),
        &[
            ("s3:GetObject", Target::under(format!("{bucket_arn}/"))),
            ("s3:PutObject", Target::under(format!("{bucket_arn}/"))),
            ("s3:ListBucket", Target::one(&bucket_arn)),
            ("s3:PutBucketPolicy", Target::one(&bucket_arn)),
        ],
    );
    let ownership = b
        .prop(&["OwnershipControls", "Rules"])
        .and_then(Value::as_sequence)
        .and_then(|r| r.first())
        .and_then(|r| r.get("ObjectOwnership"))
        .and_then(Value::as_str)
        .unwrap_or("not set")
        .to_owned();
    BucketFacts {
        zone,
        name,
        resource: b.path(),
        encryption,
        key,
        bucket_key: rule
            .and_then(|r| r.get("BucketKeyEnabled"))
            .and_then(Value::as_bool)
            .unwrap_or(false),
        rotation,
        tls_enforced,
        versioning: b
            .prop_str(&["VersioningConfiguration", "Status"])
            .unwrap_or("off")
            .to_owned(),
        public_access: public_access(b),
        ownership,
        lifecycle: lifecycle(b),
        access_logging: access_logging(p, b),
        deletion_policy: policy_of(b, "DeletionPolicy"),
        update_replace_policy: policy_of(b, "UpdateReplacePolicy"),
    }
}

/// The zone whose bucket is named `name`, or the name itself.
fn zone_or_name(p: &Platform, name: String) -> String {
    Zone::ALL
        .into_iter()
        .find(|z| p.names.bucket(*z) == name)
        .map(|z| z.slug().to_owned())
        .unwrap_or(name)
}

/// A bucket's default encryption as `(encryption, key, rotation)` from its first rule.
fn bucket_encryption(p: &Platform, b: &Resource, rule: Option<&Value>) -> (String, String, String) {
    let default = rule.and_then(|r| r.get("ServerSideEncryptionByDefault"));
    let algorithm = default
        .and_then(|d| d.get("SSEAlgorithm"))
        .and_then(Value::as_str)
        .unwrap_or("none");
    let key_value = default.and_then(|d| d.get("KMSMasterKeyID"));
    let key_resource = key_value.and_then(|v| p.key_named(&b.stack, v));
    match algorithm {
        "aws:kms" | "aws:kms:dsse" => (
            "SSE-KMS".to_owned(),
            key_value
                .map(|v| p.key_value_label(&b.stack, v))
                .unwrap_or_else(|| "AWS managed key (aws/s3)".to_owned()),
            match key_resource {
                Some(k) => {
                    yes_no(k.prop(&["EnableKeyRotation"]).and_then(Value::as_bool) == Some(true))
                }
                None => "unknown".to_owned(),
            },
        ),
        "AES256" => (
            "SSE-S3".to_owned(),
            "S3-managed".to_owned(),
            "n/a (S3-managed)".to_owned(),
        ),
        other => (other.to_owned(), "none".to_owned(), "n/a".to_owned()),
    }
}

/// The public access block: `all four on`, or which settings are off.
fn public_access(b: &Resource) -> String {
    let pab = b.prop(&["PublicAccessBlockConfiguration"]);
    let off: Vec<&str> = [
        "BlockPublicAcls",
        "BlockPublicPolicy",
        "IgnorePublicAcls",
        "RestrictPublicBuckets",
    ]
    .into_iter()
    .filter(|k| pab.and_then(|c| c.get(*k)).and_then(Value::as_bool) != Some(true))
    .collect();
    if off.is_empty() {
        "all four on".to_owned()
    } else {
        format!("off: {}", off.join(", "))
    }
}

/// Where a bucket's server access logs go (the target's zone and prefix), or `none`.
fn access_logging(p: &Platform, b: &Resource) -> String {
    match b.prop(&["LoggingConfiguration"]) {
        Some(l) => {
            let target = l
                .get("DestinationBucketName")
                .and_then(|v| p.resolve(&b.stack, v))
                .map(|n| zone_or_name(p, n))
                .unwrap_or_else(|| "?".to_owned());
            let prefix = l.get("LogFilePrefix").and_then(Value::as_str).unwrap_or("");
            format!("to {target}, prefix `{prefix}`")
        }
        None => "none".to_owned(),
    }
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}

fn lifecycle(b: &Resource) -> Vec<String> {
    let mut out = Vec::new();
    let Some(rules) = b
        .prop(&["LifecycleConfiguration", "Rules"])
        .and_then(Value::as_sequence)
    else {
        return vec!["no lifecycle rules".to_owned()];
    };
    for r in rules {
        let enabled = r.get("Status").and_then(Value::as_str) == Some("Enabled");
        let mut parts = Vec::new();
        if let Some(d) = r.get("ExpirationInDays").and_then(Value::as_u64) {
            parts.push(format!("objects expire after {d} days"));
        }
        if let Some(d) = r
            .get("NoncurrentVersionExpiration")
            .and_then(|n| n.get("NoncurrentDays"))
            .and_then(Value::as_u64)
        {
            parts.push(format!("noncurrent versions expire after {d} days"));
        }
        if let Some(d) = r
            .get("AbortIncompleteMultipartUpload")
            .and_then(|n| n.get("DaysAfterInitiation"))
            .and_then(Value::as_u64)
        {
            parts.push(format!("incomplete uploads aborted after {d} days"));
        }
        if parts.is_empty() {
            parts.push("(other settings)".to_owned());
        }
        out.push(format!(
            "{}{}",
            parts.join(", "),
            if enabled { "" } else { " (disabled)" }
        ));
    }
    out
}

fn key(p: &Platform, policies: &Policies, k: &Resource) -> KeyFacts {
    let arn = p.key_arn(&k.id);
    let mut grants = Vec::new();
    for s in policies.attached(PolicyKind::Key, &arn) {
        let who: Vec<String> = s
            .principals
            .iter()
            .map(|pp| match pp {
                PrincipalPattern::Any | PrincipalPattern::Unknown => "anyone".to_owned(),
                PrincipalPattern::Federated(f) => f.clone(),
                PrincipalPattern::Aws(a) if a.ends_with(":root") => "the account (root)".to_owned(),
                PrincipalPattern::Aws(a) => a.clone(),
                PrincipalPattern::Service(x) => x.clone(),
            })
            .collect();
        let conditions: Vec<String> = s.conditions.iter().map(describe).collect();
        grants.push(format!(
            "{} {}: {}{}",
            if s.allow { "allow" } else { "deny" },
            who.join(", "),
            s.actions.join(", "),
            if conditions.is_empty() {
                String::new()
            } else {
                format!(" ({})", conditions.join("; "))
            }
        ));
    }
    let mut protects = Vec::new();
    for s in &p.stacks {
        for r in &s.resources {
            if PROTECTS_NOTHING.contains(&r.kind.as_str()) {
                continue;
            }
            if let Some(props) = r.body.get("Properties") {
                if names_key(p, &r.stack, props, &arn) {
                    protects.push(format!("{} ({})", r.path(), short_type(&r.kind)));
                }
            }
        }
    }
    protects.dedup();
    KeyFacts {
        alias: p.key_label(k),
        resource: k.path(),
        description: k.prop_str(&["Description"]).unwrap_or_default().to_owned(),
        rotation: k.prop(&["EnableKeyRotation"]).and_then(Value::as_bool) == Some(true),
        pending_window_days: k
            .prop(&["PendingWindowInDays"])
            .and_then(Value::as_u64)
            .map(|d| d.to_string())
            .unwrap_or_else(|| "default (30)".to_owned()),
        deletion_policy: policy_of(k, "DeletionPolicy"),
        update_replace_policy: policy_of(k, "UpdateReplacePolicy"),
        grants,
        protects,
    }
}

/// Types that name a key without being protected by it.
const PROTECTS_NOTHING: &[&str] = &[
    "AWS::IAM::ManagedPolicy",
    "AWS::IAM::Policy",
    "AWS::IAM::Role",
    "AWS::KMS::Alias",
    "AWS::KMS::Key",
    "AWS::SSM::Parameter",
];

/// Whether a value names the key anywhere inside it.
pub(crate) fn names_key(p: &Platform, stack: &str, v: &Value, arn: &str) -> bool {
    match v {
        Value::Mapping(m) => {
            if m.len() == 1 && p.resolve(stack, v).as_deref() == Some(arn) {
                return true;
            }
            m.values().any(|x| names_key(p, stack, x, arn))
        }
        Value::Sequence(s) => s.iter().any(|x| names_key(p, stack, x, arn)),
        _ => false,
    }
}

fn short_type(kind: &str) -> &str {
    kind.strip_prefix("AWS::").unwrap_or(kind)
}

/// Every other store of data, grouped by type in a fixed order: log groups, trails, topics,
/// Glue databases, tables and security configurations, Athena workgroups, EBS volumes.
fn stores(p: &Platform, eval: &Evaluator<'_>) -> Vec<StoreFacts> {
    let mut out = Vec::new();
    out.extend(
        p.of_type("AWS::Logs::LogGroup")
            .map(|lg| log_group_store(p, lg)),
    );
    out.extend(
        p.of_type("AWS::CloudTrail::Trail")
            .map(|t| trail_store(p, t)),
    );
    out.extend(
        p.of_type("AWS::SNS::Topic")
            .map(|t| topic_store(p, eval, t)),
    );
    out.extend(p.of_type("AWS::Glue::Database").map(database_store));
    out.extend(p.of_type("AWS::Glue::Table").map(table_store));
    out.extend(
        p.of_type("AWS::Glue::SecurityConfiguration")
            .map(|sc| security_configuration_store(p, sc)),
    );
    out.extend(
        p.of_type("AWS::Athena::WorkGroup")
            .map(|wg| workgroup_store(p, wg)),
    );
    for lt in p.of_type("AWS::EC2::LaunchTemplate") {
        out.extend(volume_stores(p, lt));
    }
    out
}

/// The label of the key a resource names at `path`, or `none`.
fn key_label(p: &Platform, r: &Resource, path: &[&str]) -> String {
    r.prop(path)
        .map(|v| p.key_value_label(&r.stack, v))
        .unwrap_or_else(|| "none".to_owned())
}

/// A log group: its key and retention.
fn log_group_store(p: &Platform, lg: &Resource) -> StoreFacts {
    StoreFacts {
        store: format!(
            "log group `{}`",
            lg.prop_str(&["LogGroupName"]).unwrap_or(&lg.id)
        ),
        resource: lg.path(),
        encryption: format!("KMS, {}", key_label(p, lg, &["KmsKeyId"])),
        retention: lg
            .prop(&["RetentionInDays"])
            .and_then(Value::as_u64)
            .map(|d| format!("{d} days"))
            .unwrap_or_else(|| "never expires".to_owned()),
        deletion: deletion(lg),
    }
}

/// A trail's log files and their key.
fn trail_store(p: &Platform, t: &Resource) -> StoreFacts {
    StoreFacts {
        store: format!(
            "trail `{}` log files",
            t.prop_str(&["TrailName"]).unwrap_or(&t.id)
        ),
        resource: t.path(),
        encryption: format!("SSE-KMS, {}", key_label(p, t, &["KMSKeyId"])),
        retention: "as the trail-logs bucket's lifecycle".to_owned(),
        deletion: deletion(t),
    }
}

/// An alarm topic: its key and whether publishing without TLS is denied.
fn topic_store(p: &Platform, eval: &Evaluator<'_>, topic: &Resource) -> StoreFacts {
    let name = topic.prop_str(&["TopicName"]).unwrap_or(&topic.id);
    let arn = format!(
        "arn:{}:sns:{}:{}:{name}",
        p.partition(),
        p.region(),
        p.account()
    );
    let tls = denies_plain_http(
        eval,
        p,
        (PolicyKind::Topic, &arn),
        &[("sns:Publish", Target::one(&arn))],
    );
    StoreFacts {
        store: format!(
            "alarm topic `{name}` ({})",
            if tls {
                "publishing without TLS denied"
            } else {
                "publishing without TLS not denied"
            }
        ),
        resource: topic.path(),
        encryption: format!("KMS, {}", key_label(p, topic, &["KmsMasterKeyId"])),
        retention: "messages are not stored".to_owned(),
        deletion: deletion(topic),
    }
}

/// A Glue database: catalog metadata only.
fn database_store(db: &Resource) -> StoreFacts {
    StoreFacts {
        store: format!(
            "Glue database `{}`",
            db.prop_str(&["DatabaseInput", "Name"]).unwrap_or(&db.id)
        ),
        resource: db.path(),
        encryption: "catalog metadata; table data in the buckets above".to_owned(),
        retention: "kept".to_owned(),
        deletion: deletion(db),
    }
}

/// A Glue table: its data is encrypted as its bucket.
fn table_store(t: &Resource) -> StoreFacts {
    let location = t
        .prop_str(&["TableInput", "StorageDescriptor", "Location"])
        .unwrap_or("?");
    StoreFacts {
        store: format!(
            "Glue table `{}`",
            t.prop_str(&["TableInput", "Name"]).unwrap_or(&t.id)
        ),
        resource: t.path(),
        encryption: format!("data at `{location}`: the bucket's encryption"),
        retention: "as the bucket".to_owned(),
        deletion: deletion(t),
    }
}

/// A Glue security configuration: the encryption of job output, logs and bookmarks.
fn security_configuration_store(p: &Platform, sc: &Resource) -> StoreFacts {
    let base = ["EncryptionConfiguration"];
    let part = |a: &str, mode: &str| {
        let path = [base[0], a];
        let entry = sc.prop(&path);
        let entry = match entry {
            Some(Value::Sequence(s)) => s.first(),
            other => other,
        };
        match entry {
            Some(e) => format!(
                "{} {}",
                e.get(mode).and_then(Value::as_str).unwrap_or("?"),
                e.get("KmsKeyArn")
                    .map(|v| p.key_value_label(&sc.stack, v))
                    .unwrap_or_default()
            ),
            None => "not encrypted".to_owned(),
        }
    };
    StoreFacts {
        store: format!(
            "Glue security configuration `{}` (jobs and crawlers)",
            sc.prop_str(&["Name"]).unwrap_or(&sc.id)
        ),
        resource: sc.path(),
        encryption: format!(
            "S3 output: {}; CloudWatch logs: {}; job bookmarks: {}",
            part("S3Encryptions", "S3EncryptionMode"),
            part("CloudWatchEncryption", "CloudWatchEncryptionMode"),
            part("JobBookmarksEncryption", "JobBookmarksEncryptionMode")
        ),
        retention: "n/a".to_owned(),
        deletion: deletion(sc),
    }
}

/// An Athena workgroup's query results: their encryption and whether it is enforced.
fn workgroup_store(p: &Platform, wg: &Resource) -> StoreFacts {
    let conf = ["WorkGroupConfiguration", "ResultConfiguration"];
    let option = wg
        .prop(&[
            conf[0],
            conf[1],
            "EncryptionConfiguration",
            "EncryptionOption",
        ])
        .and_then(Value::as_str)
        .unwrap_or("none");
    let enforced = wg
        .prop(&[conf[0], "EnforceWorkGroupConfiguration"])
        .and_then(Value::as_bool)
        == Some(true);
    StoreFacts {
        store: format!(
            "Athena results of workgroup `{}` at `{}`",
            wg.prop_str(&["Name"]).unwrap_or(&wg.id),
            wg.prop_str(&[conf[0], conf[1], "OutputLocation"])
                .unwrap_or("?")
        ),
        resource: wg.path(),
        encryption: format!(
            "{option}, {}{}",
            key_label(
                p,
                wg,
                &[conf[0], conf[1], "EncryptionConfiguration", "KmsKey"]
            ),
            if enforced {
                " (enforced for every query)"
            } else {
                " (not enforced)"
            }
        ),
        retention: "as the athena-results bucket".to_owned(),
        deletion: deletion(wg),
    }
}

/// The EBS volumes of a launch template: their encryption and what happens at termination.
fn volume_stores(p: &Platform, lt: &Resource) -> Vec<StoreFacts> {
    let mut out = Vec::new();
    let data = lt.prop(&["LaunchTemplateData"]);
    let Some(mappings) = data
        .and_then(|d| d.get("BlockDeviceMappings"))
        .and_then(Value::as_sequence)
    else {
        return out;
    };
    for m in mappings {
        let ebs = m.get("Ebs");
        let encrypted = ebs
            .and_then(|e| e.get("Encrypted"))
            .and_then(Value::as_bool)
            == Some(true);
        let key = ebs
            .and_then(|e| e.get("KmsKeyId"))
            .map(|v| p.key_value_label(&lt.stack, v))
            .unwrap_or_else(|| "default EBS key".to_owned());
        let on_termination = ebs
            .and_then(|e| e.get("DeleteOnTermination"))
            .and_then(Value::as_bool)
            == Some(true);
        let protected = data
            .and_then(|d| d.get("DisableApiTermination"))
            .and_then(Value::as_bool)
            == Some(true);
        out.push(StoreFacts {
            store: format!(
                "report server volume `{}`",
                m.get("DeviceName").and_then(Value::as_str).unwrap_or("?")
            ),
            resource: lt.path(),
            encryption: if encrypted {
                format!("EBS encrypted, {key}")
            } else {
                "not encrypted".to_owned()
            },
            retention: format!(
                "{}; instance termination protection {}",
                if on_termination {
                    "deleted with the instance"
                } else {
                    "kept after the instance"
                },
                if protected { "on" } else { "off" }
            ),
            deletion: deletion(lt),
        });
    }
    out
}
