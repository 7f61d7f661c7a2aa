use dap_model::eval::{Context as Ctx, Evaluator, Outcome, Request, Scope, Target, Who};
use dap_planner::intent::{self, Intended, Place, Reach};

use super::prelude::*;

rule! {
    /// Flags a role that can reach a bucket or key further than the platform means it to.
    ///
    /// ## What it checks
    ///
    /// The planner declares what every role is meant to reach (`dap_planner::intent`): for
    /// each role and each bucket, the highest of read, write, delete and admin on its objects;
    /// for each KMS key, encrypt, decrypt or admin; and, where access is meant to go through a
    /// service only, that service (the analyst reads curated objects only through Athena).
    /// The rule evaluates the rendered policies together, the way AWS decides a request in one
    /// account (identity policies, the bucket policy, the key policy and its delegation to
    /// IAM, explicit denies first), asking for each role whether it may `s3:GetObject`,
    /// `s3:PutObject`, `s3:DeleteObject` or `s3:PutBucketPolicy` on any object of the bucket,
    /// or `kms:GenerateDataKey`, `kms:Decrypt` or `kms:PutKeyPolicy` on the key. Every place
    /// where the computed reach exceeds the intent, or is not bound to the intended service,
    /// is reported on the policy that grants it, naming the statements.
    ///
    /// It needs the environment (`dap check --env`, `plan`, `apply`): a folder of templates
    /// carries no intent.
    ///
    /// ## Why
    ///
    /// Rules about single statements cannot see that a grant is correct in form and wrong in
    /// purpose: `s3:GetObject` on the raw zone is a well-formed statement, and a leak when the
    /// analyst holds it. Comparing computed access with declared intent is how least
    /// privilege is proved rather than asserted.
    ///
    /// ## Example
    ///
    /// Failing (in the analyst's policy):
    ///
    /// ```yaml
    /// - Sid: ReadRaw
    ///   Effect: Allow
    ///   Action: s3:GetObject
    ///   Resource: arn:aws:s3:::dap-dev-raw-111111111111-ca-central-1/*
    /// ```
    ///
    /// Passing (the analyst reads curated objects, and only through Athena):
    ///
    /// ```yaml
    /// - Sid: ReadCuratedViaAthena
    ///   Effect: Allow
    ///   Action: [s3:GetObject, s3:GetObjectVersion]
    ///   Resource: arn:aws:s3:::dap-dev-curated-111111111111-ca-central-1/business-licences/*
    ///   Condition:
    ///     ForAnyValue:StringEquals:
    ///       aws:CalledVia: athena.amazonaws.com
    /// ```
    ///
    /// ## Remediation
    ///
    /// Remove the grant, or, when the role's purpose changed, change the intent in
    /// `crates/dap-planner/src/intent.rs` together with the policies in `roles.rs`.
    ///
    /// ## References
    ///
    /// - Policy evaluation logic: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>
    /// - IAM Access Analyzer policy checks: <https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-checks-validating-policies.html>
    AccessExceedsIntent {
        code: codes::ACCESS_EXCEEDS_INTENT,
        name: "access-exceeds-intent",
        severity: Error,
        fix: "remove the grant, or change the role's intent in dap-planner's intent.rs together with its policy",
    }
}

/// The requests that prove each level, highest first.
fn requests(place: &Place, cx: &Context<'_>) -> Vec<(Reach, Request)> {
    let pin = cx.model.pin();
    match place {
        Place::Bucket { name, .. } => {
            let arn = format!("arn:{}:s3:::{name}", pin.partition);
            let rp = Some((PolicyKind::Bucket, name.clone()));
            let objects = || vec![Target::under(format!("{arn}/"))];
            let req = |action: &str, resources| Request {
                action: action.to_owned(),
                resources,
                resource_policy: rp.clone(),
                s3_prefix: None,
            };
            vec![
                (Reach::Admin, req("s3:PutBucketPolicy", vec![Target::one(&arn)])),
                (Reach::Delete, req("s3:DeleteObject", objects())),
                (Reach::Write, req("s3:PutObject", objects())),
                (Reach::Read, req("s3:GetObject", objects())),
            ]
        }
        Place::Key { logical_id } => {
            let arn = cx.model.resolver.key_arn(logical_id);
            let req = |action: &str| Request {
                action: action.to_owned(),
                resources: vec![Target::one(&arn)],
                resource_policy: Some((PolicyKind::Key, arn.clone())),
                s3_prefix: None,
            };
            vec![
                (Reach::Admin, req("kms:PutKeyPolicy")),
                (Reach::Write, req("kms:Decrypt")),
                (Reach::Read, req("kms:GenerateDataKey")),
            ]
        }
    }
}

impl Rule for AccessExceedsIntent {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        let Some(env) = cx.env else { return };
        let pin = cx.model.pin();
        let eval = Evaluator::new(&cx.model.policies, &pin.account, &pin.partition);
        let with_admin = cx.model.policies.with_administrator();
        let admin_eval = Evaluator::new(&with_admin, &pin.account, &pin.partition);
        for want in intent::intent(env) {
            let administrator = want.role == intent::ADMINISTRATOR;
            // The administrators' reach is judged where the bucket or key is declared (a
            // folder holding only some stacks says nothing of the others).
            let declared = match &want.place {
                Place::Bucket { name, .. } => cx.bucket_named(name).is_some(),
                Place::Key { logical_id } => cx
                    .of_type("AWS::KMS::Key")
                    .any(|k| k.id == *logical_id),
            };
            if administrator && !declared {
                continue;
            }
            let (eval, name, arn) = if administrator {
                (&admin_eval, dap_model::ADMINISTRATOR, pin.root())
            } else {
                let arn = format!("arn:{}:iam::{}:role/{}", pin.partition, pin.account, want.role);
                (&eval, want.role.as_str(), arn)
            };
            let who = Who::Role { name, arn: &arn };
            let mut reach = Reach::None;
            let mut granted: Option<Outcome> = None;
            let mut admin: Option<Outcome> = None;
            // What the role's own policies grant, resource policies aside: an excess there is
            // reported even while a bucket's perimeter or a key policy stops it.
            let mut latent: Option<(Reach, Outcome)> = None;
            for (level, req) in requests(&want.place, cx) {
                let o = eval.decide(who, &req, Scope::Some, Ctx::default());
                if !administrator && !o.allowed && level > want.reach && latent.is_none() {
                    let alone = Request {
                        resource_policy: None,
                        ..req.clone()
                    };
                    let own = eval.decide(who, &alone, Scope::Some, Ctx::default());
                    if own.allowed && (level != Reach::Admin || !want.admin) {
                        latent = Some((level, own));
                    }
                }
                if !o.allowed {
                    continue;
                }
                if level == Reach::Admin {
                    admin = Some(o);
                } else if level > reach {
                    reach = level;
                    granted = Some(o);
                }
            }
            if let Some(o) = admin.filter(|_| !want.admin) {
                report(cx, &want, Reach::Admin, None, &o, out);
            }
            if let Some((level, o)) = latent.filter(|(l, _)| *l > reach) {
                report_latent(cx, &want, level, &o, out);
            }
            let Some(outcome) = granted else { continue };
            let unbound = want.via.filter(|via| {
                reach <= want.reach
                    && !outcome
                        .qualifiers
                        .iter()
                        .any(|q| q.starts_with("via ") && q.contains(via))
            });
            if reach <= want.reach && unbound.is_none() {
                continue;
            }
            report(cx, &want, reach, unbound, &outcome, out);
        }
    }
}

/// An excess the role's own policies grant but a resource policy stops today.
fn report_latent(cx: &Context<'_>, want: &Intended, level: Reach, own: &Outcome, out: &mut Vec<Hit>) {
    let key = matches!(want.place, Place::Key { .. });
    let place = match &want.place {
        Place::Bucket { zone, .. } => format!("the {zone} bucket's objects"),
        Place::Key { logical_id } => format!("key `{logical_id}`"),
    };
    let cites: Vec<String> = own
        .grants
        .iter()
        .map(|i| cx.model.policies.statements[*i].cite())
        .collect();
    let holder = own
        .grants
        .iter()
        .map(|i| &cx.model.policies.statements[*i])
        .find(|s| s.kind == PolicyKind::Identity)
        .and_then(|s| cx.templates.get(s.template)?.resource(&s.resource));
    if let Some(r) = holder {
        out.push(Hit::on(
            &r,
            format!(
                "role `{}`'s own policy lets it {} {place} ({}), beyond the {} it is meant to have; only the {} stops it today",
                want.role,
                level.label(key),
                cites.join(", "),
                want.reach.label(key),
                if key { "key policy" } else { "bucket policy" }
            ),
        ));
    }
}

fn report(
    cx: &Context<'_>,
    want: &Intended,
    reach: Reach,
    unbound: Option<&str>,
    outcome: &Outcome,
    out: &mut Vec<Hit>,
) {
    // The administrator's stand-in policy is not one of the templates' statements.
    let statements: Vec<&Statement> = outcome
        .grants
        .iter()
        .filter_map(|i| cx.model.policies.statements.get(*i))
        .collect();
    let key = matches!(want.place, Place::Key { .. });
    let place = match &want.place {
        Place::Bucket { zone, .. } => format!("the {zone} bucket's objects"),
        Place::Key { logical_id } => format!("key `{logical_id}`"),
    };
    let what = match unbound {
        Some(via) => format!(
            "may {} {place} without going through {via}",
            reach.label(key)
        ),
        None if want.reach == Reach::None => format!(
            "may {} {place}, which it is not meant to reach at all",
            reach.label(key)
        ),
        None => format!(
            "may {} {place}, beyond the {} it is meant to have",
            reach.label(key),
            want.reach.label(key)
        ),
    };
    let cites: Vec<String> = statements.iter().map(|s| s.cite()).collect();
    let administrator = want.role == intent::ADMINISTRATOR;
    let who = if administrator {
        "an account administrator (any principal with AdministratorAccess)".to_owned()
    } else {
        format!("role `{}`", want.role)
    };
    let message = format!(
        "{who} {what} (granted by {})",
        if cites.is_empty() {
            "no statement found".to_owned()
        } else {
            cites.join(", ")
        }
    );
    // On the identity policy that grants it when there is one, else on the resource policy,
    // else on the role; the account's administrators' findings go on the bucket's or key's
    // own policy, where the perimeter is missing.
    let (kind, governed) = match &want.place {
        Place::Bucket { name, .. } => (PolicyKind::Bucket, name.clone()),
        Place::Key { logical_id } => (PolicyKind::Key, cx.model.resolver.key_arn(logical_id)),
    };
    let governing = cx.model.policies.attached(kind, &governed).next();
    let holder = statements
        .iter()
        .find(|s| s.kind == PolicyKind::Identity && !administrator)
        .or(if administrator {
            governing.as_ref()
        } else {
            statements.first()
        })
        .and_then(|s| {
            cx.templates
                .get(s.template)
                .and_then(|t| t.resource(&s.resource))
        })
        .or_else(|| cx.resources().find(|r| r.id == want.role_id));
    if let Some(r) = holder {
        out.push(Hit::on(&r, message));
    }
}
