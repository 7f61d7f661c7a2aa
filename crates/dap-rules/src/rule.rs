//! What a rule is: a type with a stable code, a name after the pattern it flags, a severity, a
//! one-line fix and its doc comment, and a check over the templates.

use crate::context::Context;
use crate::template::Res;
use crate::Severity;

/// A rule's description. `doc` is the rule type's own doc comment, captured by the `rule!`
/// macro at compile time, so rustdoc and the generated `docs/rules/<code>.md` say the same
/// thing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Meta {
    /// The stable code, from [`crate::codes`].
    pub code: &'static str,
    /// The name, after the pattern the rule flags (`bucket-public-access-not-blocked`).
    pub name: &'static str,
    /// The severity of its findings.
    pub severity: Severity,
    /// How to fix a finding, in one line.
    pub fix: &'static str,
    /// The doc comment (Markdown): a summary line, then "What it checks", "Why", "Example",
    /// "Remediation" and "References".
    pub doc: &'static str,
    /// The rule's source file.
    pub source: &'static str,
}

impl Meta {
    /// The group of the code: `S3` for `DAP-S3-001`.
    pub fn group(&self) -> &'static str {
        self.code.split('-').nth(1).unwrap_or("")
    }

    /// The doc comment with the one space rustdoc keeps after `///` removed from each line.
    pub fn doc_text(&self) -> String {
        let mut out = String::new();
        for line in self.doc.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out
    }

    /// The first paragraph of the doc comment, on one line.
    pub fn summary(&self) -> String {
        self.doc_text()
            .trim_start()
            .split("\n\n")
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A section of the doc comment (`## What it checks`), without its heading.
    pub fn section(&self, heading: &str) -> Option<String> {
        let doc = self.doc_text();
        let start = doc.find(&format!("## {heading}\n"))? + heading.len() + 4;
        let rest = &doc[start..];
        let end = rest.find("\n## ").map_or(rest.len(), |i| i + 1);
        Some(rest[..end].trim().to_owned())
    }
}

/// A place a rule flags, with what is wrong there.
#[derive(Debug)]
pub struct Hit {
    /// The template's index.
    pub template: usize,
    /// The resource's logical id.
    pub logical_id: String,
    /// What is wrong.
    pub message: String,
}

impl Hit {
    /// A hit on a resource.
    pub fn on(r: &Res<'_>, message: impl Into<String>) -> Hit {
        Hit {
            template: r.template.index,
            logical_id: r.id.to_owned(),
            message: message.into(),
        }
    }
}

/// A rule.
pub trait Rule: Sync {
    /// Its description.
    fn meta(&self) -> &'static Meta;
    /// Flag every resource of the templates that breaks the rule.
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>);
}

/// Declares a rule type from its doc comment and metadata: the `///` lines arrive as
/// `#[doc = "..."]` attributes, become the type's rustdoc, and are concatenated into
/// [`Meta::doc`].
macro_rules! rule {
    (
        $(#[doc = $doc:literal])*
        $name:ident {
            code: $code:path,
            name: $rule:literal,
            severity: $severity:ident,
            fix: $fix:literal $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Clone, Copy, Debug, Default)]
        pub struct $name;

        impl $name {
            /// The rule's code, name, severity, fix and documentation.
            pub const META: $crate::rule::Meta = $crate::rule::Meta {
                code: $code,
                name: $rule,
                severity: $crate::Severity::$severity,
                fix: $fix,
                doc: concat!($($doc, "\n"),*),
                source: file!(),
            };
        }
    };
}
