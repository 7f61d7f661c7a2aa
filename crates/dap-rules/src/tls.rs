//! The TLS-only deny, read for meaning: a `Deny` that really refuses every request made
//! without TLS to a resource, for every principal and every action of the service, with no
//! other condition narrowing it.

use dap_model::matcher::{covers, glob, intersects};
use dap_model::{PrincipalPattern, Statement};

/// What the deny must cover.
pub struct Required<'a> {
    /// The service prefix whose every action must be denied (`s3:`), or one action
    /// (`sns:Publish`) when `whole_service` is false.
    pub action: &'a str,
    /// Whether every action starting with `action` must be denied.
    pub whole_service: bool,
    /// Resources that must be denied: (text, whether it is every ARN starting with it).
    pub resources: Vec<(String, bool)>,
}

/// How well the statements deny requests without TLS.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A statement denies every such request.
    Denied,
    /// The best statement misses something: the reasons.
    Weakened(String, Vec<String>),
    /// No statement even tries.
    Missing,
}

/// Judge a set of statements (the policies governing one resource).
pub fn judge<'s>(
    statements: impl IntoIterator<Item = &'s Statement>,
    req: &Required<'_>,
) -> Verdict {
    let mut best: Option<(String, Vec<String>)> = None;
    for s in statements {
        let tls: Vec<_> = s.conditions_on("aws:SecureTransport").collect();
        if s.allow || tls.is_empty() {
            continue;
        }
        let mut gaps = Vec::new();
        let false_ok = tls.iter().any(|c| {
            let op = c.operator();
            op.base == "Bool"
                && !op.negated
                && c.values.iter().any(|v| v.eq_ignore_ascii_case("false"))
        });
        if !false_ok {
            gaps.push(
                "its `aws:SecureTransport` condition does not match `false` with `Bool`".to_owned(),
            );
        }
        let anyone = !s.not_principal && s.principals.contains(&PrincipalPattern::Any);
        if !anyone {
            gaps.push("it does not apply to every principal (`Principal: \"*\"`)".to_owned());
        }
        let action = req.action.to_ascii_lowercase();
        let lower = |a: &String| a.to_ascii_lowercase();
        let actions_ok = match (s.not_action, req.whole_service) {
            (false, true) => s.actions.iter().any(|a| covers(&lower(a), &action)),
            (false, false) => s.actions.iter().any(|a| glob(&lower(a), &action)),
            (true, true) => !s.actions.iter().any(|a| intersects(&lower(a), &action)),
            (true, false) => !s.actions.iter().any(|a| glob(&lower(a), &action)),
        };
        if !actions_ok {
            gaps.push(format!(
                "its actions do not include every `{}{}` action",
                req.action,
                if req.whole_service { "*" } else { "" }
            ));
        }
        for (text, set) in &req.resources {
            let hit = |p: &String| match (s.not_resource, set) {
                (false, false) => glob(p, text),
                (false, true) => covers(p, text),
                (true, false) => glob(p, text),
                (true, true) => intersects(p, text),
            };
            let ok = if s.not_resource {
                !s.resources.iter().any(hit)
            } else {
                s.resources.iter().any(hit)
            };
            if !ok {
                let what = if *set {
                    format!("{text}*")
                } else {
                    text.clone()
                };
                gaps.push(format!("its resources do not include `{what}`"));
            }
        }
        let extra: Vec<String> = s
            .conditions
            .iter()
            .filter(|c| !c.is("aws:SecureTransport"))
            .map(|c| format!("`{} {}`", c.op, c.key))
            .collect();
        if !extra.is_empty() {
            gaps.push(format!(
                "it only applies when {} also hold(s), so it denies almost nothing",
                extra.join(", ")
            ));
        }
        if gaps.is_empty() {
            return Verdict::Denied;
        }
        if best.as_ref().is_none_or(|(_, g)| gaps.len() < g.len()) {
            best = Some((s.label(), gaps));
        }
    }
    match best {
        Some((label, gaps)) => Verdict::Weakened(label, gaps),
        None => Verdict::Missing,
    }
}
