//! Why a resource changes: the deployed template against the new one, property by property.
//!
//! CloudFormation's change sets say which resources change; on AWS their details name the
//! top-level properties, and moto gives no details at all. This local diff gives the full
//! path and the values before and after, for every environment and endpoint alike.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One changed value of a resource.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PropertyChange {
    /// Where: `Properties` paths are written without the prefix
    /// (`LifecycleConfiguration.Rules[0].ExpirationInDays`); resource attributes by name
    /// (`DeletionPolicy`, `DependsOn`, `Metadata`, `Type`).
    pub path: String,
    /// The deployed value, if the path existed.
    pub before: Option<Value>,
    /// The new value, if the path remains.
    pub after: Option<Value>,
}

/// The property changes of every resource present in both templates, by logical id
/// (resources without changes are left out). Fails only if a template is not YAML or JSON.
pub fn template_changes(
    before: &str,
    after: &str,
) -> Result<BTreeMap<String, Vec<PropertyChange>>, String> {
    let parse = |text: &str, which: &str| {
        serde_yaml::from_str::<Value>(text)
            .map_err(|e| format!("cannot read the {which} template: {e}"))
    };
    let (before, after) = (parse(before, "deployed")?, parse(after, "new")?);
    let empty = serde_json::Map::new();
    let resources = |v: &Value| -> serde_json::Map<String, Value> {
        v.get("Resources")
            .and_then(Value::as_object)
            .unwrap_or(&empty)
            .clone()
    };
    let (old, new) = (resources(&before), resources(&after));
    let mut out = BTreeMap::new();
    for (id, new_res) in &new {
        let Some(old_res) = old.get(id) else { continue };
        let mut changes = Vec::new();
        let null = Value::Null;
        diff_value(
            "",
            old_res.get("Properties").unwrap_or(&null),
            new_res.get("Properties").unwrap_or(&null),
            &mut changes,
        );
        for attr in [
            "Type",
            "DeletionPolicy",
            "UpdateReplacePolicy",
            "DependsOn",
            "Condition",
            "Metadata",
        ] {
            let (a, b) = (old_res.get(attr), new_res.get(attr));
            if a != b {
                changes.push(PropertyChange {
                    path: attr.to_owned(),
                    before: a.cloned(),
                    after: b.cloned(),
                });
            }
        }
        if !changes.is_empty() {
            out.insert(id.clone(), changes);
        }
    }
    Ok(out)
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

fn diff_value(path: &str, a: &Value, b: &Value, out: &mut Vec<PropertyChange>) {
    if a == b {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                match y.get(k) {
                    Some(vb) => diff_value(&join(path, k), va, vb, out),
                    None => out.push(PropertyChange {
                        path: join(path, k),
                        before: Some(va.clone()),
                        after: None,
                    }),
                }
            }
            for (k, vb) in y {
                if !x.contains_key(k) {
                    out.push(PropertyChange {
                        path: join(path, k),
                        before: None,
                        after: Some(vb.clone()),
                    });
                }
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for i in 0..x.len().max(y.len()) {
                let p = format!("{path}[{i}]");
                match (x.get(i), y.get(i)) {
                    (Some(va), Some(vb)) => diff_value(&p, va, vb, out),
                    (va, vb) => out.push(PropertyChange {
                        path: p,
                        before: va.cloned(),
                        after: vb.cloned(),
                    }),
                }
            }
        }
        (Value::Null, _) | (_, Value::Null) if path.is_empty() => out.push(PropertyChange {
            path: "Properties".to_owned(),
            before: (!a.is_null()).then(|| a.clone()),
            after: (!b.is_null()).then(|| b.clone()),
        }),
        _ => out.push(PropertyChange {
            path: path.to_owned(),
            before: Some(a.clone()),
            after: Some(b.clone()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(before: &str, after: &str, expect: &[(&str, &str, Option<&str>, Option<&str>)]) {
        let got = template_changes(before, after).unwrap();
        let flat: Vec<(String, String, Option<String>, Option<String>)> = got
            .into_iter()
            .flat_map(|(id, changes)| {
                changes.into_iter().map(move |c| {
                    (
                        id.clone(),
                        c.path,
                        c.before.map(|v| v.to_string()),
                        c.after.map(|v| v.to_string()),
                    )
                })
            })
            .collect();
        let expect: Vec<(String, String, Option<String>, Option<String>)> = expect
            .iter()
            .map(|(id, p, b, a)| {
                (
                    id.to_string(),
                    p.to_string(),
                    b.map(str::to_owned),
                    a.map(str::to_owned),
                )
            })
            .collect();
        assert_eq!(flat, expect);
    }

    const BUCKET: &str = "
Resources:
  Landing:
    Type: AWS::S3::Bucket
    DeletionPolicy: Retain
    Properties:
      BucketName: landing
      LifecycleConfiguration:
        Rules:
        - Id: expire
          ExpirationInDays: 7
      Tags:
      - Key: a
        Value: b
  Gone:
    Type: AWS::SNS::Topic
";

    #[test]
    fn identical_templates_have_no_changes() {
        check(BUCKET, BUCKET, &[]);
    }

    #[test]
    fn a_nested_value_is_named_by_its_path_with_both_values() {
        check(
            BUCKET,
            &BUCKET.replace("ExpirationInDays: 7", "ExpirationInDays: 14"),
            &[(
                "Landing",
                "LifecycleConfiguration.Rules[0].ExpirationInDays",
                Some("7"),
                Some("14"),
            )],
        );
    }

    #[test]
    fn added_and_removed_keys_and_list_items_and_attributes() {
        let after = BUCKET
            .replace("      BucketName: landing\n", "")
            .replace(
                "        Value: b\n",
                "        Value: b\n      - Key: c\n        Value: d\n",
            )
            .replace("    DeletionPolicy: Retain\n", "")
            .replace("  Gone:\n    Type: AWS::SNS::Topic\n", "");
        check(
            BUCKET,
            &after,
            &[
                ("Landing", "BucketName", Some("\"landing\""), None),
                (
                    "Landing",
                    "Tags[1]",
                    None,
                    Some(r#"{"Key":"c","Value":"d"}"#),
                ),
                ("Landing", "DeletionPolicy", Some("\"Retain\""), None),
            ],
        );
    }

    #[test]
    fn json_and_yaml_compare_by_value() {
        let json = r#"{"Resources": {"T": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "t"}}}}"#;
        let yaml =
            "Resources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: u\n";
        check(
            json,
            yaml,
            &[("T", "TopicName", Some("\"t\""), Some("\"u\""))],
        );
    }

    #[test]
    fn properties_appearing_from_nothing() {
        let before = "Resources:\n  T:\n    Type: AWS::SNS::Topic\n";
        let after =
            "Resources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: u\n";
        check(
            before,
            after,
            &[("T", "Properties", None, Some(r#"{"TopicName":"u"}"#))],
        );
    }

    #[test]
    fn an_unreadable_template_is_an_error_not_a_panic() {
        assert!(template_changes("Resources: [", BUCKET).is_err());
    }
}
