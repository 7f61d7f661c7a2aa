//! Every AWS operation the applier calls is granted to the deploy role by the bootstrap
//! template, by a statement that holds for `dap`'s own calls (not one bound to
//! CloudFormation's calls through `aws:CalledVia`). A new call without its permission fails
//! here, before it fails in someone's account.

use std::collections::BTreeSet;

/// The IAM action an SDK operation needs, where its name differs from the operation's.
const ACTION_OF: &[(&str, &str)] = &[
    ("s3:HeadObject", "s3:GetObject"),
    ("s3:HeadBucket", "s3:ListBucket"),
    ("s3:GetBucketEncryption", "s3:GetEncryptionConfiguration"),
    ("s3:GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock"),
];

/// Operations that need no permission of the role.
const NO_PERMISSION: &[(&str, &str)] = &[
    ("sts:GetCallerIdentity", "allowed to every identity"),
    (
        "sts:AssumeRole",
        "made with the credentials dap starts with, to become the deploy role",
    ),
];

/// `"service:Operation"` literals in the applier's sources: how its calls are named in its
/// errors and call counts.
fn operations() -> BTreeSet<String> {
    fn walk(dir: &std::path::Path, out: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for piece in text.split('"').skip(1).step_by(2) {
                    let Some((service, op)) = piece.split_once(':') else {
                        continue;
                    };
                    let known = [
                        "cloudformation",
                        "s3",
                        "sts",
                        "iam",
                        "kms",
                        "cloudtrail",
                        "cloudwatch",
                        "logs",
                        "sns",
                        "glue",
                    ];
                    if known.contains(&service)
                        && op.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                        && op.chars().all(|c| c.is_ascii_alphanumeric())
                    {
                        out.insert(piece.to_owned());
                    }
                }
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut out,
    );
    out
}

#[test]
fn every_call_of_the_applier_is_granted() {
    let ops = operations();
    // The scan finds the calls: a broken scan must not pass by finding none.
    for op in [
        "cloudformation:CreateChangeSet",
        "s3:PutObject",
        "kms:GetKeyPolicy",
    ] {
        assert!(
            ops.contains(op),
            "{op} not found in the applier's sources: {ops:?}"
        );
    }
    let env = dap_config::parse(
        "prod.yaml",
        include_str!("../../../../environments/prod.yaml"),
    )
    .unwrap();
    let rendered = dap_planner::render(&env).unwrap();
    let b = dap_planner::bootstrap::bootstrap(&env, &rendered).unwrap();
    let t = serde_json::to_value(&b.template).unwrap();
    let granted: BTreeSet<String> = t["Resources"]
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
        .filter(|s| {
            s["Effect"] == "Allow" && s["Condition"].get("ForAnyValue:StringEquals").is_none()
        })
        .flat_map(|s| {
            s["Action"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    for op in &ops {
        if NO_PERMISSION.iter().any(|(o, _)| o == op) {
            continue;
        }
        let action = ACTION_OF
            .iter()
            .find(|(o, _)| o == op)
            .map_or(op.as_str(), |(_, a)| *a);
        assert!(
            granted.contains(action),
            "the applier calls `{op}`, but the deploy role is not granted `{action}` (add it to bootstrap::APPLIER_ACTIONS or VERIFY_ACTIONS)"
        );
    }
}
