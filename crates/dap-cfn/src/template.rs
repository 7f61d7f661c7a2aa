//! A CloudFormation template: parameters, resources and outputs in a fixed order.

use indexmap::IndexMap;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::resources::Properties;
use crate::Value;

/// A typed CloudFormation resource: its properties struct and its type name.
pub trait Resource: Into<Properties> {
    /// The CloudFormation type name, for example `AWS::S3::Bucket`.
    const TYPE: &'static str;
}

/// `DeletionPolicy` / `UpdateReplacePolicy` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Policy {
    /// Keep the physical resource when the logical one goes.
    Retain,
    /// Delete it (CloudFormation's default).
    Delete,
    /// Snapshot, then delete (volumes and databases).
    Snapshot,
}

/// A scanner skip: the check id and the reason it cannot apply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skip {
    /// The check id, for example `CKV_AWS_18`.
    pub id: String,
    /// Why the check does not apply to this resource.
    pub comment: String,
}

/// A suppression of one of dap's own rules on a resource: the rule code and why it cannot
/// apply. Written as `Metadata: {dap: {suppress: [{rule, reason}]}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Suppression {
    /// The rule code, for example `DAP-S3-007`.
    pub rule: String,
    /// Why the rule does not apply to this resource.
    pub reason: String,
}

/// Resource metadata: scanner suppressions with their reasons.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Metadata {
    /// checkov checks skipped on this resource, each with its reason.
    pub checkov: Vec<Skip>,
    /// cfn-lint rules ignored on this resource, each with its reason.
    pub cfn_lint: Vec<Skip>,
    /// dap rules suppressed on this resource (platform-wide exceptions), each with its reason.
    pub dap: Vec<Suppression>,
}

impl Metadata {
    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.checkov.is_empty() && self.cfn_lint.is_empty() && self.dap.is_empty()
    }
}

impl Serialize for Metadata {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Checkov<'a> {
            skip: &'a [Skip],
        }
        #[derive(Serialize)]
        struct LintConfig {
            ignore_checks: Vec<String>,
        }
        #[derive(Serialize)]
        struct Lint<'a> {
            config: LintConfig,
            reasons: &'a [Skip],
        }
        #[derive(Serialize)]
        struct Dap<'a> {
            suppress: &'a [Suppression],
        }
        let mut map = s.serialize_map(None)?;
        if !self.cfn_lint.is_empty() {
            let config = LintConfig {
                ignore_checks: self.cfn_lint.iter().map(|s| s.id.clone()).collect(),
            };
            map.serialize_entry(
                "cfn-lint",
                &Lint {
                    config,
                    reasons: &self.cfn_lint,
                },
            )?;
        }
        if !self.checkov.is_empty() {
            map.serialize_entry(
                "checkov",
                &Checkov {
                    skip: &self.checkov,
                },
            )?;
        }
        if !self.dap.is_empty() {
            map.serialize_entry(
                "dap",
                &Dap {
                    suppress: &self.dap,
                },
            )?;
        }
        map.end()
    }
}

/// One resource of a template.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceEntry {
    /// The typed properties (which also fix the resource type).
    pub properties: Properties,
    /// Explicit dependencies inside the template.
    pub depends_on: Vec<String>,
    /// What happens to the physical resource when the logical one is deleted.
    pub deletion_policy: Option<Policy>,
    /// What happens to the old physical resource on replacement.
    pub update_replace_policy: Option<Policy>,
    /// A condition name from the template's `Conditions`.
    pub condition: Option<String>,
    /// Scanner suppressions.
    pub metadata: Metadata,
}

impl ResourceEntry {
    /// A resource with no attributes beyond its properties.
    pub fn new(properties: impl Into<Properties>) -> Self {
        ResourceEntry {
            properties: properties.into(),
            depends_on: Vec::new(),
            deletion_policy: None,
            update_replace_policy: None,
            condition: None,
            metadata: Metadata::default(),
        }
    }

    /// Keep the physical resource on deletion and on replacement.
    pub fn retain(mut self) -> Self {
        self.deletion_policy = Some(Policy::Retain);
        self.update_replace_policy = Some(Policy::Retain);
        self
    }

    /// Add an explicit dependency.
    pub fn depends_on(mut self, logical_id: &str) -> Self {
        self.depends_on.push(logical_id.to_owned());
        self
    }

    /// Skip a checkov check on this resource, with the reason.
    pub fn skip_checkov(mut self, id: &str, reason: &str) -> Self {
        self.metadata.checkov.push(Skip {
            id: id.to_owned(),
            comment: reason.to_owned(),
        });
        self
    }

    /// Suppress one of dap's own rules on this resource, with the reason (shown in `dap check`
    /// output and in the generated rule docs).
    pub fn suppress(mut self, rule: &str, reason: &str) -> Self {
        self.metadata.dap.push(Suppression {
            rule: rule.to_owned(),
            reason: reason.to_owned(),
        });
        self
    }

    /// The CloudFormation type name.
    pub fn type_name(&self) -> &'static str {
        self.properties.type_name()
    }
}

impl Serialize for ResourceEntry {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("Type", self.type_name())?;
        if let Some(c) = &self.condition {
            map.serialize_entry("Condition", c)?;
        }
        if let Some(p) = &self.deletion_policy {
            map.serialize_entry("DeletionPolicy", p)?;
        }
        if let Some(p) = &self.update_replace_policy {
            map.serialize_entry("UpdateReplacePolicy", p)?;
        }
        if !self.depends_on.is_empty() {
            map.serialize_entry("DependsOn", &self.depends_on)?;
        }
        if !self.metadata.is_empty() {
            map.serialize_entry("Metadata", &self.metadata)?;
        }
        map.serialize_entry("Properties", &self.properties)?;
        map.end()
    }
}

/// A template parameter.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Parameter {
    /// The parameter type, for example `String` or `AWS::SSM::Parameter::Value<String>`.
    #[serde(rename = "Type")]
    pub kind: String,
    /// What the parameter is for.
    pub description: String,
    /// The default value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

/// A template output.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Output {
    /// What the output is.
    pub description: String,
    /// Its value.
    pub value: Value<String>,
}

/// A whole template. Maps keep insertion order, so the planner fixes the order of every
/// section and rendering is byte-for-byte deterministic.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Template {
    /// Always `2010-09-09`.
    #[serde(rename = "AWSTemplateFormatVersion")]
    pub format_version: &'static str,
    /// What the stack holds.
    pub description: String,
    /// Template parameters.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub parameters: IndexMap<String, Parameter>,
    /// Template conditions.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub conditions: IndexMap<String, serde_json::Value>,
    /// The resources, by logical id.
    pub resources: IndexMap<String, ResourceEntry>,
    /// Template outputs.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub outputs: IndexMap<String, Output>,
}

impl Template {
    /// An empty template with a description.
    pub fn new(description: impl Into<String>) -> Self {
        Template {
            format_version: "2010-09-09",
            description: description.into(),
            ..Template::default()
        }
    }

    /// Add a resource under an explicit logical id.
    ///
    /// # Panics
    /// When the logical id is already taken: that is a bug in the planner, never an input error.
    pub fn add(&mut self, logical_id: &str, entry: ResourceEntry) {
        let old = self.resources.insert(logical_id.to_owned(), entry);
        assert!(old.is_none(), "logical id `{logical_id}` used twice");
    }

    /// Add an output.
    pub fn output(&mut self, name: &str, description: &str, value: Value<String>) {
        self.outputs.insert(
            name.to_owned(),
            Output {
                description: description.to_owned(),
                value,
            },
        );
    }

    /// Render the template as YAML (long-form intrinsics, JSON-compatible). Date-like plain
    /// scalars (`2010-09-09`, `2012-10-17`) are single-quoted: YAML 1.1 readers such as PyYAML
    /// (moto, some linters) would otherwise read them as dates, not the strings CloudFormation
    /// means.
    pub fn to_yaml(&self) -> String {
        quote_dates(&serde_yaml::to_string(self).expect("a template always serializes"))
    }

    /// Render the template as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a template always serializes")
    }
}

/// The column a block scalar's content must be indented past, when a line ends in a block
/// scalar header (`key: |`, `key: >-`, `- |2+`): the column of the key, or of the `-` for a
/// sequence entry.
fn block_header(body: &str) -> Option<usize> {
    let indent = body.len() - body.trim_start_matches(' ').len();
    let (base, value) = match body.rfind(": ") {
        Some(i) => {
            let mut key = indent;
            while body[key..].starts_with("- ") {
                key += 2;
            }
            (key, &body[i + 2..])
        }
        None => {
            let mut dash = indent;
            let mut rest = &body[indent..];
            while let Some(after) = rest.strip_prefix("- ") {
                rest = after;
                if rest.starts_with("- ") {
                    dash += 2;
                }
            }
            (rest.len() < body.len() - indent).then_some((dash, rest))?
        }
    };
    let mut chars = value.chars();
    if !matches!(chars.next(), Some('|' | '>')) {
        return None;
    }
    let rest: Vec<char> = chars.collect();
    let digits = rest.iter().filter(|c| ('1'..='9').contains(*c)).count();
    let chomps = rest.iter().filter(|c| matches!(c, '+' | '-')).count();
    (rest.len() == digits + chomps && digits <= 1 && chomps <= 1).then_some(base)
}

/// Single-quote every plain scalar value that looks like a `YYYY-MM-DD` date. The content of
/// block scalars (`|`, `|-`, `>`: queries, scripts) is text, not YAML, and is left as it is.
fn quote_dates(yaml: &str) -> String {
    fn is_date(s: &str) -> bool {
        let b = s.as_bytes();
        b.len() == 10
            && b.iter().enumerate().all(|(i, c)| match i {
                4 | 7 => *c == b'-',
                _ => c.is_ascii_digit(),
            })
    }
    let mut out = String::with_capacity(yaml.len() + 64);
    // The column the content of the block scalar being read is indented past.
    let mut block: Option<usize> = None;
    for line in yaml.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        if let Some(base) = block {
            let indent = body.len() - body.trim_start_matches(' ').len();
            if body.trim().is_empty() || indent > base {
                out.push_str(line);
                continue;
            }
            block = None;
        }
        if let Some(base) = block_header(body) {
            block = Some(base);
            out.push_str(line);
            continue;
        }
        let split = body.rfind(": ").map(|i| i + 2).or_else(|| {
            body.trim_start()
                .starts_with("- ")
                .then(|| body.find("- ").unwrap() + 2)
        });
        match split {
            Some(at) if is_date(&body[at..]) => {
                out.push_str(&body[..at]);
                out.push('\'');
                out.push_str(&body[at..]);
                out.push('\'');
                out.push_str(&line[body.len()..]);
            }
            _ => out.push_str(line),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::sns;

    #[test]
    fn date_like_scalars_are_quoted() {
        let check = |input: &str, expect: &str| assert_eq!(quote_dates(input), expect);
        check("Version: 2012-10-17\n", "Version: '2012-10-17'\n");
        check("  - 2024-01-31\n", "  - '2024-01-31'\n");
        check(
            "a: 2012-10-177\nb: x2012-10-17\n",
            "a: 2012-10-177\nb: x2012-10-17\n",
        );
        check("a: '2012-10-17'\n", "a: '2012-10-17'\n");
        check("Name: 20121017ab\n", "Name: 20121017ab\n");
    }

    #[test]
    fn block_scalar_content_is_left_alone() {
        let check = |input: &str, expect: &str| assert_eq!(quote_dates(input), expect);
        let same = |input: &str| check(input, input);
        same("Q: |\n  Version: 2012-10-17\n  x: 2024-01-01\n  - 2024-01-31\n");
        same("Q: |-\n  a: 2012-10-17\n\n  b: 2012-10-17\n");
        same("Q: >\n  a: 2012-10-17\n");
        same("Q: |2+\n    a: 2012-10-17\n");
        same("- |\n  a: 2012-10-17\n- >-\n  b: 2012-10-17\n");
        same("  - Name: q\n    Sql: |\n      x: 2024-01-01\n");
        // After the block, values are quoted again, at the block's key's level or above.
        check(
            "A:\n  Q: |\n    x: 2024-01-01\n  D: 2024-01-01\nE: 2012-10-17\n",
            "A:\n  Q: |\n    x: 2024-01-01\n  D: '2024-01-01'\nE: '2012-10-17'\n",
        );
        check(
            "- Sql: |\n    x: 2024-01-01\n  D: 2024-01-01\n- 2024-01-31\n",
            "- Sql: |\n    x: 2024-01-01\n  D: '2024-01-01'\n- '2024-01-31'\n",
        );
        // Not block scalar headers.
        check("a: '|'\nb: 2012-10-17\n", "a: '|'\nb: '2012-10-17'\n");
        check("a: |x\nb: 2012-10-17\n", "a: |x\nb: '2012-10-17'\n");
    }

    #[test]
    fn rendered_block_scalars_round_trip_byte_for_byte() {
        use crate::resources::athena;
        let query = "-- dates in a query are text, not YAML\nVersion: 2012-10-17\nx: 2024-01-01\n- 2024-01-31\n  y: 2010-09-09\n\nSELECT 1 WHERE day = DATE '2024-01-01'\n";
        let mut template = Template::new("block scalars");
        template.add(
            "Query",
            ResourceEntry::new(athena::NamedQuery {
                name: "q".into(),
                description: "d".into(),
                database: "db".into(),
                work_group: "wg".into(),
                query_string: query.into(),
            }),
        );
        let raw = serde_yaml::to_string(&template).unwrap();
        let yaml = template.to_yaml();
        assert!(yaml.contains("QueryString: |\n"), "{yaml}");
        for line in query.lines().filter(|l| !l.is_empty()) {
            assert!(
                yaml.contains(&format!("        {line}\n")),
                "`{line}` changed:\n{yaml}"
            );
        }
        // Only the template's own dates are quoted: the rest is byte-for-byte serde_yaml's.
        assert_eq!(yaml.replace("'2010-09-09'", "2010-09-09"), raw, "{yaml}");
        let back: serde_yaml::Value = serde_yaml::from_str(&yaml).unwrap();
        assert_eq!(
            back["Resources"]["Query"]["Properties"]["QueryString"].as_str(),
            Some(query)
        );
        assert_eq!(
            back["AWSTemplateFormatVersion"].as_str(),
            Some("2010-09-09")
        );
    }

    fn topic() -> ResourceEntry {
        ResourceEntry::new(sns::Topic {
            topic_name: "t".into(),
            display_name: "t".into(),
            kms_master_key_id: "alias/k".into(),
            tags: vec![],
        })
    }

    #[test]
    fn metadata_is_left_out_when_empty() {
        let yaml = serde_yaml::to_string(&topic()).unwrap();
        assert!(!yaml.contains("Metadata"), "{yaml}");
    }

    #[test]
    fn dap_suppressions_serialize_after_scanner_skips() {
        let entry = topic()
            .skip_checkov("CKV_AWS_1", "because")
            .suppress("DAP-SNS-001", "a reason");
        let yaml = serde_yaml::to_string(&entry).unwrap();
        assert!(
            yaml.contains(
                "Metadata:\n  checkov:\n    skip:\n    - id: CKV_AWS_1\n      comment: because\n  dap:\n    suppress:\n    - rule: DAP-SNS-001\n      reason: a reason\n"
            ),
            "{yaml}"
        );
    }
}
