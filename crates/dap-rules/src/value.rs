//! Reading template values: literals, CloudFormation's loose booleans and lists, intrinsics.

use serde_json::Value;

/// A literal string.
pub fn text(v: &Value) -> Option<&str> {
    v.as_str()
}

/// `true`, as CloudFormation reads it: the boolean or the string `"true"` (any case).
pub fn is_true(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::String(s) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// `false`, as CloudFormation reads it.
pub fn is_false(v: &Value) -> bool {
    match v {
        Value::Bool(b) => !*b,
        Value::String(s) => s.eq_ignore_ascii_case("false"),
        _ => false,
    }
}

/// Whether a property is present (not missing and not null).
pub fn is_set(v: &Value) -> bool {
    !v.is_null()
}

/// A number, from a number or a numeric string.
pub fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The items of a list; a single value counts as a list of one, null as an empty list.
pub fn items(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(a) => a.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// The logical id an intrinsic points at: `Ref: X`, `Fn::GetAtt: [X, Attr]` or `"X.Attr"`.
pub fn ref_id(v: &Value) -> Option<&str> {
    let map = v.as_object()?;
    if map.len() != 1 {
        return None;
    }
    if let Some(id) = map.get("Ref") {
        return id.as_str();
    }
    match map.get("Fn::GetAtt")? {
        Value::Array(parts) => parts.first()?.as_str(),
        Value::String(s) => s.split('.').next(),
        _ => None,
    }
}

/// Whether any string inside `v` (keys excluded) contains `needle`.
pub fn mentions(v: &Value, needle: &str) -> bool {
    match v {
        Value::String(s) => s.contains(needle),
        Value::Array(a) => a.iter().any(|x| mentions(x, needle)),
        Value::Object(m) => m.values().any(|x| mentions(x, needle)),
        _ => false,
    }
}

/// A value for a message: a literal as is, anything else as compact JSON.
pub fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "nothing".to_owned(),
        other => other.to_string(),
    }
}

pub use dap_model::matcher::action_matches;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn loose_booleans_and_lists() {
        assert!(is_true(&json!(true)) && is_true(&json!("True")));
        assert!(!is_true(&json!("yes")) && !is_true(&Value::Null));
        assert!(is_false(&json!("false")) && !is_false(&Value::Null));
        assert_eq!(items(&json!("a")).len(), 1);
        assert_eq!(items(&json!(["a", "b"])).len(), 2);
        assert!(items(&Value::Null).is_empty());
        assert_eq!(number(&json!("30")), Some(30.0));
    }

    #[test]
    fn references() {
        assert_eq!(ref_id(&json!({"Ref": "Key"})), Some("Key"));
        assert_eq!(ref_id(&json!({"Fn::GetAtt": ["Key", "Arn"]})), Some("Key"));
        assert_eq!(ref_id(&json!({"Fn::GetAtt": "Key.Arn"})), Some("Key"));
        assert_eq!(ref_id(&json!({"Fn::Sub": "${Key}"})), None);
        assert_eq!(ref_id(&json!("Key")), None);
    }

    #[test]
    fn action_patterns() {
        assert!(action_matches("s3:*", "s3:GetObject"));
        assert!(action_matches("*", "iam:PassRole"));
        assert!(action_matches(
            "kms:GenerateDataKey*",
            "kms:GenerateDataKey"
        ));
        assert!(action_matches("IAM:passrole", "iam:PassRole"));
        assert!(action_matches("iam:Pass?ole", "iam:PassRole"));
        assert!(!action_matches("s3:Get*", "s3:PutObject"));
        assert!(!action_matches("kms:Decrypt", "kms:DecryptX"));
    }
}
