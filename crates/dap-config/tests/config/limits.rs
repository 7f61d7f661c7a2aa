//! Hostile input (issue 13, "bounded input"): too large, not text, very long lines, and many
//! errors. Each is refused with located errors whose printed size does not grow with the file.

use dap_config::{ErrorKind, MAX_FILE_BYTES, MAX_SHOWN_ERRORS};
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};

use crate::common::{edit, errors, line_of, BASE, FILE};

/// The graphical miette rendering, without colours.
pub fn render(errors: &dap_config::ConfigErrors) -> String {
    let mut out = String::new();
    GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(120)
        .render_report(&mut out, errors)
        .unwrap();
    out
}

fn bytes_errors(bytes: &[u8]) -> dap_config::ConfigErrors {
    match dap_config::parse_bytes(FILE, bytes) {
        Ok(env) => panic!("expected errors, got {env:#?}"),
        Err(errors) => errors,
    }
}

/// `BASE` padded with a trailing comment to exactly `len` bytes.
fn padded(len: usize) -> String {
    let mut text = format!("{BASE}#");
    text.push_str(&"x".repeat(len - text.len()));
    text
}

#[test]
fn a_file_of_exactly_the_limit_is_read() {
    let text = padded(MAX_FILE_BYTES);
    assert_eq!(text.len(), MAX_FILE_BYTES);
    assert!(dap_config::parse(FILE, &text).is_ok());
    assert!(dap_config::parse_bytes(FILE, text.as_bytes()).is_ok());
}

#[test]
fn a_file_over_the_limit_is_refused_unread() {
    let text = padded(MAX_FILE_BYTES + 1);
    for errors in [errors(&text), bytes_errors(text.as_bytes())] {
        assert_eq!(errors.len(), 1);
        let error = &errors.errors()[0];
        assert_eq!(error.kind, ErrorKind::TooLarge);
        assert_eq!((error.line, error.column, error.span.clone()), (1, 1, 0..0));
        assert_eq!(
            errors.to_string(),
            "environments/prod.yaml:1:1: the file is 1048577 bytes; environment files are limited to 1 MiB (1048576 bytes)"
        );
        // No snippet: none of the file is shown.
        let related: Vec<_> = errors.related().unwrap().collect();
        assert!(related[0].source_code().is_none());
        assert!(render(&errors).len() < 1000);
    }
    // However large: 50 MB of one line is refused as quickly.
    let huge = vec![b'x'; 50 * 1024 * 1024];
    let errors = bytes_errors(&huge);
    assert_eq!(errors.errors()[0].kind, ErrorKind::TooLarge);
    assert!(errors.to_string().contains("is 52428800 bytes"));
}

#[test]
fn non_utf8_content_is_located_at_its_first_invalid_byte() {
    let mut bytes = b"name: prod\naccount_id: \"1\"\nregion\xff: x\n\xfe".to_vec();
    let errors = bytes_errors(&bytes);
    assert_eq!(errors.len(), 1);
    let error = &errors.errors()[0];
    assert_eq!(error.kind, ErrorKind::Encoding);
    assert_eq!((error.line, error.column), (3, 7));
    assert_eq!(error.span, 33..34);
    insta::assert_snapshot!(errors.to_string(), @"environments/prod.yaml:3:7: the file is not UTF-8 text: invalid byte 0xff at byte offset 33; allowed: UTF-8 text without control characters other than tabs and line breaks");
    insta::assert_snapshot!(render(&errors), @r#"
    dap_config::invalid_environment

      × environments/prod.yaml:3:7: the file is not UTF-8 text: invalid byte 0xff at byte offset 33; allowed: UTF-8 text
      │ without control characters other than tabs and line breaks
      help: fix every field listed; defaults live in code, so remove keys rather than repeat them

    Error: 
      × the file is not UTF-8 text: invalid byte 0xff at byte offset 33
       ╭─[environments/prod.yaml:3:7]
     2 │ account_id: "1"
     3 │ region�: x
       ·       ┬
       ·       ╰── not text
     4 │ �
       ╰────
      help: allowed: UTF-8 text without control characters other than tabs and line breaks
    "#);

    // Columns count characters; a UTF-16 file fails at its first byte; a truncated sequence
    // at the end is located too.
    let errors = bytes_errors(&["é: \u{2603}\n  x".as_bytes(), b"\x80"].concat());
    assert_eq!((errors.errors()[0].line, errors.errors()[0].column), (2, 4));
    let errors = bytes_errors(b"\xff\xfen\x00a\x00m\x00e\x00");
    assert!(errors.to_string().starts_with(
        "environments/prod.yaml:1:1: the file is not UTF-8 text: invalid byte 0xff at byte offset 0"
    ));
    bytes.truncate(10);
    bytes.extend_from_slice(b"\n\xe2\x98");
    let found = bytes_errors(&bytes);
    let error = &found.errors()[0];
    assert_eq!(
        (error.line, error.column, error.span.clone()),
        (2, 1, 11..13)
    );

    // Valid UTF-8 goes to `parse`.
    assert!(dap_config::parse_bytes(FILE, BASE.as_bytes()).is_ok());
}

#[test]
fn binary_content_is_refused_at_its_first_control_character() {
    // The YAML reader would take a NUL for the end of the file and ignore the rest.
    let text = edit("region: ca-central-1", "region: ca-central-1\0garbage");
    let errors = errors(&text);
    assert_eq!(errors.len(), 1);
    let error = &errors.errors()[0];
    assert_eq!(error.kind, ErrorKind::Encoding);
    assert_eq!((error.line, error.column), (line_of(&text, "region:"), 21));
    assert_eq!(&text[error.span.clone()], "\0");
    assert!(
        error
            .message
            .starts_with("the file holds a NUL byte at byte offset "),
        "{error}"
    );
    let text = edit("prefix: dap-prod", "prefix: dap-\u{1b}[31mprod");
    let found = crate::common::errors(&text);
    let error = &found.errors()[0];
    assert!(error
        .message
        .starts_with("the file holds the control character U+001B at byte offset"));
    // Tabs, line breaks and any printable character stay allowed.
    let text = format!("{BASE}# commentaire\t\u{a0}é\u{1F980}\u{85}\n").replace('\n', "\r\n");
    crate::common::ok(&text);
}

#[test]
fn a_long_line_is_elided_in_messages_and_snippets() {
    let long = "v".repeat(5_000_000.min(MAX_FILE_BYTES - BASE.len() - 100));
    let text = edit(
        "prefix: dap-prod",
        &format!("prefix: dap-prod\ncolour: {long}x"),
    );
    let found = errors(&text);
    let display = found.to_string();
    assert_eq!(found.len(), 1);
    assert!(display.len() < 500, "{display}");
    let text = edit("region: ca-central-1", &format!("region: {long}"));
    let errors = errors(&text);
    let error = &errors.errors()[0];
    assert_eq!(error.field, "region");
    let quoted = format!("`{}…`", "v".repeat(80));
    assert!(error.message.starts_with(&quoted), "{error}");
    assert!(errors.to_string().len() < 1500);
    let rendered = render(&errors);
    assert!(rendered.len() < 3000, "{rendered}");
    let snippet: Vec<&str> = rendered.lines().filter(|l| l.contains(" │ ")).collect();
    let cut = format!(" │ region: {}…", "v".repeat(92));
    assert!(snippet.iter().any(|l| l.ends_with(&cut)), "{rendered}");
}

#[test]
fn an_error_far_along_a_line_shows_the_part_around_it_with_its_real_column() {
    let text = edit(
        "budget:\n  monthly_usd: 1000\n  alert_thresholds_percent: [80, 100]\n",
        &format!(
            "budget: {{{}alert_thresholds_percent: [80, 100], monthly_usd: -5}}\n",
            " ".repeat(5_000)
        ),
    );
    let errors = errors(&text);
    assert_eq!(errors.len(), 1);
    let error = &errors.errors()[0];
    assert_eq!(error.field, "budget.monthly_usd");
    assert_eq!(error.column, 10 + 5_000 + 50);
    let rendered = render(&errors);
    assert!(
        rendered.lines().all(|l| l.chars().count() < 300),
        "{rendered}"
    );
    let header = format!("[environments/prod.yaml:{}:{}]", error.line, error.column);
    assert!(rendered.contains(&header), "{rendered}");
    assert!(
        rendered.contains(" │ …sholds_percent: [80, 100], monthly_usd: -5}\n"),
        "{rendered}"
    );
}

/// miette used to panic ("Formatting argument out of range") underlining a label more than
/// 65,535 columns along a line.
#[test]
fn an_error_beyond_column_65535_renders() {
    let text = format!("{{{}colour: blue}}\n", " ".repeat(70_000));
    let errors = errors(&text);
    let unknown = errors
        .errors()
        .iter()
        .find(|e| e.kind == ErrorKind::UnknownKey)
        .unwrap();
    assert_eq!(unknown.column, 70_002);
    let rendered = render(&errors);
    assert!(rendered.contains("unknown key"));
    assert!(rendered.len() < 20_000);
}

#[test]
fn many_errors_are_capped_and_the_rest_counted() {
    let extra: String = (0..60).map(|i| format!("k{i}: 1\n")).collect();
    let found = errors(&format!("{BASE}{extra}"));
    assert_eq!(found.len(), 60);
    assert_eq!((found.shown(), found.hidden()), (MAX_SHOWN_ERRORS, 10));
    let display = found.to_string();
    let lines: Vec<&str> = display.lines().collect();
    assert_eq!(lines.len(), MAX_SHOWN_ERRORS + 1);
    assert!(lines[MAX_SHOWN_ERRORS - 1].contains("unknown key `k49`"));
    assert_eq!(
        lines[MAX_SHOWN_ERRORS],
        "... and 10 more errors (60 in all)"
    );
    assert_eq!(found.related().unwrap().count(), MAX_SHOWN_ERRORS);
    assert_eq!(found.errors()[59].field, "k59");
    let rendered = render(&found);
    assert!(rendered.contains("... and 10 more errors (60 in all)"));
    assert!(!rendered.contains("unknown key `k50`"));

    let extra: String = (0..51).map(|i| format!("k{i}: 1\n")).collect();
    let found = errors(&format!("{BASE}{extra}"));
    assert_eq!(found.hidden(), 1);
    assert!(found
        .to_string()
        .ends_with("\n... and 1 more error (51 in all)"));

    let extra: String = (0..50).map(|i| format!("k{i}: 1\n")).collect();
    let found = errors(&format!("{BASE}{extra}"));
    assert_eq!((found.len(), found.hidden()), (50, 0));
    assert_eq!(found.to_string().lines().count(), 50);
}

/// 10,000 errors (an unknown key per line) render in a bounded size; the rendering used to
/// scan the whole file for each error, which took seconds.
#[test]
fn ten_thousand_errors_render_the_first_fifty() {
    let text: String = (0..10_000).map(|i| format!("k{i}: 1\n")).collect();
    let errors = errors(&text);
    assert_eq!(errors.len(), 10_000 + 9);
    let rendered = render(&errors);
    assert!(rendered.len() < 100_000, "{}", rendered.len());
    assert!(rendered.contains("... and 9959 more errors (10009 in all)"));
}
