//! Template values resolved to the names and ARNs they stand for, across the stacks of one
//! environment: literals as they are; `Ref`, `Fn::GetAtt`, `Fn::Sub` and `Fn::Join` to text;
//! `Ref` to an SSM-typed parameter to the value the stack that publishes that parameter writes
//! (how the platform's stacks pass key ARNs).
//!
//! A KMS key's ARN is unknown before it exists; it gets a stand-in,
//! `arn:<partition>:kms:<region>:<account>:key/<logical id>`, so policies naming it can be
//! matched like any other ARN. What cannot be known (a parameter without a default, an
//! attribute with no ARN form) resolves to `None`, and readers decide what that means for them.

use serde_json::Value;

/// The account, region and partition an environment is pinned to, or that a folder of
/// templates shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pin {
    /// The account id.
    pub account: String,
    /// The region.
    pub region: String,
    /// The partition (`aws`, `aws-cn`, `aws-us-gov`).
    pub partition: String,
}

impl Pin {
    /// A pin from known values.
    pub fn new(account: &str, region: &str) -> Pin {
        Pin {
            account: account.to_owned(),
            region: region.to_owned(),
            partition: partition_of(region).to_owned(),
        }
    }

    /// The account root's ARN.
    pub fn root(&self) -> String {
        format!("arn:{}:iam::{}:root", self.partition, self.account)
    }

    /// Whether a principal or condition value names this account: its id or its root.
    pub fn is_account(&self, text: &str) -> bool {
        text == self.account || text == self.root()
    }
}

/// The partition of a region.
pub fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// The account a folder of templates belongs to, when no environment says so: the account id
/// written most often in ARNs (`:iam::<id>:`, `:<region>:<id>:`) and in `aws:SourceAccount`
/// conditions. An edit that names a foreign account once does not outvote the dozens of
/// references the platform makes to its own.
pub fn infer_account<'a>(docs: impl IntoIterator<Item = &'a Value>) -> Option<String> {
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    fn walk(v: &Value, counts: &mut std::collections::BTreeMap<String, usize>) {
        match v {
            Value::String(s) => {
                if is_account_id(s) {
                    *counts.entry(s.clone()).or_default() += 1;
                } else if s.starts_with("arn:") {
                    if let Some(acct) = s.split(':').nth(4).filter(|a| is_account_id(a)) {
                        *counts.entry(acct.to_owned()).or_default() += 1;
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, counts)),
            Value::Object(m) => m.values().for_each(|x| walk(x, counts)),
            _ => {}
        }
    }
    for d in docs {
        walk(d, &mut counts);
    }
    counts
        .into_iter()
        .max_by_key(|(acct, n)| (*n, std::cmp::Reverse(acct.clone())))
        .map(|(a, _)| a)
}

/// The region a folder of templates deploys to: the region written most often in ARNs.
pub fn infer_region<'a>(docs: impl IntoIterator<Item = &'a Value>) -> Option<String> {
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    fn walk(v: &Value, counts: &mut std::collections::BTreeMap<String, usize>) {
        match v {
            Value::String(s) if s.starts_with("arn:") => {
                if let Some(r) = s.split(':').nth(3).filter(|r| looks_like_region(r)) {
                    *counts.entry(r.to_owned()).or_default() += 1;
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, counts)),
            Value::Object(m) => m.values().for_each(|x| walk(x, counts)),
            _ => {}
        }
    }
    for d in docs {
        walk(d, &mut counts);
    }
    counts.into_iter().max_by_key(|(_, n)| *n).map(|(r, _)| r)
}

fn looks_like_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| !p.is_empty())
        && parts
            .last()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

/// A twelve-digit account id.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// One stack as the resolver sees it: its short name and its whole template document.
#[derive(Clone, Copy, Debug)]
pub struct StackDoc<'a> {
    /// The short name (`storage`) or, for a folder of templates, the file's name.
    pub slug: &'a str,
    /// The template document.
    pub doc: &'a Value,
}

/// Resolves values across a set of stacks.
#[derive(Clone, Debug)]
pub struct Resolver<'a> {
    /// The stacks.
    pub stacks: Vec<StackDoc<'a>>,
    /// Account, region and partition.
    pub pin: Pin,
}

impl<'a> Resolver<'a> {
    /// A resolver over stacks.
    pub fn new(stacks: Vec<StackDoc<'a>>, pin: Pin) -> Self {
        Resolver { stacks, pin }
    }

    /// The stand-in ARN of a KMS key declared in a template.
    pub fn key_arn(&self, logical_id: &str) -> String {
        format!(
            "arn:{}:kms:{}:{}:key/{logical_id}",
            self.pin.partition, self.pin.region, self.pin.account
        )
    }

    /// A resource's entry by stack index and logical id.
    pub fn resource(&self, stack: usize, id: &str) -> Option<&'a Value> {
        self.stacks.get(stack)?.doc["Resources"].get(id)
    }

    /// Every resource of every stack: (stack index, logical id, entry).
    pub fn resources(&self) -> impl Iterator<Item = (usize, &'a str, &'a Value)> + '_ {
        self.stacks.iter().enumerate().flat_map(|(i, s)| {
            s.doc["Resources"]
                .as_object()
                .into_iter()
                .flat_map(|m| m.iter())
                .map(move |(id, body)| (i, id.as_str(), body))
        })
    }

    /// The resource a value points at, as (stack index, logical id): `Ref`/`GetAtt` to a
    /// resource of the same template, or a `Ref` to an SSM-typed parameter whose default names
    /// an `AWS::SSM::Parameter` of another template (how stacks pass key ARNs), followed to
    /// what that parameter's value points at.
    pub fn target(&self, stack: usize, v: &Value) -> Option<(usize, &'a str)> {
        self.target_depth(stack, v, 0)
    }

    fn target_depth(&self, stack: usize, v: &Value, depth: u8) -> Option<(usize, &'a str)> {
        if depth > 4 {
            return None;
        }
        let m = v.as_object().filter(|m| m.len() == 1)?;
        let id = match (m.get("Ref"), m.get("Fn::GetAtt")) {
            (Some(r), _) => r.as_str()?,
            (None, Some(Value::Array(a))) => a.first()?.as_str()?,
            (None, Some(Value::String(s))) => s.split('.').next()?,
            _ => return None,
        };
        let doc = self.stacks.get(stack)?.doc;
        if let Some((key, _)) = doc["Resources"].as_object()?.get_key_value(id) {
            return Some((stack, key.as_str()));
        }
        let param = doc["Parameters"].get(id)?;
        let ssm = param["Type"]
            .as_str()
            .is_some_and(|t| t.starts_with("AWS::SSM::Parameter::Value"));
        let name = param["Default"].as_str().filter(|_| ssm)?;
        let (at, _, body) = self.resources().find(|(i, _, b)| {
            b["Type"] == "AWS::SSM::Parameter"
                && self.resolve(*i, &b["Properties"]["Name"]).as_deref() == Some(name)
        })?;
        self.target_depth(at, &body["Properties"]["Value"], depth + 1)
    }

    /// Resolve a value to text. `None` for what cannot be known before deployment.
    pub fn resolve(&self, stack: usize, v: &Value) -> Option<String> {
        self.resolve_depth(stack, v, 0)
    }

    /// Resolve a list (or one value) to texts, skipping what cannot be resolved.
    pub fn resolve_all(&self, stack: usize, v: &Value) -> Vec<String> {
        match v {
            Value::Array(a) => a.iter().filter_map(|x| self.resolve(stack, x)).collect(),
            Value::Null => Vec::new(),
            other => self.resolve(stack, other).into_iter().collect(),
        }
    }

    fn resolve_depth(&self, stack: usize, v: &Value, depth: u8) -> Option<String> {
        if depth > 8 {
            return None;
        }
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Object(m) if m.len() == 1 => {
                let (k, arg) = m.iter().next()?;
                match k.as_str() {
                    "Ref" => self.resolve_ref(stack, arg.as_str()?, depth),
                    "Fn::GetAtt" => {
                        let (id, attr) = match arg {
                            Value::Array(a) => (a.first()?.as_str()?, a.get(1)?.as_str()?),
                            Value::String(s) => s.split_once('.')?,
                            _ => return None,
                        };
                        self.get_att(stack, id, attr, depth)
                    }
                    "Fn::Sub" => self.sub(stack, arg, depth),
                    "Fn::Join" => {
                        let a = arg.as_array()?;
                        let sep = a.first()?.as_str()?;
                        let parts: Option<Vec<String>> = match a.get(1)? {
                            Value::Array(items) => items
                                .iter()
                                .map(|x| self.resolve_depth(stack, x, depth + 1))
                                .collect(),
                            _ => None,
                        };
                        Some(parts?.join(sep))
                    }
                    "Fn::Select" => {
                        let a = arg.as_array()?;
                        let i: usize = match &a.first()? {
                            Value::Number(n) => n.as_u64()? as usize,
                            Value::String(s) => s.parse().ok()?,
                            _ => return None,
                        };
                        match a.get(1)? {
                            Value::Array(items) => {
                                self.resolve_depth(stack, items.get(i)?, depth + 1)
                            }
                            _ => None,
                        }
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn sub(&self, stack: usize, arg: &Value, depth: u8) -> Option<String> {
        let (text, vars) = match arg {
            Value::String(s) => (s.as_str(), None),
            Value::Array(a) => (a.first()?.as_str()?, a.get(1).and_then(Value::as_object)),
            _ => return None,
        };
        let mut out = String::new();
        let mut rest = text;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            // `${!Literal}` writes `${Literal}`.
            if let Some(lit) = after.strip_prefix('!') {
                let end = lit.find('}')?;
                out.push_str("${");
                out.push_str(&lit[..=end]);
                rest = &lit[end + 1..];
                continue;
            }
            let end = after.find('}')?;
            let name = &after[..end];
            let value = match vars.and_then(|m| m.get(name)) {
                Some(v) => self.resolve_depth(stack, v, depth + 1)?,
                None => match name.split_once('.') {
                    Some((id, attr)) if !name.starts_with("AWS::") => {
                        self.get_att(stack, id, attr, depth + 1)?
                    }
                    _ => self.resolve_ref(stack, name, depth + 1)?,
                },
            };
            out.push_str(&value);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Some(out)
    }

    fn resolve_ref(&self, stack: usize, name: &str, depth: u8) -> Option<String> {
        match name {
            "AWS::Region" => return Some(self.pin.region.clone()),
            "AWS::AccountId" => return Some(self.pin.account.clone()),
            "AWS::Partition" => return Some(self.pin.partition.clone()),
            "AWS::URLSuffix" => return Some("amazonaws.com".to_owned()),
            _ => {}
        }
        let doc = self.stacks.get(stack)?.doc;
        if let Some(param) = doc["Parameters"].get(name) {
            let default = param.get("Default")?;
            let ty = param["Type"].as_str().unwrap_or_default();
            if ty.starts_with("AWS::SSM::Parameter::Value") {
                return self.ssm_parameter(default.as_str()?, depth);
            }
            return self.resolve_depth(stack, default, depth + 1);
        }
        let body = doc["Resources"].get(name)?;
        Some(self.ref_value(stack, name, body, depth))
    }

    /// The value an SSM parameter declared in some stack holds.
    fn ssm_parameter(&self, name: &str, depth: u8) -> Option<String> {
        let (stack, _, body) = self.resources().find(|(i, _, b)| {
            b["Type"] == "AWS::SSM::Parameter"
                && self
                    .resolve_depth(*i, &b["Properties"]["Name"], depth + 1)
                    .as_deref()
                    == Some(name)
        })?;
        self.resolve_depth(stack, &body["Properties"]["Value"], depth + 1)
    }

    /// What `Ref` to a resource returns (its name, or its ARN for the types whose `Ref` is an
    /// ARN), falling back to the logical id.
    fn ref_value(&self, stack: usize, id: &str, body: &Value, depth: u8) -> String {
        let props = &body["Properties"];
        let name = |key: &str| self.resolve_depth(stack, &props[key], depth + 1);
        let (p, region, account) = (&self.pin.partition, &self.pin.region, &self.pin.account);
        let got = match body["Type"].as_str().unwrap_or_default() {
            "AWS::S3::Bucket" => name("BucketName"),
            "AWS::IAM::Role" => name("RoleName"),
            "AWS::IAM::User" => name("UserName"),
            "AWS::IAM::Group" => name("GroupName"),
            "AWS::IAM::ManagedPolicy" => {
                name("ManagedPolicyName").map(|n| format!("arn:{p}:iam::{account}:policy/{n}"))
            }
            "AWS::KMS::Key" => Some(self.key_arn(id)),
            "AWS::SNS::Topic" => {
                name("TopicName").map(|n| format!("arn:{p}:sns:{region}:{account}:{n}"))
            }
            "AWS::SQS::Queue" => name("QueueName")
                .map(|n| format!("https://sqs.{region}.amazonaws.com/{account}/{n}")),
            "AWS::Logs::LogGroup" => name("LogGroupName"),
            "AWS::Glue::Database" => {
                self.resolve_depth(stack, &props["DatabaseInput"]["Name"], depth + 1)
            }
            "AWS::CloudTrail::Trail" => name("TrailName"),
            "AWS::SSM::Parameter" => name("Name"),
            "AWS::Glue::Job"
            | "AWS::Glue::SecurityConfiguration"
            | "AWS::Glue::Crawler"
            | "AWS::Glue::DataQualityRuleset"
            | "AWS::Glue::Trigger"
            | "AWS::Athena::WorkGroup"
            | "AWS::Events::Rule" => name("Name"),
            _ => None,
        };
        got.unwrap_or_else(|| id.to_owned())
    }

    fn get_att(&self, stack: usize, id: &str, attr: &str, depth: u8) -> Option<String> {
        let body = self.resource(stack, id)?;
        let (p, region, account) = (&self.pin.partition, &self.pin.region, &self.pin.account);
        let name = self.ref_value(stack, id, body, depth);
        let ty = body["Type"].as_str().unwrap_or_default();
        Some(match (ty, attr) {
            ("AWS::KMS::Key", "Arn") => self.key_arn(id),
            ("AWS::KMS::Key", "KeyId") => id.to_owned(),
            ("AWS::IAM::Role", "Arn") => format!("arn:{p}:iam::{account}:role/{name}"),
            ("AWS::IAM::Role", "RoleId") => format!("{name}.RoleId"),
            ("AWS::IAM::User", "Arn") => format!("arn:{p}:iam::{account}:user/{name}"),
            ("AWS::IAM::InstanceProfile", "Arn") => format!(
                "arn:{p}:iam::{account}:instance-profile/{}",
                body["Properties"]["InstanceProfileName"]
                    .as_str()
                    .unwrap_or(id)
            ),
            ("AWS::Logs::LogGroup", "Arn") => {
                format!("arn:{p}:logs:{region}:{account}:log-group:{name}:*")
            }
            ("AWS::CloudTrail::Trail", "Arn") => {
                format!("arn:{p}:cloudtrail:{region}:{account}:trail/{name}")
            }
            ("AWS::S3::Bucket", "Arn") => format!("arn:{p}:s3:::{name}"),
            ("AWS::SNS::Topic", "TopicArn") => name,
            ("AWS::SQS::Queue", "Arn") => {
                let n = name.rsplit('/').next().unwrap_or(id).to_owned();
                format!("arn:{p}:sqs:{region}:{account}:{n}")
            }
            (_, "Arn") => format!("arn:{p}:{}:{region}:{account}:{id}", service_of(ty)),
            _ => format!("{id}.{attr}"),
        })
    }
}

fn service_of(ty: &str) -> String {
    ty.split("::").nth(1).unwrap_or("unknown").to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_text;

    fn resolver(texts: &[&str]) -> (Vec<Value>, Pin) {
        let docs = texts.iter().map(|t| parse_text(t).unwrap()).collect();
        (docs, Pin::new("111111111111", "ca-central-1"))
    }

    #[test]
    fn intrinsics_resolve_across_stacks() {
        let (docs, pin) = resolver(&[
            "Resources:\n  Key:\n    Type: AWS::KMS::Key\n  KeyArn:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Name: /dap/key\n      Value: !GetAtt Key.Arn\n",
            "Parameters:\n  DataKeyArn:\n    Type: AWS::SSM::Parameter::Value<String>\n    Default: /dap/key\nResources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Sub 'dap-${AWS::AccountId}'\n  P:\n    Type: AWS::S3::BucketPolicy\n    Properties:\n      Bucket: !Ref B\n",
        ]);
        let stacks = docs
            .iter()
            .map(|d| StackDoc { slug: "s", doc: d })
            .collect();
        let r = Resolver::new(stacks, pin);
        let v = |t: &str| parse_text(t).unwrap();
        assert_eq!(
            r.resolve(1, &v("!Ref DataKeyArn")).unwrap(),
            "arn:aws:kms:ca-central-1:111111111111:key/Key"
        );
        assert_eq!(r.resolve(1, &v("!Ref B")).unwrap(), "dap-111111111111");
        assert_eq!(
            r.resolve(1, &v("!Sub 'arn:${AWS::Partition}:s3:::${B}/*'"))
                .unwrap(),
            "arn:aws:s3:::dap-111111111111/*"
        );
        assert_eq!(
            r.resolve(1, &v("!Sub 'arn:${AWS::Partition}:s3:::*'"))
                .unwrap(),
            "arn:aws:s3:::*"
        );
        assert_eq!(
            r.resolve(1, &v("!Join ['', ['arn:aws:s3:::', !GetAtt B.Arn, '/*']]"))
                .unwrap(),
            "arn:aws:s3:::arn:aws:s3:::dap-111111111111/*"
        );
        assert_eq!(
            r.resolve(1, &v("!Sub ['${X}/*', {X: !GetAtt B.Arn}]"))
                .unwrap(),
            "arn:aws:s3:::dap-111111111111/*"
        );
        assert_eq!(r.resolve(1, &v("!Ref Nope")), None);
    }

    #[test]
    fn accounts_and_regions_are_inferred_by_majority() {
        let doc = serde_json::json!({
            "a": ["arn:aws:iam::111111111111:role/x", "arn:aws:s3:ca-central-1:111111111111:y"],
            "b": {"aws:SourceAccount": "111111111111"},
            "c": "arn:aws:iam::999999999999:root",
        });
        assert_eq!(infer_account([&doc]).as_deref(), Some("111111111111"));
        assert_eq!(infer_region([&doc]).as_deref(), Some("ca-central-1"));
    }
}
