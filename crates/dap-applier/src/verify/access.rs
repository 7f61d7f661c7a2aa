//! Live access: the access matrix computed twice with the same evaluator, once from the
//! rendered policies and once with the platform roles' trust and identity policies, the
//! bucket policies and the key policies replaced by what is live. Every principal ×
//! location where the live level is higher (or covers more of the location) is a finding
//! that names the live statements behind it.

use std::collections::BTreeSet;

use dap_docs::access::matrix;
use dap_model::policy::{percent_decode, LiveDocument, Policies};
use dap_model::{Pin, PolicyKind};

use super::codes::ACCESS_WIDER;
use super::expect::Expected;
use super::live::Live;
use super::Checks;

/// The platform's policies with what is live in place of what `verify` read.
pub fn live_policies(p: &dap_docs::Platform, e: &Expected, l: &Live) -> Policies {
    let pin = Pin::new(p.account(), p.region());
    let model = dap_docs::policy::collect(p);
    let roles: BTreeSet<&str> = e.roles.iter().map(|r| r.name.as_str()).collect();
    let buckets: BTreeSet<&str> = e.buckets.iter().map(|b| b.name.as_str()).collect();
    let keys: BTreeSet<String> = e
        .keys
        .iter()
        .map(|k| {
            format!(
                "arn:{}:kms:{}:{}:key/{}",
                pin.partition, pin.region, pin.account, k.logical_id
            )
        })
        .collect();
    let replaced = |kind: PolicyKind, to: &[String]| -> bool {
        match kind {
            PolicyKind::Trust | PolicyKind::Identity => {
                !to.is_empty() && to.iter().all(|t| roles.contains(t.as_str()))
            }
            PolicyKind::Bucket => to.iter().any(|t| buckets.contains(t.as_str())),
            PolicyKind::Key => to.iter().any(|t| keys.contains(t)),
            _ => false,
        }
    };
    let mut docs = Vec::new();
    let doc =
        |kind, origin: String, ty: &str, place: &str, to: Vec<String>, json: &str| LiveDocument {
            kind,
            origin,
            resource_type: ty.to_owned(),
            place: place.to_owned(),
            attached_to: to,
            json: l.with_stand_ins(&percent_decode(json), &pin),
        };
    for (name, r) in &l.roles {
        docs.push(doc(
            PolicyKind::Trust,
            format!("role/{name}"),
            "AWS::IAM::Role",
            "AssumeRolePolicyDocument",
            vec![name.clone()],
            &r.trust,
        ));
        for (policy, json) in &r.inline {
            docs.push(doc(
                PolicyKind::Identity,
                format!("role/{name}"),
                "AWS::IAM::Role",
                &format!("inline policy {policy}"),
                vec![name.clone()],
                json,
            ));
        }
        for arn in &r.managed {
            if let Some(p) = l.policies.get(arn) {
                docs.push(doc(
                    PolicyKind::Identity,
                    format!("policy/{}", arn.rsplit('/').next().unwrap_or(arn)),
                    "AWS::IAM::ManagedPolicy",
                    &format!("version {}", p.version),
                    vec![name.clone()],
                    &p.document,
                ));
            }
        }
    }
    for (name, b) in &l.buckets {
        if let Some(json) = &b.policy {
            docs.push(doc(
                PolicyKind::Bucket,
                format!("bucket/{name}"),
                "AWS::S3::BucketPolicy",
                "PolicyDocument",
                vec![name.clone()],
                json,
            ));
        }
    }
    for (logical, k) in &l.keys {
        let arn = format!(
            "arn:{}:kms:{}:{}:key/{logical}",
            pin.partition, pin.region, pin.account
        );
        docs.push(doc(
            PolicyKind::Key,
            format!("key/{}", k.id),
            "AWS::KMS::Key",
            "KeyPolicy",
            vec![arn],
            &k.policy,
        ));
    }
    let live = Policies::from_live(&docs, &pin).unwrap_or_default();
    let mut out = model.clone();
    out.statements.retain(|s| !replaced(s.kind, &s.attached_to));
    out.statements.extend(live.statements);
    for (i, s) in out.statements.iter_mut().enumerate() {
        s.index = i;
    }
    out.reindex();
    out
}

/// Record every cell where live access is wider than the model's.
pub(crate) fn compare(p: &dap_docs::Platform, e: &Expected, l: &Live, c: &mut Checks) {
    let model = matrix(p, &dap_docs::policy::collect(p));
    let policies = live_policies(p, e, l);
    let live = matrix(p, &policies);
    let mut compared = 0usize;
    let mut wider_cells = 0usize;
    for (pi, pr) in live.principals.iter().enumerate() {
        for (li, loc) in live.locations.iter().enumerate() {
            let now = &live.cells[pi][li];
            let was = model.cell(&pr.id, &loc.id);
            let (was_level, was_partial) =
                was.map_or((dap_docs::Level::None, false), |w| (w.level, w.partial));
            compared += 1;
            let wider = (now.level, !now.partial) > (was_level, !was_partial)
                && now.level > dap_docs::Level::None;
            if !wider {
                continue;
            }
            wider_cells += 1;
            let behind: Vec<String> = now
                .grants
                .first()
                .map(|g| {
                    g.statements
                        .iter()
                        .filter_map(|i| policies.statements.get(*i))
                        .map(|s| format!("{} of {} ({})", s.label(), s.resource, s.place))
                        .collect()
                })
                .unwrap_or_default();
            c.add(
                &ACCESS_WIDER,
                &loc.name,
                &format!("access of {}", pr.label),
                was.map_or_else(|| "none".to_owned(), |w| w.text()),
                if behind.is_empty() {
                    now.text()
                } else {
                    format!("{} through {}", now.text(), behind.join(", "))
                },
                false,
            );
        }
    }
    if wider_cells > 0 {
        return;
    }
    c.add(
        &ACCESS_WIDER,
        "every data location",
        &format!(
            "live access of {} principals on {} locations",
            live.principals.len(),
            live.locations.len()
        ),
        format!("{compared} cells as the model's access matrix"),
        "no cell wider than the model's",
        true,
    );
}
