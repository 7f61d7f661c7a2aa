//! Properties every rendered environment must have, whatever the environment says.

use dap_planner::{render, Rendered};
use serde_yaml::Value;

/// Every shipped environment file: (name, text).
fn environments() -> Vec<(String, String)> {
    dap_testkit::shipped()
        .into_iter()
        .map(|e| (e.name, e.text))
        .collect()
}

fn env(name: &str, text: &str) -> dap_config::Environment {
    dap_config::parse(&format!("environments/{name}.yaml"), text).unwrap()
}

fn all() -> Vec<(String, Rendered)> {
    environments()
        .into_iter()
        .map(|(n, t)| {
            let r = render(&env(&n, &t)).unwrap();
            (n, r)
        })
        .collect()
}

fn shipped(name: &str) -> String {
    dap_testkit::shipped_named(name).text
}

fn resources(r: &Rendered) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for s in &r.stacks {
        let doc: Value = serde_yaml::from_str(&s.yaml).unwrap();
        for (id, res) in doc["Resources"].as_mapping().unwrap() {
            out.push((
                s.kind.slug().to_owned(),
                id.as_str().unwrap().to_owned(),
                res.clone(),
            ));
        }
    }
    out
}

#[test]
fn every_data_bearing_resource_is_retained() {
    for (env, r) in all() {
        for (stack, id, res) in resources(&r) {
            let ty = res["Type"].as_str().unwrap();
            if dap_cfn::facts::must_retain(ty) {
                assert_eq!(res["DeletionPolicy"], "Retain", "{env}/{stack}/{id}");
                assert_eq!(res["UpdateReplacePolicy"], "Retain", "{env}/{stack}/{id}");
            }
        }
    }
}

#[test]
fn stacks_never_use_exports() {
    for (env, r) in all() {
        for s in &r.stacks {
            assert!(!s.yaml.contains("Fn::ImportValue"), "{env}/{}", s.name);
            let doc: Value = serde_yaml::from_str(&s.yaml).unwrap();
            if let Some(outputs) = doc["Outputs"].as_mapping() {
                for (k, o) in outputs {
                    assert!(o.get("Export").is_none(), "{env}/{}/{k:?}", s.name);
                }
            }
        }
    }
}

/// Every `Statement` list anywhere under `v`.
fn statements(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Mapping(m) => {
            for (k, x) in m {
                if k.as_str() == Some("Statement") {
                    out.extend(x.as_sequence().cloned().unwrap_or_default());
                } else {
                    statements(x, out);
                }
            }
        }
        Value::Sequence(s) => s.iter().for_each(|x| statements(x, out)),
        _ => {}
    }
}

#[test]
fn no_allow_statement_grants_wildcard_actions_except_root_key_administration() {
    let mut checked = 0;
    for (env, r) in all() {
        for (stack, id, res) in resources(&r) {
            let mut found = Vec::new();
            statements(&res, &mut found);
            for st in found {
                checked += 1;
                if st["Effect"] != "Allow" {
                    continue;
                }
                for a in st["Action"].as_sequence().unwrap() {
                    let a = a.as_str().unwrap();
                    let wildcard = a == "*" || a.ends_with(":*");
                    let root_admin = a == "kms:*" && st["Sid"] == "KeyAdministrationByAccount";
                    assert!(!wildcard || root_admin, "{env}/{stack}/{id}: {st:?}");
                }
            }
        }
    }
    assert!(checked > 100, "only {checked} statements found");
}

#[test]
fn dependency_order_is_topological() {
    for (env, r) in all() {
        let mut seen = std::collections::HashSet::new();
        for s in &r.manifest.stacks {
            for d in &s.depends_on {
                assert!(
                    seen.contains(d),
                    "{env}: {} before its dependency {d}",
                    s.name
                );
            }
            seen.insert(s.name.clone());
        }
    }
}

#[test]
fn adding_a_year_is_one_line_and_scopes_the_new_prefix() {
    let prod = &shipped("prod");
    assert!(prod.contains("      - 2024\n"));
    let with_2025 = prod.replacen("      - 2024\n", "      - 2024\n      - 2025\n", 1);
    let before = render(&env("prod", prod)).unwrap();
    let after = render(&env("prod", &with_2025)).unwrap();
    let access = |r: &Rendered| {
        r.stacks
            .iter()
            .find(|s| s.kind.slug() == "access")
            .unwrap()
            .yaml
            .clone()
    };
    assert!(!access(&before).contains("year=2025"));
    assert!(access(&after).contains("business-licences/year=2025/*"));
    // The year-over-year query moves on to the latest two years; nothing else changes.
    let analytics = |r: &Rendered| {
        r.stacks
            .iter()
            .find(|s| s.kind.slug() == "analytics")
            .unwrap()
            .yaml
            .clone()
    };
    assert!(analytics(&before).contains("folder_year IN (2023, 2024)"));
    assert!(analytics(&after).contains("folder_year IN (2024, 2025)"));
    for (x, y) in before.stacks.iter().zip(&after.stacks) {
        if !matches!(x.kind.slug(), "access" | "analytics") {
            assert_eq!(x.yaml, y.yaml, "adding a year changed {}", x.name);
        }
    }
}

#[test]
fn an_unknown_dataset_is_refused_by_name() {
    let dev = &shipped("dev");
    let text = dev.replacen("  business-licences:", "  building-permits:", 1);
    let err = render(&env("dev", &text)).unwrap_err().to_string();
    assert!(err.contains("`building-permits`"), "{err}");
    assert!(err.contains("`business-licences`"), "{err}");
}

#[test]
fn reporting_stack_only_where_enabled() {
    for (name, text) in environments() {
        let e = env(&name, &text);
        let r = render(&e).unwrap();
        let has = r.stacks.iter().any(|s| s.kind.slug() == "reporting");
        assert_eq!(has, e.reporting_host.enabled, "{name}");
    }
}

#[test]
fn templates_are_within_limits_and_counted() {
    for (env, r) in all() {
        for (s, m) in r.stacks.iter().zip(&r.manifest.stacks) {
            assert_eq!(m.bytes, s.yaml.len(), "{env}/{}", s.name);
            assert_eq!(m.resources, s.template.resources.len());
            assert!(m.resources <= 500);
            assert_eq!(m.needs_template_url, m.bytes > 51_200);
        }
    }
}
