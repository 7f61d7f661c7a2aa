//! What differs between two environments: settings, stacks, protection, audit and access.
//!
//! Each environment is reduced to facts, `(section, item, value)`, with its prefix and account
//! replaced by `{prefix}` and `{account}` so the same thing has the same name in both; the
//! comparison lists the facts whose values differ.

use serde::Serialize;

use crate::access::{AccessMatrix, PrincipalKind};
use crate::audit::Audit;
use crate::encryption::{BucketFacts, Encryption};
use crate::platform::Platform;
use crate::Model;

/// One difference.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Difference {
    /// `settings`, `stacks`, `protection`, `audit` or `access`.
    pub section: String,
    /// What differs.
    pub item: String,
    /// Its value in the first environment (`(absent)` when it has none).
    pub a: String,
    /// Its value in the second.
    pub b: String,
}

/// The comparison of two environments.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    /// The first environment.
    pub a: String,
    /// The second.
    pub b: String,
    /// How many facts were compared.
    pub compared: usize,
    /// The differences, by section.
    pub differences: Vec<Difference>,
}

/// The sections, in report order.
pub const SECTIONS: [&str; 5] = ["settings", "stacks", "protection", "audit", "access"];

impl Comparison {
    /// Compare two environments' models.
    pub fn new(a: &Model, b: &Model) -> Comparison {
        let fa = facts(a);
        let fb = facts(b);
        let mut keys: Vec<(String, String)> = Vec::new();
        for (s, i, _) in fa.iter().chain(&fb) {
            if !keys.iter().any(|(x, y)| x == s && y == i) {
                keys.push((s.clone(), i.clone()));
            }
        }
        let get = |f: &[(String, String, String)], s: &str, i: &str| {
            f.iter()
                .find(|(x, y, _)| x == s && y == i)
                .map(|(_, _, v)| v.clone())
                .unwrap_or_else(|| "(absent)".to_owned())
        };
        let mut differences = Vec::new();
        for section in SECTIONS {
            for (s, i) in keys.iter().filter(|(s, _)| s == section) {
                let (va, vb) = (get(&fa, s, i), get(&fb, s, i));
                if va != vb {
                    differences.push(Difference {
                        section: s.clone(),
                        item: i.clone(),
                        a: va,
                        b: vb,
                    });
                }
            }
        }
        Comparison {
            a: a.platform.env.name.clone(),
            b: b.platform.env.name.clone(),
            compared: keys.len(),
            differences,
        }
    }
}

fn flatten(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&path, x, out);
            }
        }
        serde_json::Value::Array(a) => {
            let items: Vec<String> = a
                .iter()
                .map(|x| match x {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            out.push((prefix.to_owned(), items.join(", ")));
        }
        serde_json::Value::Null => out.push((prefix.to_owned(), "(none)".to_owned())),
        serde_json::Value::String(s) => out.push((prefix.to_owned(), s.clone())),
        other => out.push((prefix.to_owned(), other.to_string())),
    }
}

/// The facts of one environment: `(section, item, value)`.
pub fn facts(m: &Model) -> Vec<(String, String, String)> {
    let p = &m.platform;
    let underscored = p.env.prefix.replace('-', "_");
    let norm = |s: &str| {
        s.replace(p.env.prefix.as_str(), "{prefix}")
            .replace(underscored.as_str(), "{prefix}")
            .replace(p.env.account_id.as_str(), "{account}")
    };
    let mut out = settings_facts(p);
    let mut push = |section: &str, item: String, value: String| {
        out.push((section.to_owned(), norm(&item), norm(&value)));
    };
    stack_facts(p, &mut push);
    protection_facts(&m.encryption, &mut push);
    audit_facts(&m.audit, &mut push);
    access_facts(&m.access, &mut push);
    out
}

/// Where the fact helpers put a fact: `(section, item, value)`, normalised by the caller.
type Push<'a> = dyn FnMut(&str, String, String) + 'a;

/// The environment's settings, flattened, its name left out; prefix and account as they are.
fn settings_facts(p: &Platform) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = Vec::new();
    let mut settings = Vec::new();
    flatten(
        "",
        &serde_json::to_value(&p.env).unwrap_or_default(),
        &mut settings,
    );
    for (k, v) in settings {
        if k == "name" {
            continue;
        }
        // The prefix and account are the environment's identity: shown as they are.
        let shown = if k == "prefix" || k == "account_id" {
            format!("`{v}`")
        } else {
            v
        };
        out.push(("settings".to_owned(), k, shown));
    }
    out
}

/// Every stack with its resource count, and every resource with its type.
fn stack_facts(p: &Platform, push: &mut Push<'_>) {
    for s in &p.stacks {
        push(
            "stacks",
            format!("stack {}", s.kind),
            format!("{} resources", s.resources.len()),
        );
        for r in &s.resources {
            push("stacks", format!("resource {}", r.path()), r.kind.clone());
        }
    }
}

/// The protection level, retention policies, buckets, keys and other stores.
fn protection_facts(e: &Encryption, push: &mut Push<'_>) {
    push(
        "protection",
        "protection level".into(),
        e.protection.clone(),
    );
    push(
        "protection",
        "stack termination protection".into(),
        e.termination_protection.to_string(),
    );
    for r in &e.retained {
        push(
            "protection",
            format!("{} deletion / replace policy", r.resource),
            format!("{} / {}", r.deletion_policy, r.update_replace_policy),
        );
    }
    for b in &e.buckets {
        bucket_facts(b, push);
    }
    for k in &e.keys {
        push(
            "protection",
            format!("key {} rotation", k.alias),
            k.rotation.to_string(),
        );
        push(
            "protection",
            format!("key {} policy", k.alias),
            k.grants.join("; "),
        );
    }
    for s in &e.stores {
        push(
            "protection",
            format!("{} ({})", s.store, s.resource),
            format!("{}; retention {}", s.encryption, s.retention),
        );
    }
}

/// One bucket's encryption, TLS, versioning, public access block and lifecycle.
fn bucket_facts(b: &BucketFacts, push: &mut Push<'_>) {
    let z = &b.zone;
    push(
        "protection",
        format!("bucket {z} encryption"),
        format!("{} {}", b.encryption, b.key),
    );
    push(
        "protection",
        format!("bucket {z} TLS enforced"),
        b.tls_enforced.to_string(),
    );
    push(
        "protection",
        format!("bucket {z} versioning"),
        b.versioning.clone(),
    );
    push(
        "protection",
        format!("bucket {z} public access block"),
        b.public_access.clone(),
    );
    push(
        "protection",
        format!("bucket {z} lifecycle"),
        b.lifecycle.join("; "),
    );
}

/// The trails, alarms, topic subscribers and budgets.
fn audit_facts(audit: &Audit, push: &mut Push<'_>) {
    for t in &audit.trails {
        push(
            "audit",
            format!("trail {}", t.name),
            format!(
                "logging {}, multi-region {}, validation {}, management events {}",
                t.logging, t.multi_region, t.validation, t.management
            ),
        );
        for d in &t.data_events {
            push(
                "audit",
                format!("data events of {}", d.zone),
                d.recorded.clone(),
            );
        }
        push(
            "audit",
            "trail log files retention".into(),
            t.bucket_retention.clone(),
        );
        push(
            "audit",
            "trail log group retention".into(),
            t.log_group_retention.clone(),
        );
    }
    for a in &audit.alarms {
        push(
            "audit",
            format!("alarm {}", a.name),
            format!("{} → {}", a.condition, a.actions.join(", ")),
        );
    }
    for t in &audit.topics {
        push(
            "audit",
            format!("topic {} subscribers", t.name),
            t.subscribers.join(", "),
        );
    }
    for b in &audit.budgets {
        push(
            "audit",
            format!("budget {}", b.name),
            format!("{}; {}", b.limit, b.notifications.join("; ")),
        );
    }
}

/// Every cell of the access matrix, the assumers' rows left out.
fn access_facts(a: &AccessMatrix, push: &mut Push<'_>) {
    for (pi, pr) in a.principals.iter().enumerate() {
        if pr.kind == PrincipalKind::Assumer {
            continue;
        }
        for (li, loc) in a.locations.iter().enumerate() {
            push(
                "access",
                format!("{} on {}", pr.id, loc.id),
                a.cells[pi][li].text(),
            );
        }
    }
}
