//! The bootstrap template: the deploy role has what `dap` needs for the rendered platform,
//! written out action by action, and nothing that lets it change itself.

use std::collections::BTreeSet;

use dap_planner::bootstrap::{
    self, APPLIER_ACTIONS, LEFT_OUT, VERIFY_ACTIONS, VERIFY_BUCKET_ACTIONS,
};

fn shipped() -> Vec<(dap_config::Environment, dap_planner::Rendered)> {
    dap_testkit::shipped()
        .into_iter()
        .map(|e| {
            let env = dap_config::parse(&e.file, &e.text).unwrap();
            let r = dap_planner::render(&env).unwrap();
            (env, r)
        })
        .collect()
}

fn template(b: &bootstrap::Bootstrap) -> serde_json::Value {
    serde_json::to_value(&b.template).unwrap()
}

/// Every statement of the deploy role's policies, as JSON.
fn statements(t: &serde_json::Value) -> Vec<serde_json::Value> {
    t["Resources"]
        .as_object()
        .unwrap()
        .values()
        .filter(|r| r["Type"] == "AWS::IAM::ManagedPolicy")
        .flat_map(|r| {
            r["Properties"]["PolicyDocument"]["Statement"]
                .as_array()
                .unwrap()
                .clone()
        })
        .collect()
}

fn actions(s: &serde_json::Value) -> Vec<String> {
    s["Action"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn environments_with_a_deploy_role_get_one_and_the_local_one_does_not() {
    for (env, r) in shipped() {
        let b = bootstrap::bootstrap(&env, &r);
        assert_eq!(b.is_some(), env.deploy_role.is_some(), "{}", env.name);
        if let Some(b) = b {
            assert_eq!(b.stack_name, format!("{}-bootstrap", env.prefix));
        }
    }
}

#[test]
fn no_action_is_a_wildcard_and_every_policy_fits_iam_s_limit() {
    for (env, r) in shipped() {
        let Some(b) = bootstrap::bootstrap(&env, &r) else {
            continue;
        };
        let t = template(&b);
        for s in statements(&t) {
            assert!(s.get("NotAction").is_none(), "{}: {s}", env.name);
            for a in actions(&s) {
                assert!(
                    !a.contains(['*', '?']),
                    "{}: wildcard action `{a}`",
                    env.name
                );
                assert!(
                    a.split_once(':').is_some_and(|(svc, op)| svc
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                        && op.chars().all(|c| c.is_ascii_alphanumeric())),
                    "{a}"
                );
            }
        }
        for (id, r) in t["Resources"].as_object().unwrap() {
            if r["Type"] == "AWS::IAM::ManagedPolicy" {
                let doc = serde_json::to_string(&r["Properties"]["PolicyDocument"]).unwrap();
                assert!(
                    doc.len() <= 6_144,
                    "{}: {id} is {} characters",
                    env.name,
                    doc.len()
                );
            }
        }
    }
}

#[test]
fn the_role_may_do_what_cloudformation_needs_for_every_rendered_type_and_what_dap_calls() {
    for (env, r) in shipped() {
        let Some(b) = bootstrap::bootstrap(&env, &r) else {
            continue;
        };
        let allowed: BTreeSet<String> = statements(&template(&b))
            .iter()
            .filter(|s| s["Effect"] == "Allow")
            .flat_map(actions)
            .collect();
        let types: BTreeSet<&str> = r
            .stacks
            .iter()
            .flat_map(|s| s.template.resources.values().map(|x| x.type_name()))
            .chain([bootstrap::LOCK_TYPE])
            .collect();
        for t in types {
            for a in dap_cfn::facts::handler_permissions(t).unwrap() {
                let (svc, op) = a.split_once(':').unwrap();
                let a = format!("{}:{op}", svc.to_ascii_lowercase());
                if LEFT_OUT.iter().any(|(l, _)| *l == a) {
                    assert!(!allowed.contains(&a), "{a} is left out");
                    continue;
                }
                assert!(allowed.contains(&a), "{}: `{t}` needs `{a}`", env.name);
            }
        }
        for a in APPLIER_ACTIONS
            .iter()
            .chain(VERIFY_ACTIONS)
            .chain(VERIFY_BUCKET_ACTIONS)
        {
            assert!(allowed.contains(*a), "{}: `{a}`", env.name);
        }
    }
}

#[test]
fn the_role_cannot_change_itself_and_trusts_exactly_the_named_principals() {
    let (env, r) = shipped()
        .into_iter()
        .find(|(e, _)| e.name == "prod")
        .unwrap();
    let b = bootstrap::bootstrap(&env, &r).unwrap();
    let t = template(&b);
    let role = env.deploy_role.as_ref().unwrap();
    let deny = statements(&t)
        .into_iter()
        .find(|s| s["Effect"] == "Deny")
        .expect("a deny statement");
    for a in [
        "iam:AttachRolePolicy",
        "iam:PutRolePolicy",
        "iam:CreatePolicyVersion",
        "iam:UpdateAssumeRolePolicy",
    ] {
        assert!(actions(&deny).contains(&a.to_owned()), "{a}");
    }
    assert!(deny["Resource"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!(role.arn)));
    let trust =
        &t["Resources"]["DeployRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0];
    assert_eq!(
        trust["Principal"]["AWS"],
        serde_json::json!(role.trusted_principals)
    );
    assert_eq!(
        trust["Condition"]["StringEquals"]["sts:ExternalId"],
        serde_json::json!([role.external_id.as_deref().unwrap()])
    );
    assert_eq!(
        t["Resources"]["DeployRole"]["Properties"]["RoleName"],
        role.role_name()
    );
    // Roles are passed by name, only to the services the platform's roles serve.
    let pass = statements(&t)
        .into_iter()
        .find(|s| actions(s) == ["iam:PassRole"])
        .expect("a PassRole statement");
    for r in pass["Resource"].as_array().unwrap() {
        let r = r.as_str().unwrap();
        assert!(
            r.starts_with("arn:aws:iam::333333333333:role/dap-prod-") && !r.contains('*'),
            "{r}"
        );
    }
    assert!(pass["Condition"]["StringEquals"]["iam:PassedToService"].is_array());
}
