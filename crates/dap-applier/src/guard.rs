//! Replacement prediction and the data-loss guard.
//!
//! A modified resource is replaced when one of its create-only properties changes. The
//! create-only lists come from the CloudFormation resource provider schemas bundled with
//! cfn-lint (`dap-cfn/data/create_only.json`, written by `scripts/gen-provider-data.py`,
//! checked for staleness in CI) and are read through `dap_cfn::facts`, which also says which
//! types are data-bearing. Data-bearing resources are never replaced or removed unless the
//! run names each one ([`Allowances`]).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::diff::{self, PropertyChange};
pub use crate::plan::{Allowances, Loss, Verdict};
use crate::plan::{ChangeAction, Plan, ResourceChange};

pub use dap_cfn::facts::{create_only, is_data_bearing};

/// Every resource type the create-only data knows.
pub fn known_types() -> impl Iterator<Item = &'static str> {
    dap_cfn::facts::create_only_types()
}

/// The changed paths that force a replacement: a changed `Type`, or a change at or under a
/// create-only property.
pub fn replacement_reasons(resource_type: &str, properties: &[PropertyChange]) -> Vec<String> {
    let create_only = create_only(resource_type).unwrap_or_default();
    let mut out: Vec<String> = Vec::new();
    for p in properties {
        let hit = p.path == "Type"
            || (p.path == "Properties" && !create_only.is_empty())
            || create_only.iter().any(|c| {
                p.path == *c
                    || p.path.starts_with(&format!("{c}."))
                    || p.path.starts_with(&format!("{c}["))
            });
        if hit && !out.contains(&p.path) {
            out.push(p.path.clone());
        }
    }
    out
}

/// The loss a change would cause, if its resource is data-bearing.
pub fn loss(change: &ResourceChange) -> Option<Loss> {
    if !is_data_bearing(&change.resource_type) {
        return None;
    }
    match change.action {
        ChangeAction::Remove => Some(Loss::Remove),
        ChangeAction::Modify if change.is_replacement() => Some(Loss::Replace),
        _ => None,
    }
}

/// Fill in a change's prediction (from its properties) and verdict.
pub(crate) fn assess(
    change: &mut ResourceChange,
    stack: &str,
    kind: &str,
    allowances: &Allowances,
) {
    if change.action == ChangeAction::Modify {
        change.replacement_reasons = replacement_reasons(&change.resource_type, &change.properties);
        let predicted = !change.replacement_reasons.is_empty();
        change.replacement_disagrees = match change.replacement.as_deref() {
            Some("True") => !predicted,
            Some("False") => predicted,
            _ => false,
        };
    }
    change.guard = match loss(change) {
        None => Verdict::Unguarded,
        Some(l) if allowances.allows(l, stack, kind, &change.logical_id) => Verdict::Allowed,
        Some(_) => Verdict::Blocked,
    };
}

/// The resource changes between a deployed template and a new one, found locally (without a
/// change set), assessed against `allowances`: added, modified (with their property changes
/// and predicted replacement) and removed resources. A changed logical id is a removal and an
/// addition.
pub fn local_changes(
    stack: &str,
    kind: &str,
    before: &str,
    after: &str,
    allowances: &Allowances,
) -> Result<Vec<ResourceChange>, String> {
    let parse = |text: &str, which: &str| {
        serde_yaml::from_str::<Value>(text)
            .map_err(|e| format!("cannot read the {which} template: {e}"))
    };
    let types = |v: &Value| -> BTreeMap<String, String> {
        v.get("Resources")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(id, r)| {
                        let t = r.get("Type").and_then(Value::as_str).unwrap_or_default();
                        (id.clone(), t.to_owned())
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let (old, new) = (
        types(&parse(before, "deployed")?),
        types(&parse(after, "new")?),
    );
    let mut modified = diff::template_changes(before, after)?;
    let mut out = Vec::new();
    let mut push = |action: ChangeAction, id: &str, t: &str, properties| {
        let mut c = ResourceChange::new(action, id.to_owned(), t.to_owned());
        c.properties = properties;
        assess(&mut c, stack, kind, allowances);
        out.push(c);
    };
    for (id, t) in &old {
        if !new.contains_key(id) {
            push(ChangeAction::Remove, id, t, Vec::new());
        }
    }
    for (id, t) in &new {
        match modified.remove(id) {
            Some(props) => push(ChangeAction::Modify, id, t, props),
            None if !old.contains_key(id) => push(ChangeAction::Add, id, t, Vec::new()),
            None => {}
        }
    }
    Ok(out)
}

impl Plan {
    /// Judge every change again with the run's allowances. Returns the allowances that name
    /// no guarded change of the plan (a typo, or a change that is no longer planned).
    pub fn allow(&mut self, allowances: &Allowances) -> Vec<String> {
        self.allow_replace = allowances.replace.iter().cloned().collect();
        self.allow_remove = allowances.remove.iter().cloned().collect();
        let mut used: Vec<String> = Vec::new();
        for s in &mut self.stacks {
            for c in &mut s.changes {
                assess(c, &s.name, &s.kind, allowances);
                if let Some(l) = loss(c) {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(path: &str) -> PropertyChange {
        PropertyChange {
            path: path.to_owned(),
            before: None,
            after: None,
        }
    }

    #[test]
    fn create_only_paths_and_what_is_under_them_force_a_replacement() {
        let props = [
            change("BucketName"),
            change("BucketNameSuffix"),
            change("Tags[0].Value"),
        ];
        assert_eq!(
            replacement_reasons("AWS::S3::Bucket", &props),
            vec!["BucketName"]
        );
        assert_eq!(
            replacement_reasons("AWS::Glue::Table", &[change("TableInput.Name")]),
            vec!["TableInput.Name"]
        );
        assert_eq!(
            replacement_reasons("AWS::Glue::Table", &[change("TableInput.Parameters.x")]),
            Vec::<String>::new()
        );
        assert_eq!(
            replacement_reasons("AWS::SNS::Topic", &[change("Type")]),
            vec!["Type"]
        );
    }

    fn judged(resource_type: &str, path: &str, aws: Option<&str>) -> ResourceChange {
        let mut c = ResourceChange::new(ChangeAction::Modify, "X".into(), resource_type.into());
        c.properties = vec![change(path)];
        c.replacement = aws.map(str::to_owned);
        assess(&mut c, "dap-dev-s", "s", &Allowances::default());
        c
    }

    #[test]
    fn cloudformation_s_verdict_is_kept_and_a_disagreement_flagged() {
        let c = judged("AWS::S3::Bucket", "BucketName", Some("True"));
        assert!(!c.replacement_disagrees && c.guard == Verdict::Blocked);
        let c = judged("AWS::S3::Bucket", "BucketName", Some("False"));
        assert!(c.replacement_disagrees && c.guard == Verdict::Blocked);
        // AWS knows better than the schema (say, a dynamic value): still guarded
        let c = judged("AWS::S3::Bucket", "Tags[0].Value", Some("True"));
        assert!(c.replacement_disagrees && c.guard == Verdict::Blocked);
        let c = judged("AWS::S3::Bucket", "Tags[0].Value", Some("Conditional"));
        assert!(!c.replacement_disagrees && c.guard == Verdict::Blocked);
        let c = judged("AWS::S3::Bucket", "Tags[0].Value", None);
        assert_eq!(c.guard, Verdict::Unguarded);
        // not data-bearing: predicted, never guarded
        let c = judged("AWS::SNS::Topic", "TopicName", None);
        assert_eq!(
            (c.replacement_reasons.len(), c.guard),
            (1, Verdict::Unguarded)
        );
    }

    #[test]
    fn allowances_name_the_stack_by_name_or_kind() {
        let a = Allowances {
            replace: ["storage/RawBucket".to_owned()].into(),
            remove: ["dap-dev-catalog/T".to_owned()].into(),
        };
        assert!(a.allows(Loss::Replace, "dap-dev-storage", "storage", "RawBucket"));
        assert!(!a.allows(Loss::Remove, "dap-dev-storage", "storage", "RawBucket"));
        assert!(a.allows(Loss::Remove, "dap-dev-catalog", "catalog", "T"));
        assert!(!a.allows(Loss::Replace, "dap-dev-catalog", "catalog", "T"));
    }
}

/// The stack policy of a stack for a protection level: allow every update, deny
/// `Update:Replace` and `Update:Delete` on the data-bearing resources (`strict` and
/// `standard`; `None` for `relaxed` or a stack without data-bearing resources). Resources in
/// `except` are left out of the deny (the run allows their replacement or removal: used as
/// the policy during that one update).
pub fn stack_policy<'a>(
    protection: dap_config::Protection,
    resources: impl IntoIterator<Item = (&'a str, &'a str)>,
    except: &[&str],
) -> Option<String> {
    if protection == dap_config::Protection::Relaxed {
        return None;
    }
    let guarded: Vec<String> = resources
        .into_iter()
        .filter(|(id, t)| is_data_bearing(t) && !except.contains(id))
        .map(|(id, _)| format!("LogicalResourceId/{id}"))
        .collect();
    let mut statements = vec![serde_json::json!({
        "Effect": "Allow",
        "Action": "Update:*",
        "Principal": "*",
        "Resource": "*",
    })];
    if !guarded.is_empty() {
        statements.push(serde_json::json!({
            "Effect": "Deny",
            "Action": ["Update:Replace", "Update:Delete"],
            "Principal": "*",
            "Resource": guarded,
        }));
    } else if except.is_empty() {
        return None;
    }
    Some(serde_json::json!({ "Statement": statements }).to_string())
}

#[cfg(test)]
mod policy_tests {
    use dap_config::Protection;

    use super::stack_policy;

    const RES: &[(&str, &str)] = &[
        ("Raw", "AWS::S3::Bucket"),
        ("RawPolicy", "AWS::S3::BucketPolicy"),
        ("Key", "AWS::KMS::Key"),
    ];

    #[test]
    fn strict_and_standard_deny_replace_and_delete_on_data_bearing_resources_only() {
        for p in [Protection::Strict, Protection::Standard] {
            assert_eq!(
                stack_policy(p, RES.iter().copied(), &[]).unwrap(),
                r#"{"Statement":[{"Effect":"Allow","Action":"Update:*","Principal":"*","Resource":"*"},{"Effect":"Deny","Action":["Update:Replace","Update:Delete"],"Principal":"*","Resource":["LogicalResourceId/Raw","LogicalResourceId/Key"]}]}"#
            );
        }
        assert_eq!(
            stack_policy(Protection::Relaxed, RES.iter().copied(), &[]),
            None
        );
        assert_eq!(
            stack_policy(Protection::Strict, [("P", "AWS::S3::BucketPolicy")], &[]),
            None
        );
    }

    #[test]
    fn an_allowed_resource_is_left_out_of_the_policy_during_the_update() {
        let p = stack_policy(Protection::Strict, RES.iter().copied(), &["Raw"]).unwrap();
        assert!(!p.contains("LogicalResourceId/Raw\""), "{p}");
        assert!(p.contains("LogicalResourceId/Key"), "{p}");
        let only = stack_policy(Protection::Strict, [("Raw", "AWS::S3::Bucket")], &["Raw"]);
        assert_eq!(
            only.as_deref(),
            Some(
                r#"{"Statement":[{"Effect":"Allow","Action":"Update:*","Principal":"*","Resource":"*"}]}"#
            )
        );
    }
}
