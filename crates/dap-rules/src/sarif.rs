//! SARIF 2.1.0 output, so code-scanning tools can show findings inline: one run, the rules
//! with their help text, one result per finding, suppressed findings with their justification.

use serde_json::{json, Value};

use crate::finding::{Finding, Report, SuppressionSource};
use crate::rules;

/// The SARIF version written.
pub const VERSION: &str = "2.1.0";

/// The SARIF 2.1.0 schema.
pub const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// Where a finding points: its file's URI and, when the file has it, the line.
pub type Locate<'a> = dyn Fn(&Report, &Finding) -> Option<(String, Option<usize>)> + 'a;

/// A SARIF log of these reports. `uri` gives the artifact a finding points at (relative to the
/// repository root) and the line, or `None` to leave the physical location out.
pub fn log(reports: &[Report], uri: &Locate<'_>) -> Value {
    let all = rules::all();
    let driver_rules: Vec<Value> = all
        .iter()
        .map(|r| {
            let m = r.meta();
            json!({
                "id": m.code,
                "name": m.name,
                "shortDescription": {"text": m.summary()},
                "fullDescription": {"text": m.section("What it checks").unwrap_or_default()},
                "help": {
                    "text": format!(
                        "{}\n\nFix: {}\n\nSee docs/rules/{}.md.",
                        m.summary(),
                        m.fix,
                        m.code
                    ),
                    "markdown": m.doc_text(),
                },
                "defaultConfiguration": {"level": m.severity.as_str()},
                "properties": {"tags": ["security", m.group()]},
            })
        })
        .collect();
    let mut results = Vec::new();
    for report in reports {
        for f in &report.findings {
            let index = all.iter().position(|r| r.meta().code == f.code);
            let mut location = json!({
                "logicalLocations": [{
                    "name": f.logical_id,
                    "fullyQualifiedName": format!("{}/{}", f.stack, f.logical_id),
                    "kind": "resource",
                }],
            });
            if let Some((uri, line)) = uri(report, f) {
                let mut physical = json!({"artifactLocation": {"uri": uri}});
                if let Some(line) = line {
                    physical["region"] = json!({"startLine": line});
                }
                location["physicalLocation"] = physical;
            }
            let mut result = json!({
                "ruleId": f.code,
                "level": f.severity.as_str(),
                "message": {"text": format!("{} (fix: {})", f.message, f.fix)},
                "locations": [location],
                "properties": {"target": report.target, "stack": f.stack},
            });
            if let Some(i) = index {
                result["ruleIndex"] = json!(i);
            }
            if let Some(s) = &f.suppressed {
                let kind = match s.source {
                    SuppressionSource::Metadata => "inSource",
                    SuppressionSource::Environment { .. } => "external",
                };
                result["suppressions"] = json!([{
                    "kind": kind,
                    "status": "accepted",
                    "justification": s.reason,
                }]);
            }
            results.push(result);
        }
    }
    json!({
        "$schema": SCHEMA,
        "version": VERSION,
        "runs": [{
            "tool": {
                "driver": {
                    "name": "dap",
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": driver_rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}
