//! IAM policy documents as the rules read them, wherever they sit in a template: identity
//! policies (managed, inline on roles, users and groups) and resource policies (bucket, topic
//! and key policies, trust policies).

use serde_json::Value;

use crate::template::Res;
use crate::value::{action_matches, items, ref_id, text};

/// One statement, normalised.
#[derive(Debug)]
pub struct Statement<'v> {
    /// The statement id, if any.
    pub sid: Option<&'v str>,
    /// `Effect: Allow`.
    pub allow: bool,
    /// Who (resource policies).
    pub principal: Principal<'v>,
    /// The literal actions (from `Action`, or from `NotAction` when `not_action`).
    pub actions: Vec<&'v str>,
    /// Whether the statement uses `NotAction`.
    pub not_action: bool,
    /// The resources (from `Resource`, or `NotResource` when `not_resource`).
    pub resources: Vec<&'v Value>,
    /// Whether the statement uses `NotResource`.
    pub not_resource: bool,
    /// The `Condition` block (null when there is none).
    pub condition: &'v Value,
}

/// A statement's principal.
#[derive(Debug, Default)]
pub struct Principal<'v> {
    /// `Principal: "*"` or `AWS: "*"`: anyone.
    pub anyone: bool,
    /// `AWS` principals.
    pub aws: Vec<&'v Value>,
    /// `Service` principals (literal names).
    pub service: Vec<&'v str>,
}

impl Statement<'_> {
    /// A name for messages: `statement `Sid`` or `statement #n`.
    pub fn label(&self, n: usize) -> String {
        match self.sid {
            Some(sid) => format!("statement `{sid}`"),
            None => format!("statement #{}", n + 1),
        }
    }

    /// Whether the statement's actions include one matching `action` (`NotAction`
    /// statements count as covering everything they do not name).
    pub fn covers(&self, action: &str) -> bool {
        if self.not_action {
            return !self.actions.iter().any(|p| action_matches(p, action));
        }
        self.actions.iter().any(|p| action_matches(p, action))
    }

    /// Whether a condition key is used under any operator (case-insensitive key).
    pub fn has_condition_key(&self, key: &str) -> bool {
        self.condition_values(key).is_some()
    }

    /// The values of a condition key under any operator.
    pub fn condition_values(&self, key: &str) -> Option<Vec<&Value>> {
        let ops = self.condition.as_object()?;
        ops.values()
            .filter_map(Value::as_object)
            .flat_map(|m| m.iter())
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| items(v))
    }

    /// Whether the principal is only this account's root (or account ids), as in the key
    /// administration statement AWS recommends.
    pub fn principal_is_account_root(&self) -> bool {
        !self.principal.anyone
            && self.principal.service.is_empty()
            && !self.principal.aws.is_empty()
            && self.principal.aws.iter().all(|p| is_account_root(p))
    }
}

/// An account root principal: `arn:<partition>:iam::<account>:root`, a bare account id, or
/// the same through `Fn::Sub` with `${AWS::AccountId}`.
pub fn is_account_root(v: &Value) -> bool {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Object(m) if m.len() == 1 => match m.get("Fn::Sub") {
            Some(Value::String(s)) => without_variables(s),
            _ => return false,
        },
        _ => return false,
    };
    if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    let parts: Vec<&str> = s.split(':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[2] == "iam"
        && parts[3].is_empty()
        && parts[5] == "root"
        && !parts[4].contains('*')
}

/// A `Fn::Sub` text with each `${...}` replaced by `x`, so its shape can be read.
fn without_variables(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        match rest[i..].find('}') {
            Some(j) => {
                out.push('x');
                rest = &rest[i + j + 1..];
            }
            None => {
                rest = &rest[i..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The statements of a policy document.
pub fn statements(doc: &Value) -> Vec<Statement<'_>> {
    items(&doc["Statement"])
        .into_iter()
        .filter(|s| s.is_object())
        .map(|s| {
            let (actions, not_action) = match s.get("Action") {
                Some(a) => (a, false),
                None => (&s["NotAction"], s.get("NotAction").is_some()),
            };
            let (resources, not_resource) = match s.get("Resource") {
                Some(r) => (r, false),
                None => (&s["NotResource"], s.get("NotResource").is_some()),
            };
            Statement {
                sid: s["Sid"].as_str(),
                allow: s["Effect"].as_str() == Some("Allow"),
                principal: principal(&s["Principal"]),
                actions: items(actions).into_iter().filter_map(text).collect(),
                not_action,
                resources: items(resources),
                not_resource,
                condition: &s["Condition"],
            }
        })
        .collect()
}

fn principal(v: &Value) -> Principal<'_> {
    let mut p = Principal::default();
    match v {
        Value::String(s) if s == "*" => p.anyone = true,
        Value::Object(m) => {
            for (kind, value) in m {
                for x in items(value) {
                    match kind.as_str() {
                        "AWS" if x.as_str() == Some("*") => p.anyone = true,
                        "AWS" => p.aws.push(x),
                        "Service" => p.service.extend(x.as_str()),
                        _ => {}
                    }
                }
            }
        }
        _ => {}
    }
    p
}

/// Which kind of policy a document is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// What a role, user or group may do.
    Identity,
    /// Who may assume a role.
    Trust,
    /// A bucket, topic or queue policy.
    Resource,
    /// A KMS key policy.
    Key,
}

/// One policy document of a resource.
#[derive(Debug)]
pub struct Doc<'v> {
    /// The kind.
    pub kind: Kind,
    /// Where in the resource (`PolicyDocument`, `Policies[0]`, `KeyPolicy`).
    pub place: String,
    /// The document.
    pub doc: &'v Value,
}

/// Every policy document a resource holds.
pub fn documents<'v>(r: &Res<'v>) -> Vec<Doc<'v>> {
    let mut out = Vec::new();
    let mut push = |kind, place: &str, doc: &'v Value| {
        if doc.is_object() {
            out.push(Doc {
                kind,
                place: place.to_owned(),
                doc,
            });
        }
    };
    match r.ty() {
        "AWS::IAM::ManagedPolicy"
        | "AWS::IAM::Policy"
        | "AWS::IAM::RolePolicy"
        | "AWS::IAM::UserPolicy"
        | "AWS::IAM::GroupPolicy" => {
            push(Kind::Identity, "PolicyDocument", r.prop("PolicyDocument"))
        }
        "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" => {
            push(
                Kind::Trust,
                "AssumeRolePolicyDocument",
                r.prop("AssumeRolePolicyDocument"),
            );
            for (i, p) in items(r.prop("Policies")).into_iter().enumerate() {
                push(
                    Kind::Identity,
                    &format!("Policies[{i}]"),
                    &p["PolicyDocument"],
                );
            }
        }
        "AWS::S3::BucketPolicy" | "AWS::SNS::TopicPolicy" | "AWS::SQS::QueuePolicy" => {
            push(Kind::Resource, "PolicyDocument", r.prop("PolicyDocument"))
        }
        "AWS::KMS::Key" => push(Kind::Key, "KeyPolicy", r.prop("KeyPolicy")),
        _ => {}
    }
    out
}

/// Whether a resource ARN is "any resource": `*`, or an ARN whose resource part is `*`.
pub fn is_any_resource(v: &Value) -> bool {
    match v.as_str() {
        Some("*") => true,
        Some(s) => {
            let parts: Vec<&str> = s.splitn(6, ':').collect();
            parts.len() == 6 && parts[0] == "arn" && matches!(parts[5], "*" | "*/*")
        }
        None => false,
    }
}

/// Whether a value names a role ARN without wildcards, or references a role of the template.
pub fn is_named_role(r: &Res<'_>, v: &Value) -> bool {
    if let Some(id) = ref_id(v) {
        return r.sibling(id).is_some_and(|x| x.ty() == "AWS::IAM::Role");
    }
    let s = match v {
        Value::String(s) => s.as_str(),
        Value::Object(m) if m.len() == 1 => match m.get("Fn::Sub") {
            Some(Value::String(s)) => s.as_str(),
            _ => return false,
        },
        _ => return false,
    };
    s.contains(":role/") && !s.contains('*') && !s.ends_with('/')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn statements_are_normalised() {
        let doc = json!({"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Principal": {"AWS": "*"}}});
        let s = statements(&doc);
        assert_eq!(s.len(), 1);
        assert!(s[0].allow && s[0].principal.anyone);
        assert_eq!(s[0].actions, ["s3:GetObject"]);
        assert!(is_any_resource(s[0].resources[0]));
        assert!(s[0].covers("s3:GetObject") && !s[0].covers("s3:PutObject"));
        let doc =
            json!({"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "NotResource": "x"}]});
        let s = statements(&doc);
        assert!(s[0].not_action && s[0].not_resource);
        assert!(s[0].covers("s3:GetObject") && !s[0].covers("iam:PassRole"));
    }

    #[test]
    fn account_roots() {
        assert!(is_account_root(&json!("arn:aws:iam::123456789012:root")));
        assert!(is_account_root(&json!("123456789012")));
        assert!(is_account_root(
            &json!({"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"})
        ));
        assert!(!is_account_root(&json!(
            "arn:aws:iam::123456789012:role/admin"
        )));
        assert!(!is_account_root(&json!("*")));
    }

    #[test]
    fn any_resource() {
        assert!(is_any_resource(&json!("*")));
        assert!(is_any_resource(&json!("arn:aws:s3:::*")));
        assert!(!is_any_resource(&json!("arn:aws:s3:::bucket/*")));
        assert!(!is_any_resource(&json!({"Ref": "X"})));
    }
}
