//! An IAM evaluator over the statements of [`Policies`].
//!
//! It answers "may this principal do this action on (all, or some of) these resources?" the
//! way AWS does for requests inside one account: an explicit deny anywhere wins; otherwise an
//! allow in the principal's identity policies or a resource policy naming the principal grants
//! the request; a KMS key is usable only when its key policy allows the principal or allows the
//! account (which lets identity policies grant it). Conditions are evaluated where the request
//! decides them (`aws:SecureTransport`, `s3:prefix`); the others (`aws:CalledVia`,
//! `kms:ViaService`, `aws:SourceAccount`, ...) narrow how a request may be made, and come back
//! as qualifiers such as "via Athena".
//!
//! A resource can be a single ARN or "every ARN starting with" a prefix (every object under an
//! S3 prefix). For such sets the evaluator tells whether an allow covers the whole set or only
//! part of it.

use dap_cfn::facts::PolicyKind;

use crate::matcher::{covers, glob, glob_nocase, intersects};
use crate::policy::{Condition, Policies, PrincipalPattern, Statement};

/// Who makes a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who<'a> {
    /// An IAM role: its name and ARN.
    Role {
        /// The role name.
        name: &'a str,
        /// The role ARN.
        arn: &'a str,
    },
    /// A service principal (`cloudtrail.amazonaws.com`).
    Service(&'a str),
    /// The account root (`arn:aws:iam::<account>:root`).
    Root(&'a str),
}

/// A resource, or every resource whose ARN starts with a prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The ARN, or the ARN prefix.
    pub text: String,
    /// Whether this is every ARN starting with `text`.
    pub set: bool,
}

impl Target {
    /// One ARN.
    pub fn one(text: impl Into<String>) -> Target {
        Target {
            text: text.into(),
            set: false,
        }
    }

    /// Every ARN starting with `prefix`.
    pub fn under(prefix: impl Into<String>) -> Target {
        Target {
            text: prefix.into(),
            set: true,
        }
    }
}

/// One request to evaluate.
#[derive(Clone, Debug)]
pub struct Request {
    /// The action, such as `s3:GetObject`.
    pub action: String,
    /// The resources the action needs, all of them (Glue checks the catalog, the database and
    /// the table).
    pub resources: Vec<Target>,
    /// The resource policy that governs the resources: its kind and what it is attached to
    /// (the bucket name, the key's ARN).
    pub resource_policy: Option<(PolicyKind, String)>,
    /// The `s3:prefix` of a listing, when the request is a listing.
    pub s3_prefix: Option<Target>,
}

/// How the request is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Context {
    /// Over TLS (`aws:SecureTransport` is true).
    pub secure_transport: bool,
}

impl Default for Context {
    fn default() -> Self {
        Context {
            secure_transport: true,
        }
    }
}

/// Whether to ask about the whole of a set of resources, or about some of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every resource of the set.
    All,
    /// At least one resource of the set.
    Some,
}

impl Scope {
    fn flip(self) -> Scope {
        match self {
            Scope::All => Scope::Some,
            Scope::Some => Scope::All,
        }
    }
}

/// The answer to a request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Whether the request is allowed.
    pub allowed: bool,
    /// How it must be made, when only some ways are allowed ("via Athena").
    pub qualifiers: Vec<String>,
    /// The statements that allow it (indexes into [`Policies::statements`]).
    pub grants: Vec<usize>,
    /// The explicit denies that stop it.
    pub denies: Vec<usize>,
}

/// The evaluator over one platform's statements.
pub struct Evaluator<'a> {
    policies: &'a Policies,
    account: String,
    root: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Match {
    /// The statement names this principal.
    Direct,
    /// The statement names the account: identity policies decide.
    Account,
}

enum Cond {
    Holds,
    Fails,
    Qualifier(String),
}

impl<'a> Evaluator<'a> {
    /// An evaluator for the statements of an account.
    pub fn new(policies: &'a Policies, account: &str, partition: &str) -> Self {
        Evaluator {
            policies,
            account: account.to_owned(),
            root: format!("arn:{partition}:iam::{account}:root"),
        }
    }

    /// Evaluate a request.
    pub fn decide(&self, who: Who<'_>, req: &Request, scope: Scope, ctx: Context) -> Outcome {
        let mut out = Outcome {
            allowed: !req.resources.is_empty(),
            ..Outcome::default()
        };
        for target in &req.resources {
            let one = self.decide_one(who, req, target, scope, ctx);
            out.allowed &= one.allowed;
            out.qualifiers.extend(one.qualifiers);
            out.grants.extend(one.grants);
            out.denies.extend(one.denies);
        }
        if !out.allowed {
            out.qualifiers.clear();
            out.grants.clear();
        }
        out.qualifiers.sort();
        out.qualifiers.dedup();
        out.grants.sort_unstable();
        out.grants.dedup();
        out.denies.sort_unstable();
        out.denies.dedup();
        out
    }

    fn decide_one(
        &self,
        who: Who<'_>,
        req: &Request,
        target: &Target,
        scope: Scope,
        ctx: Context,
    ) -> Outcome {
        let identity: Vec<&Statement> = match who {
            Who::Role { name, .. } => self.policies.attached(PolicyKind::Identity, name).collect(),
            _ => Vec::new(),
        };
        let resource: Vec<(&Statement, Match)> = match &req.resource_policy {
            Some((kind, name)) => self
                .policies
                .attached(*kind, name)
                .filter_map(|s| self.principal_match(s, who).map(|m| (s, m)))
                .collect(),
            None => Vec::new(),
        };
        let mut out = Outcome::default();
        let mut conditional_denies = Vec::new();
        let denies = identity
            .iter()
            .copied()
            .chain(resource.iter().map(|(s, _)| *s))
            .filter(|s| !s.allow);
        for s in denies {
            match self.applies(s, who, req, target, scope.flip(), ctx) {
                Some(q) if q.is_empty() => out.denies.push(s.index),
                Some(q) => conditional_denies.push(format!("denied {}", q.join(", "))),
                None => {}
            }
        }
        if !out.denies.is_empty() {
            return out;
        }
        let needs_delegation = matches!(req.resource_policy, Some((PolicyKind::Key, _)));
        let mut allows: Vec<(&Statement, Vec<String>)> = Vec::new();
        let mut delegated = None;
        for (s, m) in resource.iter().filter(|(s, _)| s.allow) {
            if let Some(q) = self.applies(s, who, req, target, scope, ctx) {
                match m {
                    Match::Direct => allows.push((s, q)),
                    Match::Account => delegated = delegated.or(Some((*s, q))),
                }
            }
        }
        let identity_ok = !needs_delegation || delegated.is_some();
        if identity_ok {
            for s in identity.iter().filter(|s| s.allow) {
                if let Some(mut q) = self.applies(s, who, req, target, scope, ctx) {
                    if let Some((d, dq)) = &delegated {
                        out.grants.push(d.index);
                        q.extend(dq.iter().cloned());
                    }
                    allows.push((s, q));
                }
            }
        }
        if allows.is_empty() {
            return out;
        }
        out.allowed = true;
        out.grants.extend(allows.iter().map(|(s, _)| s.index));
        let best = allows
            .iter()
            .min_by_key(|(_, q)| q.len())
            .map(|(_, q)| q.clone())
            .unwrap_or_default();
        out.qualifiers = best;
        out.qualifiers.extend(conditional_denies);
        out
    }

    fn principal_match(&self, s: &Statement, who: Who<'_>) -> Option<Match> {
        if s.not_principal {
            // Everyone but the named principals.
            let named = s.principals.iter().any(|p| match (p, who) {
                (PrincipalPattern::Service(x), Who::Service(y)) => x == y,
                (PrincipalPattern::Aws(a), Who::Root(_)) => self.is_account(a),
                (PrincipalPattern::Aws(a), Who::Role { arn, .. }) => {
                    self.is_account(a) || glob(a, arn)
                }
                _ => false,
            });
            return (!named).then_some(Match::Direct);
        }
        let mut best = None;
        for p in &s.principals {
            let m = match (p, who) {
                (PrincipalPattern::Any | PrincipalPattern::Unknown, _) => Some(Match::Direct),
                (PrincipalPattern::Service(x), Who::Service(y)) if x == y => Some(Match::Direct),
                (PrincipalPattern::Aws(a), Who::Root(_)) if self.is_account(a) => {
                    Some(Match::Direct)
                }
                (PrincipalPattern::Aws(a), Who::Role { .. }) if self.is_account(a) => {
                    Some(Match::Account)
                }
                (PrincipalPattern::Aws(a), Who::Role { arn, .. }) if glob(a, arn) => {
                    Some(Match::Direct)
                }
                _ => None,
            };
            best = match (best, m) {
                (Some(Match::Direct), _) | (_, Some(Match::Direct)) => Some(Match::Direct),
                (b, m) => b.or(m),
            };
        }
        best
    }

    fn is_account(&self, a: &str) -> bool {
        a == self.root || a == self.account
    }

    /// Whether a statement applies to the request (action, resource, conditions); the
    /// qualifiers of the conditions that narrow it.
    fn applies(
        &self,
        s: &Statement,
        who: Who<'_>,
        req: &Request,
        target: &Target,
        scope: Scope,
        ctx: Context,
    ) -> Option<Vec<String>> {
        let caller = match who {
            Who::Role { arn, .. } => Caller {
                account: Some(self.account.as_str()),
                arn: Some(arn),
                service: false,
            },
            Who::Root(arn) => Caller {
                account: Some(self.account.as_str()),
                arn: Some(arn),
                service: false,
            },
            Who::Service(_) => Caller {
                account: None,
                arn: None,
                service: true,
            },
        };
        let named = s.actions.iter().any(|a| glob_nocase(a, &req.action));
        if named == s.not_action {
            return None;
        }
        let resource_ok = if s.not_resource {
            // Every resource but the named ones: all of a set when no exclusion touches it,
            // some of it when no exclusion swallows it whole.
            !s.resources.iter().any(|pattern| match (target.set, scope) {
                (false, _) => glob(pattern, &target.text),
                (true, Scope::All) => intersects(pattern, &target.text),
                (true, Scope::Some) => covers(pattern, &target.text),
            })
        } else {
            s.resources.iter().any(|pattern| match (target.set, scope) {
                (false, _) => glob(pattern, &target.text),
                (true, Scope::All) => covers(pattern, &target.text),
                (true, Scope::Some) => intersects(pattern, &target.text),
            })
        };
        if !resource_ok {
            return None;
        }
        let mut qualifiers = Vec::new();
        for c in &s.conditions {
            match condition(c, req, scope, ctx, caller) {
                Cond::Holds => {}
                Cond::Fails => return None,
                Cond::Qualifier(q) => qualifiers.push(q),
            }
        }
        Some(qualifiers)
    }
}

/// What the evaluator knows of the caller of a request.
#[derive(Clone, Copy)]
struct Caller<'a> {
    /// Its account, for the account's own principals.
    account: Option<&'a str>,
    /// Its ARN (`aws:PrincipalArn`), for roles and the account root.
    arn: Option<&'a str>,
    /// Whether it is an AWS service principal (`aws:PrincipalIsAWSService`).
    service: bool,
}

fn condition(c: &Condition, req: &Request, scope: Scope, ctx: Context, caller: Caller<'_>) -> Cond {
    let key = c.key.to_lowercase();
    let op = c.operator();
    let verdict = |holds: bool| if holds { Cond::Holds } else { Cond::Fails };
    match key.as_str() {
        // The caller's ARN is known: `StringEquals`/`ArnEquals` compare, `…Like` match
        // wildcards; a negated operator holds when no value matches. A service principal has
        // no `aws:PrincipalArn`: a positive operator fails, a negated one holds, `IfExists`
        // holds either way.
        "aws:principalarn"
            if matches!(
                op.base.as_str(),
                "StringEquals" | "StringLike" | "ArnEquals" | "ArnLike"
            ) && op.set.is_none() =>
        {
            match caller.arn {
                Some(arn) => {
                    let like = matches!(op.base.as_str(), "StringLike" | "ArnLike");
                    let named = c
                        .values
                        .iter()
                        .any(|v| if like { glob(v, arn) } else { v == arn });
                    verdict(named != op.negated)
                }
                None if caller.service => verdict(op.negated || op.if_exists),
                None => Cond::Qualifier(describe(c)),
            }
        }
        "aws:principalisawsservice" if op.base == "Bool" => {
            let named = c
                .values
                .iter()
                .any(|v| v.eq_ignore_ascii_case(&caller.service.to_string()));
            verdict(named != op.negated)
        }
        // The caller's account is known for the account's own principals: a positive operator
        // holds when it names the account, a negated one when it does not.
        "aws:principalaccount" | "kms:calleraccount"
            if caller.account.is_some() && op.base == "StringEquals" =>
        {
            let named = c.values.iter().any(|v| Some(v.as_str()) == caller.account);
            if named != op.negated {
                Cond::Holds
            } else {
                Cond::Fails
            }
        }
        "aws:securetransport" if c.op == "Bool" => {
            let want = ctx.secure_transport.to_string();
            if c.values.iter().any(|v| v.eq_ignore_ascii_case(&want)) {
                Cond::Holds
            } else {
                Cond::Fails
            }
        }
        "s3:prefix" if matches!(c.op.as_str(), "StringLike" | "StringEquals") => {
            let Some(t) = &req.s3_prefix else {
                return Cond::Fails;
            };
            let like = c.op == "StringLike";
            let ok = c.values.iter().any(|v| match (like, t.set, scope) {
                (true, false, _) => glob(v, &t.text),
                (true, true, Scope::All) => covers(v, &t.text),
                (true, true, Scope::Some) => intersects(v, &t.text),
                (false, false, _) => *v == t.text,
                (false, true, Scope::All) => false,
                (false, true, Scope::Some) => v.starts_with(&t.text),
            });
            if ok {
                Cond::Holds
            } else {
                Cond::Fails
            }
        }
        _ => Cond::Qualifier(describe(c)),
    }
}

/// A condition in words, for a report cell.
pub fn describe(c: &Condition) -> String {
    let key = c.key.to_lowercase();
    let values = c.values.join(" or ");
    match key.as_str() {
        "aws:calledvia" | "kms:viaservice" => {
            let services: Vec<String> = c.values.iter().map(|v| service_label(v)).collect();
            format!("via {}", services.join(" or "))
        }
        "aws:sourceaccount" => format!("from account {values}"),
        "aws:sourcearn" => {
            let short: Vec<&str> = c
                .values
                .iter()
                .map(|v| v.rsplit(':').next().unwrap_or(v))
                .collect();
            match short.as_slice() {
                [one] => format!("for {one}"),
                many => format!("for one of {} sources", many.len()),
            }
        }
        "s3:x-amz-acl" => format!("with ACL {values}"),
        k if k.starts_with("kms:encryptioncontext:") => {
            format!("for {} resources", context_service(&c.key))
        }
        _ => format!("when {} {} {values}", c.key, c.op),
    }
}

fn context_service(key: &str) -> String {
    // kms:EncryptionContext:aws:logs:arn -> CloudWatch Logs
    let parts: Vec<&str> = key.split(':').collect();
    match parts.get(3) {
        Some(svc) => service_label(&format!("{svc}.amazonaws.com")),
        None => key.to_owned(),
    }
}

/// `athena.amazonaws.com` → `Athena`; `s3.ca-central-1.amazonaws.com` → `S3`.
pub fn service_label(host: &str) -> String {
    let first = host.split('.').next().unwrap_or(host);
    match first {
        "athena" => "Athena".to_owned(),
        "s3" => "S3".to_owned(),
        "logs" => "CloudWatch Logs".to_owned(),
        "glue" => "Glue".to_owned(),
        "cloudtrail" => "CloudTrail".to_owned(),
        "cloudwatch" => "CloudWatch".to_owned(),
        "events" => "EventBridge".to_owned(),
        "budgets" => "Budgets".to_owned(),
        "ec2" => "EC2".to_owned(),
        "sns" => "SNS".to_owned(),
        "logging" => "S3 server access logging".to_owned(),
        other => other.to_owned(),
    }
}
