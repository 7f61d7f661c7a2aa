//! The data-loss guard: the change matrix on the real rendered templates (local diff, no
//! AWS), the create-only data covering every emitted type, and the guard end to end on moto.

use std::sync::Arc;

use dap_applier::guard::{self, local_changes, Allowances};
use dap_applier::{ChangeAction, Error, PlanOptions, Quiet, Verdict};
use dap_planner::Rendered;

use crate::common::{env, fast, moto, moto_clients, runtime};

fn stack_yaml(rendered: &Rendered, kind: &str) -> String {
    rendered
        .stacks
        .iter()
        .find(|s| s.kind.slug() == kind)
        .unwrap()
        .yaml
        .clone()
}

/// Replace `from` (which must occur) by `to`.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "`{from}` is not in the template");
    text.replace(from, to)
}

/// A resource block (`  Id:\n` up to the next top-level resource) taken out of a template.
fn without_resource(text: &str, id: &str) -> String {
    let start = text
        .find(&format!("\n  {id}:\n"))
        .unwrap_or_else(|| panic!("no `{id}`"))
        + 1;
    let rest = &text[start + 1..];
    let end = rest
        .find("\n  ")
        .map(|i| {
            // the next line indented by exactly two spaces starts the next resource
            let mut at = i;
            loop {
                let line = &rest[at + 1..];
                if line.starts_with("  ") && !line.starts_with("   ") {
                    break at;
                }
                match rest[at + 1..].find('\n') {
                    Some(n) => at = at + 1 + n,
                    None => break rest.len(),
                }
            }
        })
        .unwrap_or(rest.len());
    format!("{}{}", &text[..start], &rest[(end + 1).min(rest.len())..])
}

struct Case {
    name: &'static str,
    kind: &'static str,
    edit: fn(&str) -> String,
    /// The guarded changes expected: (logical id, action, allowance).
    guarded: &'static [(&'static str, ChangeAction, &'static str)],
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "rename a bucket",
            kind: "storage",
            edit: |t| edit(t, "BucketName: dap-dev-raw-", "BucketName: dap-dev-raw2-"),
            guarded: &[("RawBucket", ChangeAction::Modify, "--allow-replace")],
        },
        Case {
            name: "change a key (its logical id)",
            kind: "security",
            edit: |t| t.replace("DataKey:\n", "DataKey2:\n"),
            guarded: &[("DataKey", ChangeAction::Remove, "--allow-remove")],
        },
        Case {
            name: "remove a Glue table",
            kind: "catalog",
            edit: |t| without_resource(t, "BusinessLicencesStatusByYearTable"),
            guarded: &[(
                "BusinessLicencesStatusByYearTable",
                ChangeAction::Remove,
                "--allow-remove",
            )],
        },
        Case {
            name: "change a create-only property (the trail's log group name)",
            kind: "audit",
            edit: |t| edit(t, "LogGroupName: /", "LogGroupName: /renamed/"),
            guarded: &[("TrailLogGroup", ChangeAction::Modify, "--allow-replace")],
        },
        Case {
            name: "change a logical id (a bucket's)",
            kind: "storage",
            edit: |t| t.replace("  CuratedBucket:\n", "  CuratedZoneBucket:\n"),
            guarded: &[("CuratedBucket", ChangeAction::Remove, "--allow-remove")],
        },
        Case {
            name: "change a key alias name",
            kind: "security",
            edit: |t| {
                edit(
                    t,
                    "AliasName: alias/dap-dev-data",
                    "AliasName: alias/dap-dev-d",
                )
            },
            guarded: &[("DataKeyAlias", ChangeAction::Modify, "--allow-replace")],
        },
    ]
}

#[test]
fn every_data_bearing_change_is_blocked_without_its_allowance_and_allowed_with_it() {
    let rendered = dap_planner::render(&env("dev")).unwrap();
    for case in cases() {
        let stack = format!("dap-dev-{}", case.kind);
        let before = stack_yaml(&rendered, case.kind);
        let after = (case.edit)(&before);
        assert_ne!(before, after, "{}: the edit changes nothing", case.name);
        let changes = local_changes(&stack, case.kind, &before, &after, &Allowances::default())
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let blocked: Vec<(&str, ChangeAction)> = changes
            .iter()
            .filter(|c| c.guard == Verdict::Blocked)
            .map(|c| (c.logical_id.as_str(), c.action.clone()))
            .collect();
        let expect: Vec<(&str, ChangeAction)> = case
            .guarded
            .iter()
            .map(|(id, a, _)| (*id, a.clone()))
            .collect();
        assert_eq!(blocked, expect, "{}: blocked without allowance", case.name);

        // Allowed with it (named by stack name for one half, by kind for the other).
        let mut allow = Allowances::default();
        for (i, (id, _, flag)) in case.guarded.iter().enumerate() {
            let who = if i % 2 == 0 {
                stack.as_str()
            } else {
                case.kind
            };
            let set = if *flag == "--allow-replace" {
                &mut allow.replace
            } else {
                &mut allow.remove
            };
            set.insert(format!("{who}/{id}"));
        }
        let changes = local_changes(&stack, case.kind, &before, &after, &allow).unwrap();
        assert!(
            changes.iter().all(|c| c.guard != Verdict::Blocked),
            "{}: still blocked with {allow:?}: {changes:#?}",
            case.name
        );
        let allowed = changes
            .iter()
            .filter(|c| c.guard == Verdict::Allowed)
            .count();
        assert_eq!(allowed, case.guarded.len(), "{}", case.name);

        // The wrong kind of allowance does not do.
        let mut wrong = Allowances::default();
        for (id, _, flag) in case.guarded {
            let set = if *flag == "--allow-replace" {
                &mut wrong.remove
            } else {
                &mut wrong.replace
            };
            set.insert(format!("{stack}/{id}"));
        }
        let changes = local_changes(&stack, case.kind, &before, &after, &wrong).unwrap();
        assert_eq!(
            changes
                .iter()
                .filter(|c| c.guard == Verdict::Blocked)
                .count(),
            case.guarded.len(),
            "{}: the other flag must not allow it",
            case.name
        );
    }
}

#[test]
fn changes_that_keep_data_are_not_guarded() {
    let rendered = dap_planner::render(&env("dev")).unwrap();
    let before = stack_yaml(&rendered, "audit");
    // retention is updatable in place; removing a role is not a data loss
    let after = edit(&before, "RetentionInDays: ", "RetentionInDays: 1");
    let changes = local_changes(
        "dap-dev-audit",
        "audit",
        &before,
        &after,
        &Allowances::default(),
    )
    .unwrap();
    assert!(!changes.is_empty());
    assert!(
        changes
            .iter()
            .all(|c| c.guard == Verdict::Unguarded && c.replacement_reasons.is_empty()),
        "{changes:#?}"
    );
}

#[test]
fn the_create_only_data_covers_every_type_every_environment_emits() {
    let known: Vec<&str> = guard::known_types().collect();
    for name in ["local", "dev", "staging", "prod"] {
        let rendered = dap_planner::render(&env(name)).unwrap();
        for s in &rendered.stacks {
            for entry in s.template.resources.values() {
                assert!(
                    known.contains(&entry.type_name()),
                    "`{}` ({name}) is missing from data/create_only.json: run scripts/gen-provider-data.py",
                    entry.type_name()
                );
            }
        }
    }
    for t in dap_cfn::resources::RESOURCE_TYPES
        .iter()
        .filter(|t| dap_cfn::facts::is_data_bearing(t))
    {
        assert!(known.contains(t), "{t}");
    }
}

#[test]
fn a_bucket_rename_on_moto_blocks_apply_until_allowed() {
    let moto = moto();
    let rt = runtime();
    let env = env("local");
    rt.block_on(async {
        let connect = |rendered: Rendered| {
            let env = env.clone();
            let endpoint = moto.endpoint().to_owned();
            async move {
                let clients = moto_clients(&endpoint, &env.region).await;
                dap_applier::Applier::connect(clients, &env, rendered, fast())
                    .await
                    .unwrap()
            }
        };
        let rendered = dap_planner::render(&env).unwrap();
        let first = connect(rendered.clone()).await;
        let plan = first.plan(PlanOptions::default()).await.unwrap();
        assert!(plan.blocked().is_empty(), "creating blocks nothing");
        assert!(first
            .apply(&plan, Arc::new(Quiet))
            .await
            .unwrap()
            .succeeded());

        let mut renamed = rendered.clone();
        let storage = renamed
            .stacks
            .iter_mut()
            .find(|s| s.kind.slug() == "storage")
            .unwrap();
        storage.yaml = edit(
            &storage.yaml,
            "BucketName: dap-local-raw-",
            "BucketName: dap-local-raw2-",
        );
        storage.sha256 = "changed".to_owned();
        let second = connect(renamed).await;
        let mut plan = second.plan(PlanOptions::default()).await.unwrap();
        let blocked: Vec<String> = plan
            .blocked()
            .iter()
            .map(|(s, c)| format!("{}/{} {:?}", s.name, c.logical_id, c.replacement_reasons))
            .collect();
        assert_eq!(
            blocked,
            vec![r#"dap-local-storage/RawBucket ["BucketName"]"#]
        );
        let err = second.apply(&plan, Arc::new(Quiet)).await.unwrap_err();
        assert!(matches!(err, Error::Blocked { .. }), "{err}");
        assert!(
            err.to_string()
                .contains("`dap-local-storage/RawBucket` (replace)"),
            "{err}"
        );

        let unused = plan.allow(&Allowances {
            replace: ["storage/RawBucket".to_owned(), "storage/Nope".to_owned()].into(),
            remove: Default::default(),
        });
        assert_eq!(unused, vec!["--allow-replace storage/Nope"]);
        assert!(plan.blocked().is_empty());
        let report = second.apply(&plan, Arc::new(Quiet)).await.unwrap();
        assert!(report.succeeded(), "{report:?}");
    });
}

#[test]
fn standard_protection_sets_stack_policies_denying_replace_and_delete_of_data() {
    let moto = moto();
    let rt = runtime();
    let text =
        crate::common::env_text("local").replace("protection: relaxed", "protection: standard");
    let env = crate::common::env_from("local", &text);
    rt.block_on(async {
        let applier = crate::common::on_moto(&moto, &env, fast()).await.unwrap();
        let plan = applier.plan(PlanOptions::default()).await.unwrap();
        assert!(applier
            .apply(&plan, Arc::new(Quiet))
            .await
            .unwrap()
            .succeeded());
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(env.region.clone()))
            .endpoint_url(moto.endpoint())
            .credentials_provider(aws_sdk_sts::config::Credentials::new(
                "testing", "testing", None, None, "test",
            ))
            .load()
            .await;
        let cfn = aws_sdk_cloudformation::Client::new(&config);
        let policy = |stack: &'static str| {
            let cfn = cfn.clone();
            async move {
                cfn.get_stack_policy()
                    .stack_name(stack)
                    .send()
                    .await
                    .unwrap()
                    .stack_policy_body()
                    .map(|b| serde_json::from_str::<serde_json::Value>(b).unwrap())
            }
        };
        let storage = policy("dap-local-storage").await.expect("a policy is set");
        let deny = &storage["Statement"][1];
        assert_eq!(deny["Effect"], "Deny");
        assert_eq!(
            deny["Action"],
            serde_json::json!(["Update:Replace", "Update:Delete"])
        );
        let guarded = deny["Resource"].as_array().unwrap();
        assert!(
            guarded.contains(&"LogicalResourceId/RawBucket".into()),
            "{storage}"
        );
        assert!(
            !guarded.contains(&"LogicalResourceId/RawBucketPolicy".into()),
            "{storage}"
        );
        let audit = policy("dap-local-audit").await.expect("a policy is set");
        assert_eq!(
            audit["Statement"][1]["Resource"],
            serde_json::json!(["LogicalResourceId/TrailLogGroup", "LogicalResourceId/Trail"])
        );
        // a stack without data-bearing resources gets none
        assert_eq!(policy("dap-local-monitoring").await, None);
    });
}
