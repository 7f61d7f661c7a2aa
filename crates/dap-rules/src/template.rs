//! Templates as the rules read them: YAML (or JSON) text parsed into a JSON value, with the
//! short-form intrinsics of hand-written templates (`!Ref`, `!GetAtt a.b`, `!Sub`, …) turned
//! into their long form, so every rule sees one shape.

use serde_json::Value;

use crate::error::RulesError;

/// One template to check: its text and where it comes from.
#[derive(Clone, Copy, Debug)]
pub struct Source<'a> {
    /// The stack name shown in findings (`dap-prod-storage`, or the file's path for templates
    /// from a folder).
    pub stack: &'a str,
    /// The stack's short name that suppressions in an environment file name (`storage`).
    pub slug: &'a str,
    /// The file the template is (or will be) written to, for locations in reports.
    pub file: &'a str,
    /// The template text, YAML or JSON.
    pub text: &'a str,
}

/// A parsed template.
#[derive(Debug)]
pub struct Template<'a> {
    /// Position among the checked templates.
    pub index: usize,
    /// Where it comes from.
    pub source: Source<'a>,
    /// The whole document.
    pub doc: Value,
}

/// One resource of a template.
#[derive(Clone, Copy, Debug)]
pub struct Res<'t> {
    /// The template holding it.
    pub template: &'t Template<'t>,
    /// Its logical id.
    pub id: &'t str,
    /// The resource's whole entry (`Type`, `Properties`, `Metadata`, policies).
    pub body: &'t Value,
}

static NULL: Value = Value::Null;

impl<'t> Res<'t> {
    /// The resource type, for example `AWS::S3::Bucket`.
    pub fn ty(&self) -> &'t str {
        self.body["Type"].as_str().unwrap_or("")
    }

    /// The properties (null when there are none).
    pub fn props(&self) -> &'t Value {
        self.body.get("Properties").unwrap_or(&NULL)
    }

    /// A property by name (null when missing).
    pub fn prop(&self, name: &str) -> &'t Value {
        self.props().get(name).unwrap_or(&NULL)
    }

    /// Another resource of the same template.
    pub fn sibling(&self, id: &str) -> Option<Res<'t>> {
        self.template.resource(id)
    }
}

impl<'a> Template<'a> {
    /// Parse a source; `Ok(None)` when the text is a document but not a CloudFormation
    /// template (it has no `Resources` mapping).
    pub fn parse(index: usize, source: Source<'a>) -> Result<Option<Self>, RulesError> {
        let doc = parse_text(source.text).map_err(|message| RulesError::Parse {
            file: source.file.to_owned(),
            message,
        })?;
        Ok(Self::from_value(index, source, doc))
    }

    /// A template whose document is already a value (the serialized tree of a typed
    /// template, which is what its YAML text encodes); `None` without `Resources`.
    pub fn from_value(index: usize, source: Source<'a>, doc: Value) -> Option<Self> {
        doc["Resources"]
            .is_object()
            .then_some(Template { index, source, doc })
    }

    /// The resources, in template order.
    pub fn resources(&self) -> impl Iterator<Item = Res<'_>> + '_ {
        self.doc["Resources"]
            .as_object()
            .into_iter()
            .flat_map(|m| m.iter())
            .map(move |(id, body)| Res {
                template: self,
                id,
                body,
            })
    }

    /// A resource by logical id.
    pub fn resource(&self, id: &str) -> Option<Res<'_>> {
        let (id, body) = self.doc["Resources"].as_object()?.get_key_value(id)?;
        Some(Res {
            template: self,
            id,
            body,
        })
    }

    /// A template parameter by name.
    pub fn parameter(&self, name: &str) -> Option<&Value> {
        self.doc["Parameters"].get(name)
    }

    /// The 1-based line where a resource's entry starts, if it can be found in the text.
    pub fn line_of(&self, logical_id: &str) -> Option<usize> {
        let yaml_key = format!("{logical_id}:");
        let json_key = format!("\"{logical_id}\"");
        let mut in_resources = false;
        for (i, line) in self.source.text.lines().enumerate() {
            let t = line.trim_start();
            if !in_resources {
                in_resources = t.starts_with("Resources:") || t.starts_with("\"Resources\"");
                continue;
            }
            if t.starts_with(&yaml_key) || t.starts_with(&json_key) {
                return Some(i + 1);
            }
        }
        None
    }
}

pub use dap_model::parse::parse_text;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_are_found_by_line() {
        let text =
            "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n  Key:\n    Type: AWS::KMS::Key\n";
        let source = Source {
            stack: "s",
            slug: "s",
            file: "s.yaml",
            text,
        };
        let t = Template::parse(0, source).unwrap().unwrap();
        assert_eq!(t.line_of("Key"), Some(4));
        assert_eq!(t.line_of("Nope"), None);
        assert_eq!(t.resources().count(), 2);
        let not_a_template = Source {
            text: "a: b\n",
            ..source
        };
        assert!(Template::parse(0, not_a_template).unwrap().is_none());
    }
}
