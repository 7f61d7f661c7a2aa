//! The security diff: policy statements of IAM roles and managed policies, bucket policies,
//! key policies and topic policies, deployed against new, statement by statement.
//!
//! Statements are matched by `Sid` (by position when they have none). A matched pair shows
//! which principals, actions and resources were gained and lost; an unmatched statement is
//! added or removed whole. A change is *broadening* when an `Allow` gains a principal, action
//! or resource, loses or changes a condition, or is added, or when a `Deny` loses any of these
//! or is removed. An added `Deny` or a removed `Allow` never broadens, whatever its conditions.

use std::collections::{BTreeMap, BTreeSet};

use dap_cfn::facts::PolicyKind;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One statement's change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityChange {
    /// The resource holding the policy.
    pub logical_id: String,
    /// Its type (`AWS::IAM::Role`, `AWS::S3::BucketPolicy`, ...).
    pub resource_type: String,
    /// The document (`PolicyDocument`, `AssumeRolePolicyDocument`, `KeyPolicy`,
    /// `Policies[0].PolicyDocument`, ...).
    pub document: String,
    /// The statement's `Sid`, or `#<index>`.
    pub sid: String,
    /// `Allow` or `Deny`.
    pub effect: String,
    /// `added`, `removed` or `changed`.
    pub change: String,
    /// Whether it grants more than before.
    pub broadening: bool,
    /// Who holds it: the statement's principals, or for an identity policy the resource that
    /// holds it (`holders of <logical id>`).
    pub principals: Vec<String>,
    /// Principals, actions, resources and conditions gained (`+action s3:GetObject`).
    pub gained: Vec<String>,
    /// Those lost.
    pub lost: Vec<String>,
    /// The gained values that contain a wildcard `*`.
    pub wildcards: Vec<String>,
}

/// The policy documents of a resource, by where they are, and whether each is an identity
/// policy. Where a type keeps its documents comes from `dap_cfn::facts`, the table the rules
/// and reports read too.
fn documents(resource_type: &str, props: &Value) -> Vec<(String, Value, bool)> {
    let mut out = Vec::new();
    for place in dap_cfn::facts::policies(resource_type) {
        let identity = place.kind == PolicyKind::Identity;
        match place.list {
            Some(list) => {
                for (i, p) in props
                    .get(list)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    let name = p
                        .get("PolicyName")
                        .and_then(Value::as_str)
                        .map(|n| format!("{list}[{n}]"))
                        .unwrap_or_else(|| format!("{list}[{i}]"));
                    if let Some(d) = p.get(place.property) {
                        out.push((format!("{name}.{}", place.property), d.clone(), identity));
                    }
                }
            }
            None => {
                if let Some(d) = props.get(place.property) {
                    out.push((place.property.to_owned(), d.clone(), identity));
                }
            }
        }
    }
    out
}

/// Whether a type carries policies the security diff reads.
pub fn has_policies(resource_type: &str) -> bool {
    dap_cfn::facts::has_policies(resource_type)
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn list(v: Option<&Value>) -> BTreeSet<String> {
    match v {
        None => BTreeSet::new(),
        Some(Value::Array(xs)) => xs.iter().map(show).collect(),
        Some(x) => [show(x)].into(),
    }
}

fn principals(v: Option<&Value>) -> BTreeSet<String> {
    match v {
        Some(Value::Object(m)) => m
            .iter()
            .flat_map(|(kind, ids)| {
                list(Some(ids))
                    .into_iter()
                    .map(move |id| format!("{kind}:{id}"))
            })
            .collect(),
        other => list(other),
    }
}

struct Parts {
    effect: String,
    sets: Vec<(&'static str, BTreeSet<String>)>,
}

fn parts(s: &Value) -> Parts {
    let condition = s
        .get("Condition")
        .map(|c| [c.to_string()].into())
        .unwrap_or_default();
    Parts {
        effect: s
            .get("Effect")
            .and_then(Value::as_str)
            .unwrap_or("Allow")
            .to_owned(),
        sets: vec![
            ("principal", principals(s.get("Principal"))),
            ("not-principal", principals(s.get("NotPrincipal"))),
            ("action", list(s.get("Action"))),
            ("not-action", list(s.get("NotAction"))),
            ("resource", list(s.get("Resource"))),
            ("not-resource", list(s.get("NotResource"))),
            ("condition", condition),
        ],
    }
}

fn statements(doc: &Value) -> BTreeMap<String, Value> {
    let list = match doc.get("Statement") {
        Some(Value::Array(xs)) => xs.clone(),
        Some(x) => vec![x.clone()],
        None => Vec::new(),
    };
    list.into_iter()
        .enumerate()
        .map(|(i, s)| {
            let sid = s
                .get("Sid")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| format!("#{i}"));
            (sid, s)
        })
        .collect()
}

/// Whether a gain (or for a `Deny`, a loss) of this kind widens access. `Not*` elements
/// work the other way round; a condition that changes counts both as lost and gained.
fn widens(kind: &str, gained: bool, allow: bool) -> bool {
    let not = kind.starts_with("not-");
    let cond = kind == "condition";
    if cond {
        // an allow loses a condition, or a deny gains one
        return allow != gained;
    }
    (gained != not) == allow
}

fn compare(
    id: &str,
    resource_type: &str,
    document: &str,
    sid: &str,
    before: Option<&Value>,
    after: Option<&Value>,
    holder: Option<String>,
) -> Option<SecurityChange> {
    let empty = Value::Null;
    let (b, a) = (
        parts(before.unwrap_or(&empty)),
        parts(after.unwrap_or(&empty)),
    );
    let (mut gained, mut lost, mut wildcards) = (Vec::new(), Vec::new(), Vec::new());
    let mut broadening = false;
    let effect = if after.is_some() {
        &a.effect
    } else {
        &b.effect
    };
    let allow = effect == "Allow";
    let effect_changed = before.is_some() && after.is_some() && a.effect != b.effect;
    for ((kind, bs), (_, as_)) in b.sets.iter().zip(&a.sets) {
        let (bs, as_) = if effect_changed {
            (&BTreeSet::new(), as_)
        } else {
            (bs, as_)
        };
        for g in as_.difference(bs) {
            gained.push(format!("+{kind} {g}"));
            if g.contains('*') && *kind != "condition" {
                wildcards.push(g.clone());
            }
            if widens(kind, true, allow) {
                broadening = true;
            }
        }
        for l in bs.difference(as_) {
            lost.push(format!("-{kind} {l}"));
            if widens(kind, false, allow) {
                broadening = true;
            }
        }
    }
    if gained.is_empty() && lost.is_empty() && !effect_changed {
        return None;
    }
    if effect_changed && allow {
        broadening = true;
    }
    // A whole statement added or removed: only an `Allow` added or a `Deny` removed grants
    // more (its conditions limit what it grants or denies, they do not widen it).
    match (before, after) {
        (None, Some(_)) => broadening = allow,
        (Some(_), None) => broadening = !allow,
        _ => {}
    }
    let change = match (before, after) {
        (None, _) => "added",
        (_, None) => "removed",
        _ => "changed",
    };
    let principals: Vec<String> = match holder {
        Some(h) => vec![h],
        None => {
            let p = if after.is_some() {
                &a.sets[0].1
            } else {
                &b.sets[0].1
            };
            p.iter().cloned().collect()
        }
    };
    Some(SecurityChange {
        logical_id: id.to_owned(),
        resource_type: resource_type.to_owned(),
        document: document.to_owned(),
        sid: sid.to_owned(),
        effect: effect.clone(),
        change: change.to_owned(),
        broadening,
        principals,
        gained,
        lost,
        wildcards,
    })
}

/// The statement changes between two templates, broadening first, then by resource.
/// Resources present in only one template count too (their statements are added or
/// removed). Fails only if a template is not YAML or JSON.
pub fn security_changes(before: &str, after: &str) -> Result<Vec<SecurityChange>, String> {
    let parse = |text: &str, which: &str| {
        serde_yaml::from_str::<Value>(text)
            .map_err(|e| format!("cannot read the {which} template: {e}"))
    };
    let (before, after) = (parse(before, "deployed")?, parse(after, "new")?);
    let resources = |v: &Value| -> BTreeMap<String, (String, Value)> {
        v.get("Resources")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(id, r)| {
                        let t = r.get("Type")?.as_str()?.to_owned();
                        has_policies(&t).then(|| {
                            let p = r.get("Properties").cloned().unwrap_or(Value::Null);
                            (id.clone(), (t, p))
                        })
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let (old, new) = (resources(&before), resources(&after));
    let ids: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let mut out = Vec::new();
    for id in ids {
        let (t, _) = new.get(id).or_else(|| old.get(id)).expect("in one of them");
        let docs = |m: &BTreeMap<String, (String, Value)>| -> BTreeMap<String, (Value, bool)> {
            m.get(id)
                .map(|(t, p)| {
                    documents(t, p)
                        .into_iter()
                        .map(|(name, doc, identity)| (name, (doc, identity)))
                        .collect()
                })
                .unwrap_or_default()
        };
        let (bd, ad) = (docs(&old), docs(&new));
        let names: BTreeSet<&String> = bd.keys().chain(ad.keys()).collect();
        for name in names {
            let null = Value::Null;
            let (bs, as_) = (
                statements(bd.get(name).map_or(&null, |(d, _)| d)),
                statements(ad.get(name).map_or(&null, |(d, _)| d)),
            );
            let identity = ad
                .get(name)
                .or_else(|| bd.get(name))
                .is_some_and(|(_, i)| *i);
            let sids: BTreeSet<&String> = bs.keys().chain(as_.keys()).collect();
            for sid in sids {
                if let Some(c) = compare(
                    id,
                    t,
                    name,
                    sid,
                    bs.get(sid),
                    as_.get(sid),
                    identity.then(|| format!("holders of {id}")),
                ) {
                    out.push(c);
                }
            }
        }
    }
    out.sort_by_key(|c| !c.broadening);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLE: &str = r#"
Resources:
  Analyst:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
        - Effect: Allow
          Principal: {AWS: arn:aws:iam::1:role/a}
          Action: sts:AssumeRole
      Policies:
      - PolicyName: read
        PolicyDocument:
          Statement:
          - Sid: Read
            Effect: Allow
            Action: [s3:GetObject]
            Resource: [arn:aws:s3:::curated/*]
          - Sid: NoDelete
            Effect: Deny
            Action: [s3:DeleteObject]
            Resource: ["*"]
  Topic:
    Type: AWS::SNS::Topic
"#;

    fn summary(before: &str, after: &str) -> Vec<String> {
        security_changes(before, after)
            .unwrap()
            .into_iter()
            .map(|c| {
                format!(
                    "{} {} {} {} {}{} {:?} {:?} wild={:?}",
                    c.logical_id,
                    c.document,
                    c.sid,
                    c.change,
                    c.effect,
                    if c.broadening { " BROADENING" } else { "" },
                    c.gained,
                    c.lost,
                    c.wildcards
                )
            })
            .collect()
    }

    #[test]
    fn identical_policies_have_no_changes() {
        assert!(summary(ROLE, ROLE).is_empty());
    }

    #[test]
    fn a_new_stack_gains_every_statement_and_its_allows_broaden() {
        let found = summary("Resources: {}", ROLE);
        assert!(!found.is_empty());
        assert!(
            found
                .iter()
                .any(|l| l.contains(" Read ") && l.contains("BROADENING")),
            "{found:#?}"
        );
        // Nothing is lost by a stack that did not exist.
        assert!(found.iter().all(|l| l.contains("] [] wild=")), "{found:#?}");
    }

    #[test]
    fn a_gained_action_with_a_wildcard_is_broadening_and_listed_first() {
        let after = ROLE
            .replace("[s3:GetObject]", "[s3:GetObject, s3:*]")
            .replace("[s3:DeleteObject]", "[s3:DeleteObject, s3:PutObject]");
        assert_eq!(
            summary(ROLE, &after),
            vec![
                r#"Analyst Policies[read].PolicyDocument Read changed Allow BROADENING ["+action s3:*"] [] wild=["s3:*"]"#,
                r#"Analyst Policies[read].PolicyDocument NoDelete changed Deny ["+action s3:PutObject"] [] wild=[]"#,
            ]
        );
    }

    #[test]
    fn a_removed_deny_and_a_new_trusted_principal_broaden_a_removed_allow_narrows() {
        let after = ROLE
            .replace(
                "          - Sid: NoDelete\n            Effect: Deny\n            Action: [s3:DeleteObject]\n            Resource: [\"*\"]\n",
                "",
            )
            .replace("arn:aws:iam::1:role/a}", "[arn:aws:iam::1:role/a, \"*\"]}");
        let got = summary(ROLE, &after);
        assert_eq!(
            got,
            vec![
                r#"Analyst AssumeRolePolicyDocument #0 changed Allow BROADENING ["+principal AWS:*"] [] wild=["AWS:*"]"#,
                r#"Analyst Policies[read].PolicyDocument NoDelete removed Deny BROADENING [] ["-action s3:DeleteObject", "-resource *"] wild=[]"#,
            ]
        );
        let narrowed = summary(ROLE, &ROLE.replace("[s3:GetObject]", "[]"));
        assert_eq!(
            narrowed,
            vec![
                r#"Analyst Policies[read].PolicyDocument Read changed Allow [] ["-action s3:GetObject"] wild=[]"#
            ]
        );
    }

    #[test]
    fn dropping_a_condition_from_an_allow_broadens() {
        let with = ROLE.replace(
            "            Resource: [arn:aws:s3:::curated/*]\n",
            "            Resource: [arn:aws:s3:::curated/*]\n            Condition: {Bool: {aws:SecureTransport: true}}\n",
        );
        let got = security_changes(&with, ROLE).unwrap();
        assert_eq!(got.len(), 1);
        assert!(got[0].broadening, "{got:?}");
        let got = security_changes(ROLE, &with).unwrap();
        assert!(!got[0].broadening, "adding a condition narrows: {got:?}");
    }

    #[test]
    fn a_deny_added_narrows_and_removed_broadens_an_allow_removed_narrows() {
        const BUCKET: &str = r#"
Resources:
  Policy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: landing
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Sid: TlsOnly
            Effect: Deny
            Principal: '*'
            Action: 's3:*'
            Resource: ['arn:aws:s3:::landing', 'arn:aws:s3:::landing/*']
            Condition: {Bool: {aws:SecureTransport: 'false'}}
          - Sid: Reader
            Effect: Allow
            Principal: {AWS: 'arn:aws:iam::123456789012:role/reader'}
            Action: 's3:GetObject'
            Resource: 'arn:aws:s3:::landing/*'
            Condition: {Bool: {aws:SecureTransport: 'true'}}
"#;
        let added = security_changes("Resources: {}", BUCKET).unwrap();
        let verdict = |changes: &[SecurityChange], sid: &str| {
            changes.iter().find(|c| c.sid == sid).map(|c| c.broadening)
        };
        assert_eq!(verdict(&added, "TlsOnly"), Some(false), "{added:#?}");
        assert_eq!(verdict(&added, "Reader"), Some(true), "{added:#?}");
        let removed = security_changes(BUCKET, "Resources: {}").unwrap();
        assert_eq!(verdict(&removed, "TlsOnly"), Some(true), "{removed:#?}");
        assert_eq!(verdict(&removed, "Reader"), Some(false), "{removed:#?}");
    }
}
