//! Timing of error reporting on hostile environment files: `cargo bench -p dap-config`.
//!
//! For each case it times [`dap_config::parse_bytes`], the `Display` of the errors and their
//! graphical miette rendering, and prints the times and output sizes (no assertions: the
//! figures are read by people, and `cargo test` never runs this).
//!
//! Every case goes through the public API, limit included: 100,000 unknown top-level keys
//! written `k0: 1` to `k99999: 1` take 988,890 bytes, just under
//! [`dap_config::MAX_FILE_BYTES`], so no unlimited path is needed to reach 100,000 errors.
//! The "50 MB single line" of issue 13 is now refused unread; the case that still reads a long
//! line is the 1 MiB one (a single value, and a flow mapping of unknown keys on one line). The
//! goal is 100,000 errors parsed, displayed and rendered in under 1 s in release.

use std::time::{Duration, Instant};

use dap_config::MAX_FILE_BYTES;
use miette::{GraphicalReportHandler, GraphicalTheme};

/// `k0: 1` to `k{n-1}: 1`, one per line.
fn unknown_keys(n: usize) -> String {
    (0..n).map(|i| format!("k{i}: 1\n")).collect()
}

/// As many unknown keys as fit in `max_bytes`, in one flow mapping on one line.
fn unknown_keys_on_one_line(max_bytes: usize) -> String {
    let mut text = String::from("{");
    for i in 0.. {
        let entry = format!("k{i}: 1, ");
        if text.len() + entry.len() + 2 > max_bytes {
            break;
        }
        text.push_str(&entry);
    }
    text.push_str("}\n");
    text
}

fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

fn case(label: &str, bytes: &[u8]) {
    let (result, parse) = time(|| dap_config::parse_bytes("environments/x.yaml", bytes));
    let errors = result.expect_err("every case has errors");
    let (display, display_time) = time(|| errors.to_string());
    let (rendered, render_time) = time(|| {
        let mut out = String::new();
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
            .render_report(&mut out, &errors)
            .expect("rendering to a string cannot fail");
        out
    });
    let total = parse + display_time + render_time;
    println!(
        "{label:<40} {:>10} bytes {:>7} errors | parse {:>9.1?} | display {:>9.1?} ({} bytes) | miette {:>9.1?} ({} bytes) | total {:>9.1?}",
        bytes.len(),
        errors.len(),
        parse,
        display_time,
        display.len(),
        render_time,
        rendered.len(),
        total,
    );
}

fn main() {
    case("10,000 unknown keys", unknown_keys(10_000).as_bytes());
    case("100,000 unknown keys", unknown_keys(100_000).as_bytes());
    case(
        "unknown keys on one 1 MiB line",
        unknown_keys_on_one_line(MAX_FILE_BYTES).as_bytes(),
    );
    let value = format!("name: {}\n", "x".repeat(MAX_FILE_BYTES - 7));
    case("one 1 MiB value", value.as_bytes());
    let mut not_utf8 = "x".repeat(MAX_FILE_BYTES - 1).into_bytes();
    not_utf8.push(0xff);
    case("1 MiB line, invalid byte at the end", &not_utf8);
    let huge = vec![b'x'; 50 * 1024 * 1024];
    case("50 MB single line (refused)", &huge);
}
