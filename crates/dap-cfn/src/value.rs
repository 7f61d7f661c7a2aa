//! Typed property values: a literal or a CloudFormation intrinsic function.

use indexmap::IndexMap;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

/// A property value: either a literal of type `T` or an intrinsic function that
/// CloudFormation resolves at deploy time.
#[derive(Clone, Debug, PartialEq)]
pub enum Value<T> {
    /// A literal value known when the template is rendered.
    Lit(T),
    /// An intrinsic function resolved by CloudFormation.
    Expr(Box<Expr>),
}

/// The intrinsic functions the planner emits.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// `Ref: LogicalId` (a resource, a parameter or a pseudo parameter).
    Ref(String),
    /// `Fn::GetAtt: [LogicalId, Attribute]`.
    GetAtt(String, String),
    /// `Fn::Sub: "text with ${Vars}"`.
    Sub(String),
    /// `Fn::Sub: ["text", {Var: value}]`.
    SubWith(String, IndexMap<String, Value<String>>),
    /// `Fn::Join: [delimiter, [parts]]`.
    Join(String, Vec<Value<String>>),
    /// `Fn::ImportValue: name` (kept for completeness; the planner does not use exports).
    ImportValue(Value<String>),
    /// `Fn::If: [condition, then, else]`.
    If(String, Value<serde_json::Value>, Value<serde_json::Value>),
    /// `Fn::GetAZs: region`.
    GetAzs(String),
    /// `Fn::Select: [index, list]`.
    Select(u32, Box<Expr>),
    /// `Fn::Base64: text` (EC2 user data, kept readable in the template).
    Base64(Value<String>),
}

impl<T> Value<T> {
    /// Whether the value is a literal.
    pub fn is_lit(&self) -> bool {
        matches!(self, Value::Lit(_))
    }

    /// The literal, if the value is one.
    pub fn as_lit(&self) -> Option<&T> {
        match self {
            Value::Lit(t) => Some(t),
            Value::Expr(_) => None,
        }
    }
}

impl<T> From<Expr> for Value<T> {
    fn from(e: Expr) -> Self {
        Value::Expr(Box::new(e))
    }
}

impl From<&str> for Value<String> {
    fn from(s: &str) -> Self {
        Value::Lit(s.to_owned())
    }
}

impl From<String> for Value<String> {
    fn from(s: String) -> Self {
        Value::Lit(s)
    }
}

impl From<&String> for Value<String> {
    fn from(s: &String) -> Self {
        Value::Lit(s.clone())
    }
}

impl From<bool> for Value<bool> {
    fn from(b: bool) -> Self {
        Value::Lit(b)
    }
}

impl From<i64> for Value<i64> {
    fn from(n: i64) -> Self {
        Value::Lit(n)
    }
}

/// `Ref: logical_id`.
pub fn r#ref<T>(logical_id: &str) -> Value<T> {
    Expr::Ref(logical_id.to_owned()).into()
}

/// `Fn::GetAtt: [logical_id, attribute]`.
pub fn get_att<T>(logical_id: &str, attribute: &str) -> Value<T> {
    Expr::GetAtt(logical_id.to_owned(), attribute.to_owned()).into()
}

/// `Fn::Sub: text`. A text without `${` is returned as a plain literal.
pub fn sub(text: impl Into<String>) -> Value<String> {
    let text = text.into();
    if text.contains("${") {
        Expr::Sub(text).into()
    } else {
        Value::Lit(text)
    }
}

/// `Fn::Base64: text`.
pub fn base64(text: impl Into<Value<String>>) -> Value<String> {
    Expr::Base64(text.into()).into()
}

/// `Fn::Join: [delimiter, parts]`.
pub fn join(delimiter: &str, parts: Vec<Value<String>>) -> Value<String> {
    Expr::Join(delimiter.to_owned(), parts).into()
}

impl<T: Serialize> Serialize for Value<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Lit(t) => t.serialize(s),
            Value::Expr(e) => e.serialize(s),
        }
    }
}

struct Pair<'a, A, B>(&'a A, &'a B);

impl<A: Serialize, B: Serialize> Serialize for Pair<'_, A, B> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(2))?;
        seq.serialize_element(self.0)?;
        seq.serialize_element(self.1)?;
        seq.end()
    }
}

impl Serialize for Expr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(1))?;
        match self {
            Expr::Ref(id) => map.serialize_entry("Ref", id)?,
            Expr::GetAtt(id, attr) => map.serialize_entry("Fn::GetAtt", &Pair(id, attr))?,
            Expr::Sub(text) => map.serialize_entry("Fn::Sub", text)?,
            Expr::SubWith(text, vars) => map.serialize_entry("Fn::Sub", &Pair(text, vars))?,
            Expr::Join(delim, parts) => map.serialize_entry("Fn::Join", &Pair(delim, parts))?,
            Expr::ImportValue(name) => map.serialize_entry("Fn::ImportValue", name)?,
            Expr::If(cond, a, b) => {
                map.serialize_entry("Fn::If", &(cond.as_str(), a, b))?;
            }
            Expr::GetAzs(region) => map.serialize_entry("Fn::GetAZs", region)?,
            Expr::Select(i, list) => map.serialize_entry("Fn::Select", &Pair(i, list))?,
            Expr::Base64(text) => map.serialize_entry("Fn::Base64", text)?,
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(v: &Value<String>, expect: &str) {
        assert_eq!(serde_json::to_string(v).unwrap(), expect);
    }

    #[test]
    fn intrinsics_serialize_in_long_form() {
        check(&"x".into(), r#""x""#);
        check(&r#ref("Key"), r#"{"Ref":"Key"}"#);
        check(&get_att("Key", "Arn"), r#"{"Fn::GetAtt":["Key","Arn"]}"#);
        check(
            &sub("a-${AWS::Region}"),
            r#"{"Fn::Sub":"a-${AWS::Region}"}"#,
        );
        check(&sub("plain"), r#""plain""#);
        check(
            &join(",", vec!["a".into(), r#ref("B")]),
            r#"{"Fn::Join":[",",["a",{"Ref":"B"}]]}"#,
        );
        check(&base64("echo hi\n"), r##"{"Fn::Base64":"echo hi\n"}"##);
    }
}
