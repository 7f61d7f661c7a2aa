//! Properties: `parse` never panics, every error it reports is well located, and what it
//! prints is bounded whatever the file holds.

use dap_config::{ConfigErrors, LOG_RETENTION_DAYS, MAX_SHOWN_ERRORS};
use miette::{GraphicalReportHandler, GraphicalTheme};
use proptest::prelude::*;
use proptest::sample::select;

use crate::common::{BASE, FILE};

/// Line and column (1-based, in characters) of byte `offset`, counting `\n`, `\r\n` and a
/// lone `\r` as line breaks, as YAML does.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let (mut line, mut column) = (1, 1);
    let mut chars = text[..offset].chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                line += 1;
                column = 1;
            }
            _ => column += 1,
        }
    }
    (line, column)
}

/// What must hold for every error list.
fn check_errors(text: &str, errors: &ConfigErrors) -> Result<(), TestCaseError> {
    prop_assert!(!errors.is_empty());
    let display = errors.to_string();
    prop_assert_eq!(errors.shown(), errors.len().min(MAX_SHOWN_ERRORS));
    prop_assert_eq!(errors.shown() + errors.hidden(), errors.len());
    let lines: Vec<&str> = display.lines().collect();
    if errors.hidden() == 0 {
        prop_assert_eq!(lines.len(), errors.len(), "one line per error");
    } else {
        prop_assert_eq!(
            lines.len(),
            MAX_SHOWN_ERRORS + 1,
            "one line per shown error"
        );
        let more = format!(
            "... and {} more error{} ({} in all)",
            errors.hidden(),
            if errors.hidden() == 1 { "" } else { "s" },
            errors.len()
        );
        prop_assert_eq!(lines[MAX_SHOWN_ERRORS], more.as_str());
    }
    for (i, error) in errors.errors().iter().enumerate() {
        prop_assert_eq!(&error.file, FILE);
        prop_assert!(error.line >= 1 && error.column >= 1, "{}", error);
        prop_assert!(
            error.span.start <= error.span.end && error.span.end <= text.len(),
            "{}",
            error
        );
        prop_assert!(
            text.is_char_boundary(error.span.start) && text.is_char_boundary(error.span.end)
        );
        prop_assert_eq!(
            line_and_column(text, error.span.start),
            (error.line, error.column),
            "position of {}",
            error
        );
        if error.kind.has_field() {
            prop_assert!(!error.field.is_empty(), "{}", error);
        }
        prop_assert!(
            !error.message.is_empty() && !error.message.ends_with('.'),
            "{}",
            error
        );
        if i < errors.shown() {
            let prefix = format!("{FILE}:{}:{}: ", error.line, error.column);
            prop_assert!(lines[i].starts_with(&prefix), "{}", lines[i]);
        }
    }
    Ok(())
}

fn check(text: &str) -> Result<(), TestCaseError> {
    match dap_config::parse(FILE, text) {
        Ok(env) => {
            prop_assert_eq!(env.name, "prod");
            Ok(())
        }
        Err(errors) => check_errors(text, &errors),
    }
}

/// Scalars of every YAML flavour, including ones that break the syntax.
fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|n| n.to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        Just(String::new()),
        select(vec![
            "~",
            "null",
            "[]",
            "{}",
            "[a, b]",
            "{a: 1}",
            "*x",
            "&x y",
            "!t v",
            "|",
            ">",
            "'",
            "\"",
            "- x",
            "? x",
            "yes",
            "0x1F",
            "0o17",
            ".inf",
            "2024",
            "-1",
            "ca-central-1",
            "cron(0 9 * * ? *)",
            "rate(1 day)",
            "vpc-12345678",
            "a@b.ca",
            "G.1X",
            "strict",
            "\t",
            "#"
        ])
        .prop_map(str::to_owned),
        "[a-z0-9 .:/@#\\-]{0,20}",
        "\"[^\"\\\\\\n]{0,12}\"",
        any::<String>().prop_map(|s| s.chars().take(12).collect()),
    ]
}

/// Keys: the model's own (in the wrong place, too) and others.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        select(vec![
            "name",
            "region",
            "prefix",
            "datasets",
            "years",
            "retention",
            "log_retention_days",
            "principals",
            "analyst",
            "emails",
            "budget",
            "glue",
            "schedule",
            "reporting_host",
            "enabled",
            "vpc_id",
            "tags",
            "Owner",
            "aws:x",
            "<<",
            "-",
            "? k"
        ])
        .prop_map(str::to_owned),
        "[a-zA-Z_][a-zA-Z0-9_ -]{0,12}",
    ]
}

#[derive(Clone, Debug)]
enum Mutation {
    /// Drop a line (a key, a list entry, or half of a block).
    Drop(usize),
    /// Replace the value of a line with a scalar.
    Replace(usize, String),
    /// Insert `key: value` before a line, with some indentation.
    Insert(usize, usize, String, String),
    /// Duplicate a line.
    Repeat(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let lines = BASE.lines().count();
    prop_oneof![
        (0..lines).prop_map(Mutation::Drop),
        (0..lines, scalar()).prop_map(|(i, s)| Mutation::Replace(i, s)),
        (0..=lines, 0..7usize, key(), scalar())
            .prop_map(|(i, n, k, v)| Mutation::Insert(i, n, k, v)),
        (0..lines).prop_map(Mutation::Repeat),
    ]
}

fn apply(mutations: &[Mutation]) -> String {
    let mut lines: Vec<String> = BASE.lines().map(str::to_owned).collect();
    for m in mutations {
        let n = lines.len();
        match m {
            Mutation::Drop(i) if *i < n => {
                lines.remove(*i);
            }
            Mutation::Replace(i, value) if *i < n => {
                let line = &lines[*i];
                let head = match (line.find(": "), line.find("- ")) {
                    (Some(at), _) => Some(&line[..at + 2]),
                    (None, Some(at)) => Some(&line[..at + 2]),
                    _ => None,
                };
                if let Some(head) = head {
                    lines[*i] = format!("{head}{value}");
                }
            }
            Mutation::Insert(i, indent, key, value) => {
                let at = (*i).min(n);
                lines.insert(at, format!("{}{key}: {value}", " ".repeat(*indent)));
            }
            Mutation::Repeat(i) if *i < n => {
                let line = lines[*i].clone();
                lines.insert(*i, line);
            }
            _ => {}
        }
    }
    lines.join("\n") + "\n"
}

/// Lines of YAML-looking fragments.
fn yamlish() -> impl Strategy<Value = String> {
    let line = (0..6usize, any::<bool>(), key(), prop::option::of(scalar())).prop_map(
        |(indent, dash, key, value)| {
            let dash = if dash { "- " } else { "" };
            match value {
                Some(v) => format!("{}{dash}{key}: {v}", " ".repeat(indent)),
                None => format!("{}{dash}{key}:", " ".repeat(indent)),
            }
        },
    );
    prop::collection::vec(line, 0..25).prop_map(|lines| lines.join("\n"))
}

/// The longest `Display` line of one error, in characters: a field path is cut to 120
/// characters, quoted values to 80, and the longest list of allowed values (the regions) is
/// under 1,000.
const MAX_DISPLAY_LINE_CHARS: usize = 1_500;

/// The longest line of the graphical rendering at width 100, in characters: text is wrapped,
/// and a snippet line is cut to 100 characters (plus the `…` marks and the gutter), which
/// miette widens only by expanding tabs to 4 spaces.
const MAX_RENDERED_LINE_CHARS: usize = 4 * 102 + 20;

/// What must hold for any input, checked through `parse_bytes`: no panic, every error located
/// inside the input (after text that is valid UTF-8), and output bounded by the number of
/// errors shown, not by the size of the file.
fn check_bounded(bytes: &[u8]) -> Result<(), TestCaseError> {
    let errors = match dap_config::parse_bytes(FILE, bytes) {
        Ok(env) => {
            prop_assert_eq!(env.name, "prod");
            return Ok(());
        }
        Err(errors) => errors,
    };
    match std::str::from_utf8(bytes) {
        Ok(text) => check_errors(text, &errors)?,
        Err(_) => {
            prop_assert_eq!(errors.len(), 1);
            prop_assert_eq!(errors.errors()[0].kind, dap_config::ErrorKind::Encoding);
        }
    }
    for error in &errors {
        prop_assert!(error.span.start <= error.span.end && error.span.end <= bytes.len());
        let before = std::str::from_utf8(&bytes[..error.span.start]);
        prop_assert!(before.is_ok(), "{} follows invalid UTF-8", error);
        let before = before.unwrap();
        prop_assert_eq!(
            line_and_column(before, before.len()),
            (error.line, error.column),
            "position of {}",
            error
        );
    }
    let display = errors.to_string();
    for line in display.lines() {
        prop_assert!(
            line.chars().count() <= MAX_DISPLAY_LINE_CHARS,
            "a line of {} characters",
            line.chars().count()
        );
    }
    prop_assert!(display.len() <= 4 * (MAX_SHOWN_ERRORS + 1) * MAX_DISPLAY_LINE_CHARS);
    let mut rendered = String::new();
    GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .render_report(&mut rendered, &errors)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let longest = rendered
        .lines()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0);
    prop_assert!(
        longest <= MAX_RENDERED_LINE_CHARS,
        "a rendered line of {} characters in:\n{}",
        longest,
        rendered
    );
    // Each shown error: its headline and help wrapped, and a snippet of three lines.
    let rendered_lines = rendered.lines().count();
    prop_assert!(
        rendered_lines <= 2 * display.lines().count() + 40 * errors.shown(),
        "{} rendered lines for {} shown errors",
        rendered_lines,
        errors.shown()
    );
    Ok(())
}

/// Bytes that break UTF-8 or YAML: invalid sequences, control characters, BOMs.
fn bad_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 1..4),
        select(vec![
            &b"\xff"[..],
            b"\xc3",
            b"\xe2\x98",
            b"\xed\xa0\x80",
            b"\xef\xbb\xbf",
            b"\xff\xfe",
            b"\0",
            b"\x1b[31m",
            b"\x7f",
            b"\xc2\x85",
            b"\r",
            b"\t",
        ])
        .prop_map(<[u8]>::to_vec),
    ]
}

/// Text to make a long line of: plain, with spaces, multi-byte, tabs, flow punctuation.
fn long_run() -> impl Strategy<Value = String> {
    (
        select(vec![
            "v", "ab ", "é", "\t", "🦀", "1, ", "k: 1, ", "[", "\"",
        ]),
        200..12_000usize,
    )
        .prop_map(|(piece, n)| piece.repeat(n / piece.len()))
}

/// Deeply nested documents: block mappings and sequences, flow collections, closed or not.
fn nested() -> impl Strategy<Value = String> {
    (1..90usize, 0..5usize, any::<bool>()).prop_map(|(depth, style, close)| match style {
        0 => (0..depth)
            .map(|i| format!("{}a:\n", "  ".repeat(i)))
            .collect(),
        1 => (0..depth)
            .map(|i| format!("{}- \n", "  ".repeat(i)))
            .collect(),
        2 => {
            "[".repeat(depth)
                + &if close {
                    "]".repeat(depth)
                } else {
                    String::new()
                }
        }
        3 => {
            "{a: ".repeat(depth)
                + &if close {
                    "}".repeat(depth)
                } else {
                    String::new()
                }
        }
        _ => format!("name: prod\nglue:{}", " {x: [".repeat(depth)),
    })
}

/// Many errors at once: unknown, repeated or misplaced keys appended to the valid file.
fn many_errors() -> impl Strategy<Value = String> {
    (
        30..300usize,
        select(vec![
            "k{}: 1",
            "name: x{}",
            "  years{}: [1]",
            "glue: {}",
            "\"k{}\": [{}",
        ]),
    )
        .prop_map(|(n, pattern)| {
            let extra: String = (0..n)
                .map(|i| pattern.replace("{}", &i.to_string()) + "\n")
                .collect();
            format!("{BASE}{extra}")
        })
}

/// Files of every sort, as bytes.
fn hostile() -> impl Strategy<Value = Vec<u8>> {
    let mutated = || prop::collection::vec(mutation(), 1..6).prop_map(|m| apply(&m));
    prop_oneof![
        3 => mutated().prop_map(String::into_bytes),
        2 => yamlish().prop_map(String::into_bytes),
        1 => prop::collection::vec(any::<u8>(), 0..400),
        2 => (mutated(), any::<prop::sample::Index>(), bad_bytes()).prop_map(|(text, at, bad)| {
            let mut bytes = text.into_bytes();
            let at = at.index(bytes.len() + 1);
            bytes.splice(at..at, bad);
            bytes
        }),
        1 => nested().prop_map(String::into_bytes),
        2 => (mutated(), any::<prop::sample::Index>(), long_run(), 0..3usize).prop_map(
            |(text, at, run, how)| {
                let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
                let at = at.index(lines.len() + 1);
                let line = match how {
                    0 => format!("{run}: 1"),
                    1 => format!("k: {run}"),
                    _ => run,
                };
                lines.insert(at, line);
                (lines.join("\n") + "\n").into_bytes()
            }
        ),
        1 => many_errors().prop_map(String::into_bytes),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, ..ProptestConfig::default() })]

    /// The fuzz test of issue 13: 10,000 files of every sort (valid, mutated, random keys,
    /// random and invalid bytes, deep nesting, long lines, many errors).
    #[test]
    fn any_input_is_parsed_or_refused_with_located_bounded_errors(bytes in hostile()) {
        check_bounded(&bytes)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        check(&text)?;
    }

    #[test]
    fn yaml_looking_text_never_panics(text in yamlish()) {
        check(&text)?;
    }

    #[test]
    fn mutated_valid_files_are_parsed_or_precisely_refused(mutations in prop::collection::vec(mutation(), 1..4)) {
        check(&apply(&mutations))?;
    }

    #[test]
    fn every_accepted_value_parses_back(
        years in prop::collection::btree_set(1997u16..=2100, 1..6),
        log in select(LOG_RETENTION_DAYS.iter().copied().filter(|d| *d >= 365).collect::<Vec<_>>()),
        workers in 2u32..=299,
        hour in 0u32..24,
        cutoff in 10_485_760u64..=u64::MAX,
    ) {
        let years_yaml: String = years.iter().map(|y| format!("      - {y}\n")).collect();
        let text = BASE
            .replace("      - 2023\n      - 2024\n", &years_yaml)
            .replace("log_retention_days: 731", &format!("log_retention_days: {log}"))
            .replace("number_of_workers: 5", &format!("number_of_workers: {workers}"))
            .replace("cron(0 9 * * ? *)", &format!("cron(0 {hour} * * ? *)"))
            .replace("bytes_scanned_cutoff: 107374182400", &format!("bytes_scanned_cutoff: {cutoff}"));
        let env = dap_config::parse(FILE, &text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&env.datasets["business-licences"].years, &years.into_iter().collect::<Vec<_>>());
        prop_assert_eq!(env.retention.log_retention_days, log);
        prop_assert_eq!(env.glue.number_of_workers, workers);
        prop_assert_eq!(env.athena.bytes_scanned_cutoff, cutoff);
    }

    #[test]
    fn every_refused_retention_is_reported_at_its_line(days in 0u32..4000) {
        let text = BASE.replace("log_retention_days: 731", &format!("log_retention_days: {days}"));
        let accepted = LOG_RETENTION_DAYS.contains(&days) && days >= 365;
        match dap_config::parse(FILE, &text) {
            Ok(_) => prop_assert!(accepted),
            Err(errors) => {
                prop_assert!(!accepted);
                prop_assert_eq!(errors.len(), 1);
                let e = &errors.errors()[0];
                prop_assert_eq!((e.line, e.column), (15, 23));
                prop_assert_eq!(e.field.as_str(), "retention.log_retention_days");
            }
        }
    }
}
