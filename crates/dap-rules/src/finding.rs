//! Findings are data: which rule, where, what is wrong, how to fix it, and whether (and why) an
//! environment or the template accepts it.

use serde::Serialize;

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Blocks `dap check`, `plan` and `apply` unless suppressed.
    Error,
    /// Shown, never blocks.
    Warning,
    /// Information.
    Note,
}

impl Severity {
    /// The lowercase name (`error`, `warning`, `note`), also SARIF's level.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a suppression was written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum SuppressionSource {
    /// The environment file's `suppressions` list, at this index.
    Environment {
        /// The index in `suppressions`.
        index: usize,
    },
    /// The resource's `Metadata: {dap: {suppress: [...]}}` (a platform-wide exception).
    Metadata,
}

impl std::fmt::Display for SuppressionSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SuppressionSource::Environment { index } => {
                write!(f, "environment file `suppressions[{index}]`")
            }
            SuppressionSource::Metadata => f.write_str("resource metadata"),
        }
    }
}

/// Why a finding is accepted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Suppressed {
    /// The reason the suppression gives.
    pub reason: String,
    /// Where the suppression is written.
    pub source: SuppressionSource,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// The rule's code, for example `DAP-S3-001`.
    pub code: &'static str,
    /// The rule's name, after the pattern it flags.
    pub rule: &'static str,
    /// The rule's severity.
    pub severity: Severity,
    /// The stack (or template file) holding the resource.
    pub stack: String,
    /// The stack's short name (`storage`), as suppressions name it.
    pub slug: String,
    /// The template file, for locations in reports.
    pub file: String,
    /// The line of the resource in the template, when found.
    pub line: Option<usize>,
    /// The resource's logical id.
    pub logical_id: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub fix: &'static str,
    /// Present when an environment file or the resource's metadata accepts the finding.
    pub suppressed: Option<Suppressed>,
}

impl Finding {
    /// Whether the finding blocks: error severity and not suppressed.
    pub fn blocks(&self) -> bool {
        self.severity == Severity::Error && self.suppressed.is_none()
    }
}

/// The result of checking one environment or one folder of templates.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Report {
    /// What was checked: the environment's name, or the folder.
    pub target: String,
    /// How many templates were checked.
    pub templates: usize,
    /// How many resources they hold.
    pub resources: usize,
    /// Files that were read but are not CloudFormation templates (no `Resources`).
    pub skipped: Vec<String>,
    /// The findings, suppressed ones included, in template and resource order.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Whether any unsuppressed finding has error severity (`dap check` exits 3, `plan` and
    /// `apply` refuse to proceed).
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(Finding::blocks)
    }

    /// Unsuppressed findings of a severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity && f.suppressed.is_none())
            .count()
    }

    /// Suppressed findings.
    pub fn suppressed(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.suppressed.is_some())
            .count()
    }

    /// A one-line summary: `0 errors, 1 warning, 1 suppressed`.
    pub fn summary(&self) -> String {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        format!(
            "{}, {}, {}, {} suppressed",
            plural(self.count(Severity::Error), "error"),
            plural(self.count(Severity::Warning), "warning"),
            plural(self.count(Severity::Note), "note"),
            self.suppressed()
        )
    }
}
