//! Template text (YAML or JSON) to one JSON value, with the short-form intrinsics of
//! hand-written templates (`!Ref`, `!GetAtt a.b`, `!Sub`, …) turned into their long form, so
//! every reader sees one shape.
//!
//! The text goes through `serde_yaml`'s own value first, which refuses what a JSON value would
//! silently accept: a mapping with a duplicated key (plain YAML merges them, the last one
//! winning; CloudFormation refuses the template) and a stream of several documents.

use serde_json::{Map, Value};

/// YAML or JSON text to a JSON value.
///
/// # Errors
///
/// The parser's message, with its line and column, when the text is neither YAML nor JSON, has
/// a duplicated mapping key, or holds more than one document.
pub fn parse_text(text: &str) -> Result<Value, String> {
    let yaml: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
    from_yaml(yaml)
}

fn from_yaml(v: serde_yaml::Value) -> Result<Value, String> {
    use serde_yaml::Value as Y;
    Ok(match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => serde_json::to_value(&n).map_err(|e| e.to_string())?,
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => {
            Value::Array(items.into_iter().map(from_yaml).collect::<Result<_, _>>()?)
        }
        Y::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => return Err(format!("a mapping key that is not text: {other:?}")),
                };
                out.insert(key, from_yaml(v)?);
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!');
            let inner = from_yaml(tagged.value)?;
            let (key, value) = match name {
                "Ref" | "Condition" => (name.to_owned(), inner),
                "GetAtt" => match inner {
                    Value::String(s) => {
                        let parts = match s.split_once('.') {
                            Some((id, attr)) => vec![id.into(), attr.into()],
                            None => vec![s.into()],
                        };
                        ("Fn::GetAtt".to_owned(), Value::Array(parts))
                    }
                    other => ("Fn::GetAtt".to_owned(), other),
                },
                other => (format!("Fn::{other}"), inner),
            };
            let mut out = Map::new();
            out.insert(key, value);
            Value::Object(out)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn short_form_intrinsics_become_long_form() {
        let v = parse_text(
            "A: !Ref Key\nB: !GetAtt Key.Arn\nC: !Sub 'x-${AWS::Region}'\nD: !Join [',', [a, !Ref B]]\n",
        )
        .unwrap();
        assert_eq!(v["A"], json!({"Ref": "Key"}));
        assert_eq!(v["B"], json!({"Fn::GetAtt": ["Key", "Arn"]}));
        assert_eq!(v["C"], json!({"Fn::Sub": "x-${AWS::Region}"}));
        assert_eq!(v["D"], json!({"Fn::Join": [",", ["a", {"Ref": "B"}]]}));
    }

    #[test]
    fn json_and_yaml_dates_stay_text() {
        let v = parse_text("{\"Version\": \"2012-10-17\"}").unwrap();
        assert_eq!(v["Version"], "2012-10-17");
        let v = parse_text("Version: 2012-10-17\n").unwrap();
        assert_eq!(v["Version"], "2012-10-17");
    }

    #[test]
    fn what_cloudformation_refuses_is_an_error() {
        assert!(parse_text("a: [b\n").is_err());
        let dup = parse_text("Resources:\n  A: 1\n  A: 2\n").unwrap_err();
        assert!(dup.contains("duplicate"), "{dup}");
        let multi = parse_text("a: 1\n---\nb: 2\n").unwrap_err();
        assert!(multi.contains("more than one document"), "{multi}");
    }
}
