//! Located configuration errors.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};

/// What kind of problem a [`ConfigError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The text is not valid YAML (reading stops at the first such error).
    Syntax,
    /// The document as a whole is wrong: empty, several documents, or not a mapping.
    Document,
    /// A key the schema does not know.
    UnknownKey,
    /// A key written twice in the same mapping.
    DuplicateKey,
    /// A required key that is absent.
    MissingKey,
    /// A value of the wrong YAML type (a number where a string is expected, ...).
    Type,
    /// A YAML feature environment files do not use (aliases, custom tags).
    Unsupported,
    /// A value of the right type that AWS or the platform would reject.
    Value,
}

impl ErrorKind {
    /// Whether errors of this kind always name a field (all but syntax and document errors).
    pub fn has_field(self) -> bool {
        !matches!(self, ErrorKind::Syntax | ErrorKind::Document)
    }

    fn label(self) -> &'static str {
        match self {
            ErrorKind::Syntax => "syntax error",
            ErrorKind::Document => "here",
            ErrorKind::UnknownKey => "unknown key",
            ErrorKind::DuplicateKey => "repeated key",
            ErrorKind::MissingKey => "missing key",
            ErrorKind::Type => "wrong type",
            ErrorKind::Unsupported => "not supported",
            ErrorKind::Value => "not accepted",
        }
    }
}

/// One problem in an environment file, with its location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The file name, as passed to [`crate::parse`].
    pub file: String,
    /// Line, 1-based.
    pub line: usize,
    /// Column in characters, 1-based.
    pub column: usize,
    /// The field path, such as `retention.log_retention_days` or `principals.analyst[1]`;
    /// empty for syntax and document errors.
    pub field: String,
    /// What kind of problem this is.
    pub kind: ErrorKind,
    /// What is wrong (lowercase, names in backticks, no final full stop).
    pub message: String,
    /// What is allowed instead, when that can be said.
    pub allowed: Option<String>,
    /// Byte range in the source the error points at (may be empty).
    pub span: Range<usize>,
}

impl fmt::Display for ConfigError {
    /// `file:line:column: field `path`: message; allowed: ...`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if !self.field.is_empty() {
            write!(f, "field `{}`: ", self.field)?;
        }
        f.write_str(&self.message)?;
        if let Some(allowed) = &self.allowed {
            write!(f, "; allowed: {allowed}")?;
        }
        Ok(())
    }
}

/// One error rendered by miette: the source snippet with a label, and what is allowed as help.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{headline}")]
struct FieldDiagnostic {
    headline: String,
    #[source_code]
    source_code: NamedSource<Arc<str>>,
    #[label("{label}")]
    span: SourceSpan,
    label: &'static str,
    #[help]
    help: Option<String>,
}

/// Every problem found in one environment file.
///
/// `Display` prints one line per error, sorted by position:
///
/// ```text
/// environments/prod.yaml:12:5: field `retention.log_retention_days`: `400` is not ...; allowed: 1, 3, ...
/// ```
///
/// As a [`miette::Diagnostic`], each error is a related diagnostic carrying the file's source
/// and a labelled span, so a graphical handler shows the offending lines.
#[derive(thiserror::Error, Diagnostic)]
#[error("{}", render_lines(errors))]
#[diagnostic(
    code(dap_config::invalid_environment),
    help("fix every field listed; defaults live in code, so remove keys rather than repeat them")
)]
pub struct ConfigErrors {
    errors: Vec<ConfigError>,
    #[related]
    diagnostics: Vec<FieldDiagnostic>,
}

fn render_lines(errors: &[ConfigError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

impl ConfigErrors {
    /// Builds the error list for `file` (whose text is `source`); `errors` must not be empty.
    pub(crate) fn new(file: &str, source: &str, errors: Vec<ConfigError>) -> Self {
        debug_assert!(!errors.is_empty());
        let source: Arc<str> = Arc::from(source);
        let diagnostics = errors
            .iter()
            .map(|e| {
                let headline = if e.field.is_empty() {
                    e.message.clone()
                } else {
                    format!("field `{}`: {}", e.field, e.message)
                };
                FieldDiagnostic {
                    headline,
                    source_code: NamedSource::new(file, Arc::clone(&source)).with_language("yaml"),
                    span: SourceSpan::from(e.span.clone()),
                    label: e.kind.label(),
                    help: e.allowed.as_ref().map(|a| format!("allowed: {a}")),
                }
            })
            .collect();
        ConfigErrors {
            errors,
            diagnostics,
        }
    }

    /// The errors, sorted by position in the file.
    pub fn errors(&self) -> &[ConfigError] {
        &self.errors
    }

    /// How many errors there are (at least one).
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// Always `false`: a `ConfigErrors` holds at least one error.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }
}

impl fmt::Debug for ConfigErrors {
    /// The structured errors only (the diagnostics repeat the file's source for each error).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigErrors")
            .field("errors", &self.errors)
            .finish()
    }
}

impl<'a> IntoIterator for &'a ConfigErrors {
    type Item = &'a ConfigError;
    type IntoIter = std::slice::Iter<'a, ConfigError>;

    fn into_iter(self) -> Self::IntoIter {
        self.errors.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_errors_fit_in_any_error_report() {
        fn assert_report_ready<T: Diagnostic + Send + Sync + 'static>() {}
        assert_report_ready::<ConfigErrors>();
    }
}
