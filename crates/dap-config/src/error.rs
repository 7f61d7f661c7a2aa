//! Located configuration errors, and the bounded snippets miette shows for them.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use miette::{
    Diagnostic, MietteError, MietteSpanContents, NamedSource, SourceCode, SourceSpan, SpanContents,
};

/// At most this many errors are shown by [`ConfigErrors`]' `Display` and miette rendering;
/// [`ConfigErrors::errors`] keeps them all.
pub const MAX_SHOWN_ERRORS: usize = 50;

/// A field path longer than this (in characters) is cut with `…` when displayed.
const MAX_FIELD_CHARS: usize = 120;

/// A message or an allowed-values text longer than this (in characters) is cut with `…` when
/// displayed. Messages quote values cut to 80 characters, so this is only a backstop.
const MAX_TEXT_CHARS: usize = 2000;

/// How many characters of each line a snippet shows.
const SNIPPET_WIDTH: usize = 100;

/// How many characters before the error a cut snippet line keeps.
const SNIPPET_LEAD: usize = 40;

/// What kind of problem a [`ConfigError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The text is not valid YAML (reading stops at the first such error).
    Syntax,
    /// The document as a whole is wrong: empty, several documents, or not a mapping.
    Document,
    /// The file is not text: not UTF-8 (located at the first invalid byte) or holding a NUL byte.
    Encoding,
    /// The file is larger than [`crate::MAX_FILE_BYTES`]; it is not read at all.
    TooLarge,
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
    /// Whether errors of this kind always name a field (all but syntax, document, encoding and
    /// size errors).
    pub fn has_field(self) -> bool {
        !matches!(
            self,
            ErrorKind::Syntax | ErrorKind::Document | ErrorKind::Encoding | ErrorKind::TooLarge
        )
    }

    fn label(self) -> &'static str {
        match self {
            ErrorKind::Syntax => "syntax error",
            ErrorKind::Document => "here",
            ErrorKind::Encoding => "not text",
            ErrorKind::TooLarge => "too large",
            ErrorKind::UnknownKey => "unknown key",
            ErrorKind::DuplicateKey => "repeated key",
            ErrorKind::MissingKey => "missing key",
            ErrorKind::Type => "wrong type",
            ErrorKind::Unsupported => "not supported",
            ErrorKind::Value => "not accepted",
        }
    }
}

/// `text` cut to `max` characters, with `…` when something was cut.
pub(crate) fn elide(text: &str, max: usize) -> Cow<'_, str> {
    if text.len() <= max {
        return Cow::Borrowed(text);
    }
    match text.char_indices().nth(max) {
        Some((cut, _)) => Cow::Owned(format!("{}…", &text[..cut])),
        None => Cow::Borrowed(text),
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
    /// empty for syntax, document, encoding and size errors. Kept whole here; `Display` cuts
    /// a very long one with `…`.
    pub field: String,
    /// What kind of problem this is.
    pub kind: ErrorKind,
    /// What is wrong (lowercase, names in backticks, no final full stop). Values quoted in it
    /// are cut to 80 characters with `…`.
    pub message: String,
    /// What is allowed instead, when that can be said.
    pub allowed: Option<String>,
    /// Byte range in the source the error points at (may be empty).
    pub span: Range<usize>,
}

impl ConfigError {
    /// `field `path`: message`, with the field cut to a bounded width: the headline of the
    /// error's miette diagnostic.
    fn headline(&self) -> String {
        let message = elide(&self.message, MAX_TEXT_CHARS);
        if self.field.is_empty() {
            message.into_owned()
        } else {
            format!("field `{}`: {message}", elide(&self.field, MAX_FIELD_CHARS))
        }
    }
}

impl fmt::Display for ConfigError {
    /// `file:line:column: field `path`: message; allowed: ...`
    ///
    /// A very long field path, message or allowed text is cut with `…`, so one line stays
    /// short whatever the file holds.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file,
            self.line,
            self.column,
            self.headline()
        )?;
        if let Some(allowed) = &self.allowed {
            write!(f, "; allowed: {}", elide(allowed, MAX_TEXT_CHARS))?;
        }
        Ok(())
    }
}

/// A few lines of the file around one error, each cut to [`SNIPPET_WIDTH`] characters: the
/// source code of one miette diagnostic.
///
/// Giving each diagnostic this small window rather than the whole file keeps rendering linear
/// in the number of errors (miette finds lines by scanning its source from the start) and
/// keeps a multi-megabyte line from being printed.
#[derive(Debug)]
struct Window {
    /// The lines shown, joined with `\n`; cut ends are marked with `…`.
    text: String,
    /// The 0-based line number of the first line of `text` in the file.
    first_line: usize,
    /// The offset of the error's label in `text`.
    label_offset: usize,
    /// The error's 0-based column in the file, in characters.
    column: usize,
}

impl SourceCode for Window {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner =
            self.text
                .as_str()
                .read_span(span, context_lines_before, context_lines_after)?;
        // miette takes the column it prints in the snippet's header from here: give the one of
        // the file, not the one in the (possibly cut) line of the window.
        let column = if context_lines_before == 0 && span.offset() == self.label_offset {
            self.column
        } else {
            inner.column()
        };
        Ok(Box::new(MietteSpanContents::new(
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line,
            column,
            inner.line_count(),
        )))
    }
}

/// Where lines start in a source (line breaks are `\n`, `\r\n` and a lone `\r`, as in YAML),
/// found by one forward scan that goes only as far as asked.
struct Lines<'s> {
    bytes: &'s [u8],
    /// Start offset of each line found so far.
    starts: Vec<usize>,
    /// Bytes scanned so far.
    scanned: usize,
}

impl<'s> Lines<'s> {
    fn new(bytes: &'s [u8]) -> Self {
        Lines {
            bytes,
            starts: vec![0],
            scanned: 0,
        }
    }

    /// Scans until `done` holds or the source ends.
    fn scan_until(&mut self, done: impl Fn(&Self) -> bool) {
        while !done(self) && self.scanned < self.bytes.len() {
            let i = self.scanned;
            let b = self.bytes[i];
            if b == b'\n' || (b == b'\r' && self.bytes.get(i + 1) != Some(&b'\n')) {
                self.starts.push(i + 1);
            }
            self.scanned += 1;
        }
    }

    /// The 0-based line holding byte `offset`.
    fn line_of(&mut self, offset: usize) -> usize {
        self.scan_until(|l| l.scanned >= offset);
        self.starts.partition_point(|&s| s <= offset) - 1
    }

    /// The byte range of 0-based `line` without its line break, if the source has that line.
    fn range(&mut self, line: usize) -> Option<Range<usize>> {
        self.scan_until(|l| l.starts.len() > line + 1);
        let start = *self.starts.get(line)?;
        let end = match self.starts.get(line + 1) {
            Some(&next) => {
                let crlf = next >= start + 2 && self.bytes[next - 2] == b'\r';
                next - if crlf && self.bytes[next - 1] == b'\n' {
                    2
                } else {
                    1
                }
            }
            None => self.bytes.len(),
        };
        Some(start..end)
    }
}

fn is_char_start(b: u8) -> bool {
    // Not a UTF-8 continuation byte (any byte of invalid UTF-8 may also start a "character").
    (b as i8) >= -0x40
}

/// The offset `n` characters after `from`, stopping at `end`.
fn forward(bytes: &[u8], mut from: usize, n: usize, end: usize) -> usize {
    for _ in 0..n {
        if from >= end {
            break;
        }
        from += 1;
        while from < end && !is_char_start(bytes[from]) {
            from += 1;
        }
    }
    from
}

/// The offset `n` characters before `from`, stopping at `start`.
fn backward(bytes: &[u8], mut from: usize, n: usize, start: usize) -> usize {
    for _ in 0..n {
        if from <= start {
            break;
        }
        from -= 1;
        while from > start && !is_char_start(bytes[from]) {
            from -= 1;
        }
    }
    from
}

/// Appends `bytes[range]` to `text` as text (invalid UTF-8 shown as `�`).
fn push_lossy(text: &mut String, bytes: &[u8], range: Range<usize>) {
    text.push_str(&String::from_utf8_lossy(&bytes[range]));
}

/// The window of the source around `error`, and its label's span in that window.
///
/// The error's line is cut to [`SNIPPET_WIDTH`] characters starting up to [`SNIPPET_LEAD`]
/// characters before the error; the line before and the line after are cut at the same
/// offsets, so that columns stay aligned. The label covers the error's span within its line
/// (as far as it is shown).
fn window(lines: &mut Lines<'_>, error: &ConfigError) -> (Window, SourceSpan) {
    let bytes = lines.bytes;
    let start = error.span.start.min(bytes.len());
    let line = lines.line_of(start);
    let here = lines.range(line).unwrap_or(start..start);
    let from = backward(bytes, start, SNIPPET_LEAD, here.start);
    let to = forward(bytes, from, SNIPPET_WIDTH, here.end);
    let label_end = error.span.end.clamp(start, to);

    let first_line = line.saturating_sub(1);
    let mut text = String::new();
    let mut label = (0, 0);
    for l in first_line..=line + 1 {
        let Some(range) = lines.range(l) else { break };
        if l > first_line {
            text.push('\n');
        }
        if l == line {
            if from > range.start {
                text.push('…');
            }
            push_lossy(&mut text, bytes, from..start);
            let label_offset = text.len();
            push_lossy(&mut text, bytes, start..label_end);
            label = (label_offset, text.len() - label_offset);
            push_lossy(&mut text, bytes, label_end..to);
            if to < range.end {
                text.push('…');
            }
        } else {
            // The same offsets into the neighbouring line, moved onto a character start.
            let mut a = (range.start + (from - here.start)).min(range.end);
            while a < range.end && !is_char_start(bytes[a]) {
                a += 1;
            }
            let b = forward(bytes, a, SNIPPET_WIDTH, range.end);
            if a > range.start {
                text.push('…');
            }
            push_lossy(&mut text, bytes, a..b);
            if b < range.end {
                text.push('…');
            }
        }
    }
    let window = Window {
        text,
        first_line,
        label_offset: label.0,
        column: error.column.saturating_sub(1),
    };
    (window, SourceSpan::from(label))
}

/// One error rendered by miette: the source snippet with a label, and what is allowed as help.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{headline}")]
struct FieldDiagnostic {
    headline: String,
    #[source_code]
    source_code: Option<NamedSource<Window>>,
    #[label("{label}")]
    span: Option<SourceSpan>,
    label: &'static str,
    #[help]
    help: Option<String>,
}

/// Every problem found in one environment file.
///
/// `Display` prints one line per error, sorted by position, for the first
/// [`MAX_SHOWN_ERRORS`] errors, then a last line counting the others, if any:
///
/// ```text
/// environments/prod.yaml:12:5: field `retention.log_retention_days`: `400` is not ...; allowed: 1, 3, ...
/// ... and 12 more errors (62 in all)
/// ```
///
/// As a [`miette::Diagnostic`], each shown error is a related diagnostic carrying a few lines of
/// the file around it (each cut to a bounded width) and a labelled span, so a graphical handler
/// shows the offending lines. [`ConfigErrors::errors`] holds every error.
#[derive(Diagnostic)]
#[diagnostic(
    code(dap_config::invalid_environment),
    help("fix every field listed; defaults live in code, so remove keys rather than repeat them")
)]
pub struct ConfigErrors {
    errors: Vec<ConfigError>,
    #[related]
    diagnostics: Vec<FieldDiagnostic>,
}

impl ConfigErrors {
    /// Builds the error list for `file`, whose content is `source` (`None` when it was not
    /// read, so that no snippet is shown); `errors` must not be empty and must be sorted by
    /// position.
    pub(crate) fn new(file: &str, source: Option<&[u8]>, errors: Vec<ConfigError>) -> Self {
        debug_assert!(!errors.is_empty());
        let mut lines = source.map(Lines::new);
        let diagnostics = errors
            .iter()
            .take(MAX_SHOWN_ERRORS)
            .map(|e| {
                let (source_code, span) = match &mut lines {
                    Some(lines) => {
                        let (window, span) = window(lines, e);
                        let named = NamedSource::new(file, window).with_language("yaml");
                        (Some(named), Some(span))
                    }
                    None => (None, None),
                };
                FieldDiagnostic {
                    headline: e.headline(),
                    source_code,
                    span,
                    label: e.kind.label(),
                    help: e
                        .allowed
                        .as_ref()
                        .map(|a| format!("allowed: {}", elide(a, MAX_TEXT_CHARS))),
                }
            })
            .collect();
        ConfigErrors {
            errors,
            diagnostics,
        }
    }

    /// Every error, sorted by position in the file (including those not shown).
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

    /// How many errors `Display` and the miette rendering show: the first
    /// `shown()` of [`ConfigErrors::errors`], at most [`MAX_SHOWN_ERRORS`].
    pub fn shown(&self) -> usize {
        self.errors.len().min(MAX_SHOWN_ERRORS)
    }

    /// How many errors are not shown, only counted (`len() - shown()`).
    pub fn hidden(&self) -> usize {
        self.errors.len() - self.shown()
    }
}

impl fmt::Display for ConfigErrors {
    /// One line per shown error, then `... and N more errors (M in all)` if some are hidden.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.errors[..self.shown()].iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        match self.hidden() {
            0 => Ok(()),
            1 => write!(f, "\n... and 1 more error ({} in all)", self.len()),
            n => write!(f, "\n... and {n} more errors ({} in all)", self.len()),
        }
    }
}

impl std::error::Error for ConfigErrors {}

impl fmt::Debug for ConfigErrors {
    /// The structured errors only (not the diagnostics' snippets).
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

    #[test]
    fn elision() {
        assert_eq!(elide("short", 10), "short");
        assert_eq!(elide("abcdef", 3), "abc…");
        assert_eq!(elide("ééé", 3), "ééé");
        assert_eq!(elide("éééé", 3), "ééé…");
    }

    /// The window's text and the labelled part of it.
    fn check(source: &str, span: Range<usize>, column: usize) -> (String, String, usize) {
        let error = ConfigError {
            file: "f".to_owned(),
            line: 0,
            column,
            field: String::new(),
            message: "m".to_owned(),
            kind: ErrorKind::Value,
            allowed: None,
            span,
        };
        let (w, span) = window(&mut Lines::new(source.as_bytes()), &error);
        let label = w.text[span.offset()..span.offset() + span.len()].to_owned();
        (w.text, label, w.first_line)
    }

    #[test]
    fn windows() {
        let text = "a: 1\nb: 2\nc: 3\nd: 4\n";
        assert_eq!(
            check(text, 8..9, 4),
            ("a: 1\nb: 2\nc: 3".into(), "2".into(), 0)
        );
        assert_eq!(check(text, 0..1, 1), ("a: 1\nb: 2".into(), "a".into(), 0));
        assert_eq!(
            check(text, 15..16, 1),
            ("c: 3\nd: 4\n".into(), "d".into(), 2)
        );
        assert_eq!(check(text, 20..20, 1), ("d: 4\n".into(), "".into(), 3));
        assert_eq!(
            check("a\r\nb\rc", 3..4, 1),
            ("a\nb\nc".into(), "b".into(), 0)
        );

        let long = format!("k: {}x{}\nnext\n", "v".repeat(1000), "w".repeat(1000));
        let (w, label, _) = check(&long, 1003..1004, 1004);
        assert_eq!(label, "x");
        let first = w.lines().next().unwrap();
        assert_eq!(first.chars().count(), SNIPPET_WIDTH + 2);
        assert!(first.starts_with('…') && first.ends_with('…'));
        assert_eq!(w.lines().nth(1), Some("…"));

        // A span running past the shown part is cut; non-ASCII text is cut on characters.
        let wide = format!("k: {}\n", "é".repeat(500));
        let (w, label, _) = check(&wide, 3..wide.len() - 1, 4);
        assert_eq!(label, "é".repeat(SNIPPET_WIDTH - 3));
        assert!(w.starts_with("k: é") && w.ends_with("é…\n"));
    }
}
