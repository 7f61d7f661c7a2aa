//! Properties: `parse` never panics, and every error it reports is well located.

use dap_config::{ConfigErrors, LOG_RETENTION_DAYS};
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
    prop_assert_eq!(display.lines().count(), errors.len(), "one line per error");
    for (error, line) in errors.errors().iter().zip(display.lines()) {
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
        let prefix = format!("{FILE}:{}:{}: ", error.line, error.column);
        prop_assert!(line.starts_with(&prefix), "{}", line);
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
