//! Every policy statement of a set of templates, with its kind, its origin and its references
//! resolved: identity policies and what they are attached to, trust policies, bucket, key,
//! topic and queue policies. Where a type keeps its documents comes from
//! [`dap_cfn::facts`].

use dap_cfn::facts::{self, PolicyKind};
use serde_json::Value;

use crate::resolve::Resolver;

/// The name the account's administrators are evaluated under (see
/// [`Policies::with_administrator`]).
pub const ADMINISTRATOR: &str = "(account administrator)";

/// A principal named in a resource or trust policy.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PrincipalPattern {
    /// `"*"` or `{AWS: "*"}`: anyone, in any account.
    Any,
    /// An AWS principal: a role, user or account-root ARN, or an account id.
    Aws(String),
    /// A service principal (`glue.amazonaws.com`).
    Service(String),
    /// A federated principal (`cognito-identity.amazonaws.com`, a SAML provider ARN).
    Federated(String),
    /// A principal that could not be resolved before deployment (a `Ref` to a parameter
    /// without a default): treated as unknown, so as possibly anyone.
    Unknown,
}

/// A condition operator, read: `ForAnyValue:StringNotEqualsIfExists` is the base
/// `StringEquals`, negated, if-exists, over any value of a set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operator {
    /// The operator without qualifiers and negation (`StringEquals`, `ArnLike`, `Bool`,
    /// `IpAddress`, `Null`, …).
    pub base: String,
    /// A negated operator (`StringNotEquals`, `ArnNotLike`, `NotIpAddress`): it holds for
    /// every value but the ones named, so it never narrows an Allow to a principal.
    pub negated: bool,
    /// `…IfExists`: it also holds when the request has no such key at all.
    pub if_exists: bool,
    /// `ForAnyValue:` or `ForAllValues:` (`ForAllValues` holds for a request without the key).
    pub set: Option<String>,
}

impl Operator {
    /// Read an operator name.
    pub fn parse(op: &str) -> Operator {
        let (set, rest) = match op.split_once(':') {
            Some((s, r)) => (Some(s.to_owned()), r),
            None => (None, op),
        };
        let (rest, if_exists) = match rest.strip_suffix("IfExists") {
            Some(r) => (r, true),
            None => (rest, false),
        };
        let (base, negated) = if let Some(r) = rest.strip_prefix("Not") {
            (r.to_owned(), true)
        } else if let Some(i) = rest.find("Not") {
            (format!("{}{}", &rest[..i], &rest[i + 3..]), true)
        } else {
            (rest.to_owned(), false)
        };
        Operator {
            base,
            negated,
            if_exists,
            set,
        }
    }

    /// Whether the operator pins a key to the values it names: positive, not `IfExists`, not
    /// `ForAllValues` (which holds when the key is absent), and a comparison (not `Null`).
    pub fn pins(&self) -> bool {
        !self.negated
            && !self.if_exists
            && self.set.as_deref() != Some("ForAllValues")
            && self.base != "Null"
    }
}

/// One condition: operator, key and values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    /// The operator as written (`StringEquals`, `ForAnyValue:StringEquals`, `Bool`, ...).
    pub op: String,
    /// The condition key as written (`aws:SecureTransport`).
    pub key: String,
    /// The values, resolved.
    pub values: Vec<String>,
}

impl Condition {
    /// The operator, read.
    pub fn operator(&self) -> Operator {
        Operator::parse(&self.op)
    }

    /// Whether the key is `key`, ignoring case (condition keys are case-insensitive).
    pub fn is(&self, key: &str) -> bool {
        self.key.eq_ignore_ascii_case(key)
    }
}

/// One statement, resolved.
#[derive(Clone, Debug)]
pub struct Statement {
    /// Its index in [`Policies::statements`].
    pub index: usize,
    /// The index of the template holding it.
    pub template: usize,
    /// The stack (short name, or file) of the resource holding the policy.
    pub stack: String,
    /// The logical id of the resource holding the policy.
    pub resource: String,
    /// That resource's type.
    pub resource_type: String,
    /// Where in the resource (`PolicyDocument`, `Policies[0].PolicyDocument`, `KeyPolicy`).
    pub place: String,
    /// The statement's position in its document (0-based).
    pub position: usize,
    /// The statement's `Sid` (or `#<n>` when it has none).
    pub sid: String,
    /// The kind of policy.
    pub kind: PolicyKind,
    /// What the policy is attached to or governs: role (user, group) names for identity and
    /// trust policies, bucket names, key ARNs, topic ARNs, queue URLs.
    pub attached_to: Vec<String>,
    /// `Effect: Allow`.
    pub allow: bool,
    /// The principals (resource and trust policies), or the excluded ones with
    /// `not_principal`.
    pub principals: Vec<PrincipalPattern>,
    /// Whether the statement uses `NotPrincipal`.
    pub not_principal: bool,
    /// The actions, or the excluded actions when `not_action`.
    pub actions: Vec<String>,
    /// Whether the statement uses `NotAction`.
    pub not_action: bool,
    /// The resources, resolved (`*` when absent, as in key policies); the excluded ones with
    /// `not_resource`. A resource that cannot be resolved is kept as `*`: unknown is anything.
    pub resources: Vec<String>,
    /// Whether the statement uses `NotResource`.
    pub not_resource: bool,
    /// The conditions.
    pub conditions: Vec<Condition>,
    /// The statement exactly as in the template, as YAML.
    pub yaml: String,
}

impl Statement {
    /// `stack/Resource#Sid`: how reports cite the statement.
    pub fn cite(&self) -> String {
        format!("{}/{}#{}", self.stack, self.resource, self.sid)
    }

    /// An anchor name for the statement in a Markdown document.
    pub fn anchor(&self) -> String {
        format!("s-{}-{}-{}", self.stack, self.resource, self.sid)
            .to_lowercase()
            .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "-")
    }

    /// A name for messages: ``statement `Sid` `` or `statement #n`.
    pub fn label(&self) -> String {
        if self.sid.starts_with('#') {
            format!("statement {}", self.sid)
        } else {
            format!("statement `{}`", self.sid)
        }
    }

    /// Whether the statement's actions include `action` (a `NotAction` statement includes
    /// everything it does not name).
    pub fn covers_action(&self, action: &str) -> bool {
        let named = self
            .actions
            .iter()
            .any(|p| crate::matcher::action_matches(p, action));
        named != self.not_action
    }

    /// Whether the statement's actions may include one that `pattern` (an action or an action
    /// pattern) matches.
    pub fn may_include(&self, pattern: &str) -> bool {
        if self.not_action {
            // Everything but what is named: it includes the pattern unless the pattern's every
            // action is excluded, which only a covering exclusion can promise.
            return !self
                .actions
                .iter()
                .any(|a| a == "*" || a.eq_ignore_ascii_case(pattern));
        }
        self.actions
            .iter()
            .any(|a| crate::matcher::overlaps_nocase(a, pattern))
    }

    /// The conditions on a key (case-insensitive).
    pub fn conditions_on<'s>(&'s self, key: &'s str) -> impl Iterator<Item = &'s Condition> + 's {
        self.conditions.iter().filter(move |c| c.is(key))
    }

    /// Whether a condition pins `key` positively to values that all satisfy `ok` (a negated
    /// operator, `IfExists`, `ForAllValues` or `Null` never pins).
    pub fn pins(&self, key: &str, ok: impl Fn(&str) -> bool) -> bool {
        self.conditions_on(key)
            .any(|c| c.operator().pins() && !c.values.is_empty() && c.values.iter().all(|v| ok(v)))
    }
}

/// Every statement of a set of templates.
#[derive(Clone, Debug, Default)]
pub struct Policies {
    /// The statements, in stack then template order.
    pub statements: Vec<Statement>,
    /// Statement indexes by kind and by what they are attached to, for [`Policies::attached`].
    index: std::collections::HashMap<(PolicyKind, String), Vec<usize>>,
    /// Whether each statement's YAML is kept (reports show it; rules do not need it).
    with_yaml: bool,
}

impl Policies {
    /// Collect the statements of every policy document of every resource, each with its
    /// YAML (for reports).
    pub fn collect(r: &Resolver<'_>) -> Policies {
        Self::collect_with(r, true)
    }

    /// Collect the statements; `with_yaml` keeps each statement's YAML text (reports show it,
    /// rules do not need it, and writing it is most of the cost of reading a platform).
    pub fn collect_with(r: &Resolver<'_>, with_yaml: bool) -> Policies {
        let mut out = Policies {
            with_yaml,
            ..Policies::default()
        };
        for (stack, id, body) in r.resources() {
            let ty = body["Type"].as_str().unwrap_or_default();
            for place in facts::policies(ty) {
                let props = &body["Properties"];
                let targets = |prop: &str| -> Vec<String> {
                    let v = &props[prop];
                    match prop {
                        "Bucket" | "RoleName" | "UserName" | "GroupName" => {
                            r.resolve(stack, v).into_iter().collect()
                        }
                        _ => r.resolve_all(stack, v),
                    }
                };
                let attached: Vec<String> = match (place.kind, place.target) {
                    (PolicyKind::Identity, Some("Roles")) => {
                        let mut names = targets("Roles");
                        names.extend(targets("Users"));
                        names.extend(targets("Groups"));
                        names.extend(attaching_principals(r, stack, id));
                        names
                    }
                    (_, Some(prop)) => targets(prop),
                    (PolicyKind::Key, None) => vec![r.key_arn(id)],
                    (_, None) => {
                        let name_prop = match ty {
                            "AWS::IAM::User" => "UserName",
                            "AWS::IAM::Group" => "GroupName",
                            _ => "RoleName",
                        };
                        vec![r
                            .resolve(stack, &props[name_prop])
                            .unwrap_or_else(|| id.to_owned())]
                    }
                };
                match place.list {
                    Some(list) => {
                        for (i, item) in props[list].as_array().into_iter().flatten().enumerate() {
                            out.add(
                                r,
                                (stack, id, ty),
                                place.kind,
                                format!("{list}[{i}].{}", place.property),
                                attached.clone(),
                                &item[place.property],
                            );
                        }
                    }
                    None => out.add(
                        r,
                        (stack, id, ty),
                        place.kind,
                        place.property.to_owned(),
                        attached,
                        &props[place.property],
                    ),
                }
            }
        }
        out.reindex();
        out
    }

    /// The statements of policy documents read from a live account rather than from templates
    /// (what IAM's `GetAccountAuthorizationDetails`, KMS's `GetKeyPolicy` and S3's
    /// `GetBucketPolicy` return: JSON text, URL-encoded by IAM), so the evaluator can judge
    /// what is deployed with the same reading it gives the templates.
    ///
    /// # Errors
    ///
    /// A message naming the document that is not JSON.
    pub fn from_live(docs: &[LiveDocument], pin: &crate::Pin) -> Result<Policies, String> {
        let resolver = Resolver::new(Vec::new(), pin.clone());
        let mut out = Policies {
            with_yaml: true,
            ..Policies::default()
        };
        for d in docs {
            let text = percent_decode(&d.json);
            let doc: Value = serde_json::from_str(&text)
                .map_err(|e| format!("the policy document of `{}` is not JSON: {e}", d.origin))?;
            out.add(
                &resolver,
                (usize::MAX, &d.origin, &d.resource_type),
                d.kind,
                d.place.clone(),
                d.attached_to.clone(),
                &doc,
            );
        }
        out.reindex();
        Ok(out)
    }

    /// These statements and one more: the identity policy of the account's administrators
    /// ([`ADMINISTRATOR`]), allowing every action on every resource, as AdministratorAccess
    /// does. Evaluating [`ADMINISTRATOR`] then shows what the resource policies leave to IAM.
    pub fn with_administrator(&self) -> Policies {
        let mut out = self.clone();
        out.statements.push(Statement {
            index: out.statements.len(),
            template: usize::MAX,
            stack: "account".to_owned(),
            resource: "AdministratorAccess".to_owned(),
            resource_type: "AWS::IAM::ManagedPolicy".to_owned(),
            place: "PolicyDocument".to_owned(),
            position: 0,
            sid: "AdministratorAccess".to_owned(),
            kind: PolicyKind::Identity,
            attached_to: vec![ADMINISTRATOR.to_owned()],
            allow: true,
            principals: Vec::new(),
            not_principal: false,
            actions: vec!["*".to_owned()],
            not_action: false,
            resources: vec!["*".to_owned()],
            not_resource: false,
            conditions: Vec::new(),
            yaml: String::new(),
        });
        out.reindex();
        out
    }

    /// Rebuild the index after statements were added or changed.
    pub fn reindex(&mut self) {
        self.index.clear();
        for s in &self.statements {
            for a in &s.attached_to {
                self.index
                    .entry((s.kind, a.clone()))
                    .or_default()
                    .push(s.index);
            }
        }
        for v in self.index.values_mut() {
            v.dedup();
        }
    }

    fn add(
        &mut self,
        r: &Resolver<'_>,
        (stack, id, ty): (usize, &str, &str),
        kind: PolicyKind,
        place: String,
        attached_to: Vec<String>,
        doc: &Value,
    ) {
        let list: Vec<&Value> = match &doc["Statement"] {
            Value::Array(a) => a.iter().collect(),
            Value::Null => return,
            other => vec![other],
        };
        for (n, st) in list.into_iter().enumerate() {
            if !st.is_object() {
                continue;
            }
            let sid = st["Sid"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| format!("#{}", n + 1));
            let allow = st["Effect"].as_str() == Some("Allow");
            let (actions, not_action) = match (st.get("Action"), st.get("NotAction")) {
                (Some(a), _) => (strings(r, stack, a), false),
                (None, Some(a)) => (strings(r, stack, a), true),
                (None, None) => (Vec::new(), false),
            };
            let (resources, not_resource) = match (st.get("Resource"), st.get("NotResource")) {
                (Some(v), _) => (resources(r, stack, v), false),
                (None, Some(v)) => (resources(r, stack, v), true),
                (None, None) => (vec!["*".to_owned()], false),
            };
            let mut conditions = Vec::new();
            if let Some(ops) = st["Condition"].as_object() {
                for (op, keys) in ops {
                    if let Some(keys) = keys.as_object() {
                        for (key, values) in keys {
                            conditions.push(Condition {
                                op: op.clone(),
                                key: key.clone(),
                                values: strings(r, stack, values),
                            });
                        }
                    }
                }
            }
            let (principals, not_principal) = match (st.get("Principal"), st.get("NotPrincipal")) {
                (Some(p), _) => (principals(r, stack, p), false),
                (None, Some(p)) => (principals(r, stack, p), true),
                (None, None) => (Vec::new(), false),
            };
            let yaml = if self.with_yaml {
                serde_yaml::to_string(st).unwrap_or_default()
            } else {
                String::new()
            };
            self.statements.push(Statement {
                index: self.statements.len(),
                template: stack,
                stack: r
                    .stacks
                    .get(stack)
                    .map_or_else(|| "live".to_owned(), |s| s.slug.to_owned()),
                resource: id.to_owned(),
                resource_type: ty.to_owned(),
                place: place.clone(),
                position: n,
                sid,
                kind,
                attached_to: attached_to.clone(),
                allow,
                principals,
                not_principal,
                actions,
                not_action,
                resources,
                not_resource,
                conditions,
                yaml,
            });
        }
    }

    /// The statements of one kind attached to a name (a role name, bucket name, key ARN).
    pub fn attached<'a>(
        &'a self,
        kind: PolicyKind,
        to: &'a str,
    ) -> impl Iterator<Item = &'a Statement> + 'a {
        self.index
            .get(&(kind, to.to_owned()))
            .into_iter()
            .flatten()
            .map(|i| &self.statements[*i])
    }

    /// The statements held by one resource (template index and logical id).
    pub fn of_resource<'a>(
        &'a self,
        template: usize,
        id: &'a str,
    ) -> impl Iterator<Item = &'a Statement> + 'a {
        self.statements
            .iter()
            .filter(move |s| s.template == template && s.resource == id)
    }
}

/// One policy document as a live account holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveDocument {
    /// Its kind.
    pub kind: PolicyKind,
    /// Where it comes from, for citations (`role/dap-prod-analyst`, `key/1234…`).
    pub origin: String,
    /// The type of what holds it (`AWS::IAM::Role`, `AWS::IAM::ManagedPolicy`, …).
    pub resource_type: String,
    /// Which document of the holder (`AssumeRolePolicyDocument`, `Policies[extra]`, …).
    pub place: String,
    /// What it is attached to or governs: role names, the bucket name, the key ARN.
    pub attached_to: Vec<String>,
    /// The document's JSON text (URL-encoded, as IAM returns it, or plain).
    pub json: String,
}

/// IAM returns policy documents URL-encoded (RFC 3986: `%7B%22Version%22…`); plain JSON
/// passes as is.
pub fn percent_decode(text: &str) -> String {
    if !text.trim_start().starts_with('%') {
        return text.to_owned();
    }
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

fn strings(r: &Resolver<'_>, stack: usize, v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a
            .iter()
            .map(|x| r.resolve(stack, x).unwrap_or_else(|| unresolved(x)))
            .collect(),
        Value::Null => Vec::new(),
        other => vec![r.resolve(stack, other).unwrap_or_else(|| unresolved(other))],
    }
}

/// A value that cannot be resolved, kept readable: its intrinsic as compact JSON.
fn unresolved(v: &Value) -> String {
    format!("(unresolved {v})")
}

/// Resources: an unresolvable one is `*` (it could be anything).
fn resources(r: &Resolver<'_>, stack: usize, v: &Value) -> Vec<String> {
    let one = |x: &Value| r.resolve(stack, x).unwrap_or_else(|| "*".to_owned());
    match v {
        Value::Array(a) => a.iter().map(one).collect(),
        other => vec![one(other)],
    }
}

fn principals(r: &Resolver<'_>, stack: usize, v: &Value) -> Vec<PrincipalPattern> {
    match v {
        Value::String(s) if s == "*" => vec![PrincipalPattern::Any],
        Value::Object(m) if m.keys().all(|k| k.starts_with("Fn::") || k == "Ref") => {
            vec![PrincipalPattern::Unknown]
        }
        Value::Object(m) => {
            let mut out = Vec::new();
            for (k, vals) in m {
                let list: Vec<&Value> = match vals {
                    Value::Array(a) => a.iter().collect(),
                    other => vec![other],
                };
                for val in list {
                    let Some(text) = r.resolve(stack, val) else {
                        out.push(PrincipalPattern::Unknown);
                        continue;
                    };
                    out.push(match k.as_str() {
                        "Service" => PrincipalPattern::Service(text),
                        "Federated" => PrincipalPattern::Federated(text),
                        "CanonicalUser" if text == "*" => PrincipalPattern::Any,
                        "CanonicalUser" => PrincipalPattern::Aws(text),
                        _ if text == "*" => PrincipalPattern::Any,
                        _ => PrincipalPattern::Aws(text),
                    });
                }
            }
            out
        }
        _ => vec![PrincipalPattern::Unknown],
    }
}

/// The roles (users, groups) of the same template that attach a managed policy through their
/// `ManagedPolicyArns` (a `Ref` to the policy), by name.
fn attaching_principals(r: &Resolver<'_>, stack: usize, policy: &str) -> Vec<String> {
    let doc = r.stacks[stack].doc;
    let mut out = Vec::new();
    for (id, body) in doc["Resources"].as_object().into_iter().flatten() {
        let (name_prop, ty) = match body["Type"].as_str() {
            Some(t @ "AWS::IAM::Role") => ("RoleName", t),
            Some(t @ "AWS::IAM::User") => ("UserName", t),
            Some(t @ "AWS::IAM::Group") => ("GroupName", t),
            _ => continue,
        };
        let _ = ty;
        let attaches = body["Properties"]["ManagedPolicyArns"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|a| a.get("Ref").and_then(Value::as_str) == Some(policy));
        if attaches {
            out.push(
                r.resolve(stack, &body["Properties"][name_prop])
                    .unwrap_or_else(|| id.clone()),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_are_read() {
        let o = Operator::parse("StringNotEqualsIfExists");
        assert_eq!(o.base, "StringEquals");
        assert!(o.negated && o.if_exists && !o.pins());
        let o = Operator::parse("ForAnyValue:StringLike");
        assert_eq!(o.base, "StringLike");
        assert!(!o.negated && o.pins());
        assert!(!Operator::parse("ForAllValues:StringEquals").pins());
        assert!(Operator::parse("ArnNotLike").negated);
        assert!(Operator::parse("NotIpAddress").negated);
        assert!(!Operator::parse("Null").pins());
        assert!(Operator::parse("StringEquals").pins());
    }
}
