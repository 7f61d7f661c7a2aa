//! Who a stack being created grants what: its policy statements (all of them new, see
//! [`crate::security`]) summarised per principal, for a plan people can read. A first deploy
//! holds about a hundred statements; listed one by one they bury everything else, so the plan
//! shows this summary and keeps the list for `--verbose` and the plan document.
//!
//! A principal is who the statement names (`Service:glue.amazonaws.com`, `AWS:<account>:root`)
//! or, for an identity policy, `holders of <logical id>`. Template values that are intrinsic
//! functions are shortened to what they point at (`{"Fn::GetAtt": ["Landing", "Arn"]}` reads
//! `Landing.Arn`).

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;

use crate::security::SecurityChange;

/// What one principal is granted by a stack's `Allow` statements.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Grant {
    /// Who.
    pub principal: String,
    /// The `Allow` statements naming it.
    pub statements: usize,
    /// How many of them carry conditions.
    pub conditional: usize,
    /// The actions granted, in first-seen order (`all but iam:*` for a `NotAction`).
    pub actions: Vec<String>,
    /// What on: the statements' resources, shortened; a resource policy's own resource (a key
    /// policy's `*`, a trust policy) is the resource holding the policy.
    pub resources: Vec<String>,
}

/// `Deny` statements of one `Sid` (TLS-only access, the data perimeter, ...).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Denied {
    /// The `Sid`.
    pub sid: String,
    /// The resources holding such a statement, in first-seen order.
    pub on: Vec<String>,
}

/// A stack's grants: per principal, and the `Deny` statements that bound them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Grants {
    /// Per principal, in first-seen order.
    pub grants: Vec<Grant>,
    /// The `Deny` statements, by `Sid`.
    pub denies: Vec<Denied>,
}

impl Grants {
    /// The number of `Allow` statements.
    pub fn allows(&self) -> usize {
        self.grants.iter().map(|g| g.statements).sum::<usize>()
    }

    /// The number of `Deny` statements.
    pub fn deny_statements(&self) -> usize {
        self.denies.iter().map(|d| d.on.len()).sum::<usize>()
    }
}

/// Summarise the statements a stack adds (changed or removed ones are left to the statement
/// list: they are a diff, not a grant).
pub fn summarise(changes: &[SecurityChange]) -> Grants {
    let mut by: IndexMap<String, Grant> = IndexMap::new();
    let mut denies: IndexMap<String, Vec<String>> = IndexMap::new();
    for c in changes.iter().filter(|c| c.change == "added") {
        if c.effect != "Allow" {
            denies
                .entry(c.sid.clone())
                .or_default()
                .push(c.logical_id.clone());
            continue;
        }
        let values = |kind: &str| -> Vec<String> {
            let prefix = format!("+{kind} ");
            c.gained
                .iter()
                .filter_map(|g| g.strip_prefix(&prefix))
                .map(short)
                .collect()
        };
        let mut actions = values("action");
        actions.extend(
            values("not-action")
                .into_iter()
                .map(|a| format!("all but {a}")),
        );
        let mut resources: Vec<String> = values("resource")
            .into_iter()
            .chain(
                values("not-resource")
                    .into_iter()
                    .map(|r| format!("all but {r}")),
            )
            .collect();
        let on_itself = resources.is_empty()
            || (c.resource_type == "AWS::KMS::Key" && resources.iter().all(|r| r == "*"));
        if on_itself {
            resources = vec![c.logical_id.clone()];
        }
        let conditional = c.gained.iter().any(|g| g.starts_with("+condition "));
        let principals: Vec<String> = if c.principals.is_empty() {
            vec!["(no principal)".to_owned()]
        } else {
            c.principals.iter().map(|p| principal(p)).collect()
        };
        for p in principals {
            let g = by.entry(p.clone()).or_insert_with(|| Grant {
                principal: p,
                statements: 0,
                conditional: 0,
                actions: Vec::new(),
                resources: Vec::new(),
            });
            g.statements += 1;
            g.conditional += usize::from(conditional);
            push_new(&mut g.actions, &actions);
            push_new(&mut g.resources, &resources);
        }
    }
    Grants {
        grants: by.into_values().collect(),
        denies: denies
            .into_iter()
            .map(|(sid, on)| Denied { sid, on })
            .collect(),
    }
}

fn push_new(into: &mut Vec<String>, values: &[String]) {
    for v in values {
        if !into.contains(v) {
            into.push(v.clone());
        }
    }
}

/// `AWS:{"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:root"}` reads
/// `AWS:arn:aws:iam::<account>:root`.
fn principal(p: &str) -> String {
    match p.split_once(':') {
        Some((kind, rest)) if rest.starts_with('{') => format!("{kind}:{}", short(rest)),
        _ => p.to_owned(),
    }
}

/// A template value shown for people: an intrinsic function reads as what it points at.
pub fn short(value: &str) -> String {
    if !value.starts_with('{') && !value.starts_with('[') {
        return value.to_owned();
    }
    match serde_json::from_str::<Value>(value) {
        Ok(v) => intrinsic(&v),
        Err(_) => value.to_owned(),
    }
}

fn intrinsic(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(m) if m.len() == 1 => {
            let (f, arg) = m.iter().next().expect("one entry");
            match (f.as_str(), arg) {
                ("Ref", Value::String(r)) => pseudo(r),
                ("Fn::GetAtt", Value::Array(xs)) => {
                    xs.iter().map(intrinsic).collect::<Vec<_>>().join(".")
                }
                ("Fn::GetAtt", Value::String(s)) => s.clone(),
                ("Fn::Sub", Value::String(s)) => substitute(s),
                ("Fn::Sub", Value::Array(xs)) if !xs.is_empty() => intrinsic(&xs[0]),
                ("Fn::Join", Value::Array(xs)) if xs.len() == 2 => {
                    let sep = xs[0].as_str().unwrap_or("");
                    match &xs[1] {
                        Value::Array(parts) => {
                            parts.iter().map(intrinsic).collect::<Vec<_>>().join(sep)
                        }
                        other => intrinsic(other),
                    }
                }
                ("Fn::ImportValue", x) => format!("import {}", intrinsic(x)),
                _ => v.to_string(),
            }
        }
        Value::Array(xs) => xs.iter().map(intrinsic).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// `${Landing.Arn}/*` reads `Landing.Arn/*`; pseudo parameters read as placeholders.
fn substitute(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) => {
                out.push_str(&pseudo(&after[..end]));
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

fn pseudo(name: &str) -> String {
    match name {
        "AWS::AccountId" => "<account>".to_owned(),
        "AWS::Region" => "<region>".to_owned(),
        "AWS::Partition" => "aws".to_owned(),
        "AWS::URLSuffix" => "amazonaws.com".to_owned(),
        "AWS::StackName" => "<stack>".to_owned(),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::security::security_changes;

    const STACK: &str = r#"
Resources:
  DataKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Statement:
        - Sid: KeyAdministration
          Effect: Allow
          Principal: {AWS: {"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:root"}}
          Action: ["kms:Create*", "kms:Describe*"]
          Resource: "*"
  Clean:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
        - Effect: Allow
          Principal: {Service: glue.amazonaws.com}
          Action: sts:AssumeRole
          Condition: {StringEquals: {aws:SourceAccount: "1"}}
      Policies:
      - PolicyName: data
        PolicyDocument:
          Statement:
          - Sid: Read
            Effect: Allow
            Action: [s3:GetObject]
            Resource: [{"Fn::Sub": "${Landing.Arn}/*"}]
          - Sid: Write
            Effect: Allow
            Action: [s3:PutObject, s3:GetObject]
            Resource: [{"Fn::GetAtt": [Raw, Arn]}]
          - Sid: NoIam
            Effect: Allow
            NotAction: ["iam:*"]
            Resource: ["*"]
  Policy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: landing
      PolicyDocument:
        Statement:
        - Sid: TlsOnly
          Effect: Deny
          Principal: "*"
          Action: "s3:*"
          Resource: "*"
          Condition: {Bool: {aws:SecureTransport: "false"}}
"#;

    #[test]
    fn a_new_stack_reads_as_who_is_granted_what() {
        let g = summarise(&security_changes("Resources: {}", STACK).unwrap());
        assert_eq!(
            g.denies,
            vec![Denied {
                sid: "TlsOnly".to_owned(),
                on: vec!["Policy".to_owned()]
            }]
        );
        assert_eq!(g.allows(), 5);
        let find = |p: &str| g.grants.iter().find(|x| x.principal == p).unwrap();
        let holders = find("holders of Clean");
        assert_eq!(holders.statements, 3);
        // Statements come in `Sid` order (NoIam, Read, Write).
        assert_eq!(
            holders.actions,
            vec!["all but iam:*", "s3:GetObject", "s3:PutObject"]
        );
        assert_eq!(holders.resources, vec!["*", "Landing.Arn/*", "Raw.Arn"]);
        let glue = find("Service:glue.amazonaws.com");
        assert_eq!((glue.statements, glue.conditional), (1, 1));
        assert_eq!(
            glue.resources,
            vec!["Clean"],
            "a trust policy grants its role"
        );
        let root = find("AWS:arn:aws:iam::<account>:root");
        assert_eq!(
            root.resources,
            vec!["DataKey"],
            "a key policy's `*` is the key"
        );
    }

    #[test]
    fn changed_and_removed_statements_are_not_grants() {
        let narrower = STACK.replace("[s3:PutObject, s3:GetObject]", "[s3:GetObject]");
        let changes = security_changes(STACK, &narrower).unwrap();
        assert_eq!(changes.len(), 1);
        assert_eq!(summarise(&changes), Grants::default());
    }
}
