//! The model against the live account, service by service, as [`Check`](super::Check)s.

use std::collections::BTreeSet;

use dap_model::policy::{percent_decode, LiveDocument, Policies};
use dap_model::{Pin, PolicyKind};

use super::codes::*;
use super::expect::{self, Expected};
use super::live::Live;
use super::{canonical, statement_diff, Checks};

/// Every comparison.
pub(crate) fn all(e: &Expected, l: &Live, c: &mut Checks) {
    let pin = e.pin.clone().unwrap_or_else(|| Pin::new("", ""));
    iam(e, l, &pin, c);
    kms(e, l, &pin, c);
    trail(e, l, c);
    logs(e, l, c);
    alarms(e, l, c);
    sns(e, l, c);
    s3(e, l, &pin, c);
}

/// A live document's statements, canonical, with the platform's key ARNs as the model names
/// them.
pub(crate) fn live_statements(
    json: &str,
    kind: PolicyKind,
    pin: &Pin,
    l: &Live,
) -> Result<Vec<String>, String> {
    let doc = LiveDocument {
        kind,
        origin: "live".to_owned(),
        resource_type: String::new(),
        place: String::new(),
        attached_to: vec!["live".to_owned()],
        json: l.with_stand_ins(&percent_decode(json), pin),
    };
    let policies = Policies::from_live(&[doc], pin)?;
    Ok(policies
        .statements
        .iter()
        .map(|s| canonical(s, |a| expect::root_of(pin, a)))
        .collect())
}

/// Compare two statement lists; record one check.
fn statements(
    c: &mut Checks,
    code: &Code,
    resource: &str,
    what: &str,
    expected: &[String],
    live: Result<Vec<String>, String>,
) {
    let live = match live {
        Ok(l) => l,
        Err(problem) => {
            c.add(
                code,
                resource,
                what,
                format!("{} statements", expected.len()),
                format!("unreadable: {problem}"),
                false,
            );
            return;
        }
    };
    let (missing, extra) = statement_diff(expected, &live);
    let passed = missing.is_empty() && extra.is_empty();
    let live_text = if passed {
        format!("the same {} statements", live.len())
    } else {
        let mut parts = Vec::new();
        for m in &missing {
            parts.push(format!("missing: {m}"));
        }
        for x in &extra {
            parts.push(format!("not in the model: {x}"));
        }
        parts.join("\n")
    };
    c.add(
        code,
        resource,
        what,
        format!("{} statements as rendered", expected.len()),
        live_text,
        passed,
    );
}

fn list(items: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    let v: Vec<String> = items.into_iter().map(|s| s.as_ref().to_owned()).collect();
    if v.is_empty() {
        "(none)".to_owned()
    } else {
        v.join(", ")
    }
}

fn opt(v: Option<&str>) -> String {
    v.unwrap_or("(none)").to_owned()
}

fn iam(e: &Expected, l: &Live, pin: &Pin, c: &mut Checks) {
    for role in &e.roles {
        let Some(live) = l.roles.get(&role.name) else {
            c.add(
                &IAM_ROLE_MISSING,
                &role.name,
                "exists",
                "a role",
                "(no such role)",
                false,
            );
            continue;
        };
        c.add(
            &IAM_ROLE_MISSING,
            &role.name,
            "exists",
            "a role",
            "a role",
            true,
        );
        statements(
            c,
            &IAM_TRUST,
            &role.name,
            "trust policy",
            &role.trust,
            live_statements(&live.trust, PolicyKind::Trust, pin, l),
        );
        let extra_inline: Vec<&String> = live
            .inline
            .keys()
            .filter(|n| !role.inline.contains_key(*n))
            .collect();
        c.add(
            &IAM_INLINE,
            &role.name,
            "inline policies",
            list(role.inline.keys()),
            list(live.inline.keys()),
            extra_inline.is_empty(),
        );
        for (name, want) in &role.inline {
            if let Some(doc) = live.inline.get(name) {
                statements(
                    c,
                    &IAM_INLINE,
                    &role.name,
                    &format!("inline policy `{name}`"),
                    want,
                    live_statements(doc, PolicyKind::Identity, pin, l),
                );
            }
        }
        let extra: Vec<&String> = live.managed.difference(&role.managed).collect();
        let missing: Vec<&String> = role.managed.difference(&live.managed).collect();
        c.add(
            &IAM_EXTRA_ATTACHED,
            &role.name,
            "managed policies attached beyond the model",
            "(none)",
            list(&extra),
            extra.is_empty(),
        );
        c.add(
            &IAM_MISSING_ATTACHED,
            &role.name,
            "managed policies of the model attached",
            list(&role.managed),
            list(&live.managed),
            missing.is_empty(),
        );
        c.equal(
            &IAM_BOUNDARY,
            &role.name,
            "permissions boundary",
            opt(role.boundary.as_deref()),
            opt(live.boundary.as_deref()),
        );
    }
    for p in &e.policies {
        let Some(live) = l.policies.get(&p.arn) else {
            c.add(
                &IAM_POLICY_MISSING,
                &p.name,
                "exists",
                "a managed policy",
                "(no such policy)",
                false,
            );
            continue;
        };
        c.add(
            &IAM_POLICY_MISSING,
            &p.name,
            "exists",
            "a managed policy",
            "a managed policy",
            true,
        );
        statements(
            c,
            &IAM_POLICY_DOCUMENT,
            &p.name,
            &format!("default version ({})", live.version),
            &p.statements,
            live_statements(&live.document, PolicyKind::Identity, pin, l),
        );
    }
}

fn kms(e: &Expected, l: &Live, pin: &Pin, c: &mut Checks) {
    for key in &e.keys {
        let label = key.alias.clone().unwrap_or_else(|| key.logical_id.clone());
        let Some(live) = l.keys.get(&key.logical_id) else {
            c.add(
                &KMS_KEY_MISSING,
                &label,
                "exists",
                format!("the key `{}` of the stack", key.logical_id),
                "(no key found through the stack or the alias)",
                false,
            );
            continue;
        };
        c.add(
            &KMS_KEY_MISSING,
            &label,
            "exists",
            "a key",
            live.arn.clone(),
            true,
        );
        if let Some(problem) = &live.unreadable {
            c.add(
                &KMS_POLICY,
                &label,
                "key policy",
                format!("{} statements as rendered", key.policy.len()),
                format!(
                    "unreadable: {problem}; the key's state, rotation and grants were not read"
                ),
                false,
            );
            continue;
        }
        c.equal(&KMS_KEY_STATE, &label, "key state", "Enabled", &live.state);
        c.equal(
            &KMS_KEY_MANAGER,
            &label,
            "manager and spec",
            "CUSTOMER SYMMETRIC_DEFAULT".to_owned(),
            format!("{} {}", live.manager, live.spec),
        );
        c.equal(
            &KMS_ROTATION,
            &label,
            "rotation",
            key.rotation,
            live.rotation,
        );
        statements(
            c,
            &KMS_POLICY,
            &label,
            "key policy",
            &key.policy,
            live_statements(&live.policy, PolicyKind::Key, pin, l),
        );
        c.add(
            &KMS_GRANT,
            &label,
            "grants",
            "(none)",
            list(&live.grants),
            live.grants.is_empty(),
        );
        if let Some(alias) = &key.alias {
            let target = l.aliases.get(alias);
            let ours = l.stack_keys.get(&key.logical_id).unwrap_or(&live.id);
            c.add(
                &KMS_ALIAS,
                alias,
                "alias target",
                ours.clone(),
                opt(target.map(String::as_str)),
                target == Some(ours),
            );
        }
    }
}

fn trail(e: &Expected, l: &Live, c: &mut Checks) {
    let Some(want) = &e.trail else { return };
    let name = want.name.as_str();
    let Some(live) = &l.trail else {
        c.add(
            &TRAIL_MISSING,
            name,
            "exists",
            "a trail",
            "(no such trail)",
            false,
        );
        return;
    };
    c.add(&TRAIL_MISSING, name, "exists", "a trail", "a trail", true);
    c.equal(&TRAIL_LOGGING, name, "logging", want.logging, live.logging);
    c.equal(
        &TRAIL_SETTING,
        name,
        "multi-region",
        want.multi_region,
        live.multi_region,
    );
    c.equal(
        &TRAIL_SETTING,
        name,
        "global service events",
        want.global_events,
        live.global_events,
    );
    c.equal(
        &TRAIL_SETTING,
        name,
        "log file validation",
        want.validation,
        live.validation,
    );
    c.equal(
        &TRAIL_SETTING,
        name,
        "bucket",
        want.bucket.as_str(),
        live.bucket.as_str(),
    );
    let live_key = l.key_name(live.key.as_deref());
    c.equal(
        &TRAIL_SETTING,
        name,
        "KMS key",
        opt(want.key.as_deref()),
        opt(live_key.as_deref()),
    );
    c.equal(
        &TRAIL_SETTING,
        name,
        "log group",
        opt(want.log_group.as_deref()),
        opt(live
            .log_group_arn
            .as_deref()
            .map(expect::log_group_of_arn)
            .as_deref()),
    );
    c.equal(
        &TRAIL_SELECTORS,
        name,
        "management events",
        want.management_events,
        live.management_events || !want.management_events,
    );
    let missing: Vec<&String> = want
        .data_resources
        .difference(&live.data_resources)
        .collect();
    c.add(
        &TRAIL_SELECTORS,
        name,
        "data events recorded",
        list(&want.data_resources),
        if missing.is_empty() {
            list(&live.data_resources)
        } else {
            format!("missing: {}", list(&missing))
        },
        missing.is_empty(),
    );
    c.add(
        &TRAIL_DELIVERY,
        name,
        "latest delivery",
        "no error",
        live.delivery_error
            .clone()
            .unwrap_or_else(|| "no error".to_owned()),
        live.delivery_error.is_none(),
    );
}

fn logs(e: &Expected, l: &Live, c: &mut Checks) {
    for g in &e.log_groups {
        let Some(live) = l.log_groups.get(&g.name) else {
            c.add(
                &LOGS_MISSING,
                &g.name,
                "exists",
                "a log group",
                "(no such log group)",
                false,
            );
            continue;
        };
        c.add(
            &LOGS_MISSING,
            &g.name,
            "exists",
            "a log group",
            "a log group",
            true,
        );
        let days =
            |d: Option<i32>| d.map_or_else(|| "never expire".to_owned(), |d| format!("{d} days"));
        c.equal(
            &LOGS_RETENTION,
            &g.name,
            "retention",
            days(g.retention),
            days(live.retention),
        );
        let live_key = l.key_name(live.key.as_deref());
        c.equal(
            &LOGS_KEY,
            &g.name,
            "KMS key",
            opt(g.key.as_deref()),
            opt(live_key.as_deref()),
        );
    }
    for f in &e.filters {
        let Some(live) = l.filters.get(&f.name) else {
            c.add(
                &CW_FILTER_MISSING,
                &f.name,
                "exists",
                format!("a metric filter on `{}`", f.log_group),
                "(no such metric filter)",
                false,
            );
            continue;
        };
        c.add(
            &CW_FILTER_MISSING,
            &f.name,
            "exists",
            "a metric filter",
            "a metric filter",
            true,
        );
        c.equal(
            &CW_FILTER,
            &f.name,
            "pattern",
            f.pattern.as_str(),
            live.pattern.as_str(),
        );
        c.equal(
            &CW_FILTER,
            &f.name,
            "log group",
            f.log_group.as_str(),
            live.log_group.as_str(),
        );
        c.add(
            &CW_FILTER,
            &f.name,
            "metric",
            f.metric.clone(),
            list(&live.metrics),
            live.metrics.contains(&f.metric),
        );
    }
}

fn alarms(e: &Expected, l: &Live, c: &mut Checks) {
    for a in &e.alarms {
        let Some(live) = l.alarms.get(&a.name) else {
            c.add(
                &CW_ALARM_MISSING,
                &a.name,
                "exists",
                "an alarm",
                "(no such alarm)",
                false,
            );
            continue;
        };
        c.add(
            &CW_ALARM_MISSING,
            &a.name,
            "exists",
            "an alarm",
            "an alarm",
            true,
        );
        c.equal(
            &CW_ALARM,
            &a.name,
            "metric",
            a.metric.as_str(),
            live.metric.as_str(),
        );
        c.equal(
            &CW_ALARM,
            &a.name,
            "actions enabled",
            a.enabled,
            live.enabled,
        );
        c.equal(
            &CW_ALARM,
            &a.name,
            "alarm actions",
            list(&a.actions),
            list(&live.actions),
        );
    }
}

fn sns(e: &Expected, l: &Live, c: &mut Checks) {
    for topic in &e.topics {
        let name = topic.rsplit(':').next().unwrap_or(topic);
        let live = l.subscriptions.get(topic).cloned().flatten();
        c.add(
            &SNS_TOPIC_MISSING,
            name,
            "exists",
            "a topic",
            if live.is_some() {
                "a topic"
            } else {
                "(no such topic)"
            },
            live.is_some(),
        );
        let Some(live) = live else { continue };
        for s in e.subscriptions.iter().filter(|s| &s.topic == topic) {
            let found = live
                .iter()
                .any(|(p, ep)| p == &s.protocol && ep.eq_ignore_ascii_case(&s.endpoint));
            c.add(
                &SNS_SUBSCRIPTION,
                name,
                &format!("subscription of `{}`", s.endpoint),
                format!("{} {}", s.protocol, s.endpoint),
                list(live.iter().map(|(p, ep)| format!("{p} {ep}"))),
                found,
            );
        }
    }
}

fn s3(e: &Expected, l: &Live, pin: &Pin, c: &mut Checks) {
    for b in &e.buckets {
        let name = b.name.as_str();
        let live = l.buckets.get(name).filter(|b| b.exists);
        let Some(live) = live else {
            c.add(
                &S3_BUCKET_MISSING,
                name,
                "exists",
                "a bucket",
                "(no such bucket)",
                false,
            );
            continue;
        };
        c.add(
            &S3_BUCKET_MISSING,
            name,
            "exists",
            "a bucket",
            "a bucket",
            true,
        );
        let live_key = l.key_name(live.key.as_deref());
        let show = |sse: Option<&str>, key: Option<&str>| match (sse, key) {
            (Some(s), Some(k)) => format!("{s} with {k}"),
            (Some(s), None) => s.to_owned(),
            (None, _) => "(none)".to_owned(),
        };
        c.equal(
            &S3_ENCRYPTION,
            name,
            "default encryption",
            show(b.sse.as_deref(), b.key.as_deref()),
            show(live.sse.as_deref(), live_key.as_deref()),
        );
        let flags = |f: Option<[bool; 4]>| match f {
            None => "(none)".to_owned(),
            Some(f) => {
                let names = [
                    "BlockPublicAcls",
                    "IgnorePublicAcls",
                    "BlockPublicPolicy",
                    "RestrictPublicBuckets",
                ];
                let on: BTreeSet<&str> = names
                    .iter()
                    .zip(f)
                    .filter(|(_, v)| *v)
                    .map(|(n, _)| *n)
                    .collect();
                if on.is_empty() {
                    "all off".to_owned()
                } else {
                    list(on)
                }
            }
        };
        c.equal(
            &S3_PUBLIC_ACCESS,
            name,
            "public access block",
            flags(b.public_access),
            flags(live.public_access),
        );
        c.equal(
            &S3_VERSIONING,
            name,
            "versioning",
            opt(b.versioning.as_deref()),
            opt(live.versioning.as_deref()),
        );
        c.equal(
            &S3_OWNERSHIP,
            name,
            "object ownership",
            opt(b.ownership.as_deref()),
            opt(live.ownership.as_deref()),
        );
        match (&b.policy, &live.policy) {
            (Some(want), Some(doc)) => statements(
                c,
                &S3_POLICY,
                name,
                "bucket policy",
                want,
                live_statements(doc, PolicyKind::Bucket, pin, l),
            ),
            (want, doc) => c.add(
                &S3_POLICY,
                name,
                "bucket policy",
                if want.is_some() {
                    "a bucket policy"
                } else {
                    "(none)"
                },
                if doc.is_some() {
                    "a bucket policy"
                } else {
                    "(none)"
                },
                want.is_some() == doc.is_some(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_encoded_documents_are_read() {
        let pin = Pin::new("123456789012", "ca-central-1");
        let plain = r#"{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
        let encoded = "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3AGetObject%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D";
        let l = Live::default();
        assert_eq!(
            live_statements(plain, PolicyKind::Identity, &pin, &l),
            live_statements(encoded, PolicyKind::Identity, &pin, &l)
        );
    }

    #[test]
    fn statements_compare_by_meaning() {
        let pin = Pin::new("123456789012", "ca-central-1");
        let l = Live::default();
        let a = live_statements(
            r#"{"Statement":[{"Sid":"A","Effect":"Allow","Action":["s3:GetObject","S3:ListBucket"],"Resource":"*","Principal":{"AWS":"123456789012"}}]}"#,
            PolicyKind::Bucket,
            &pin,
            &l,
        )
        .unwrap();
        let b = live_statements(
            r#"{"Statement":{"Sid":"Other","Effect":"Allow","Action":["s3:listbucket","s3:GetObject"],"Resource":["*"],"Principal":{"AWS":["arn:aws:iam::123456789012:root"]}}}"#,
            PolicyKind::Bucket,
            &pin,
            &l,
        )
        .unwrap();
        assert_eq!(a, b);
        let c = live_statements(
            r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Principal":"*"}]}"#,
            PolicyKind::Bucket,
            &pin,
            &l,
        )
        .unwrap();
        assert_ne!(a, c);
    }
}
