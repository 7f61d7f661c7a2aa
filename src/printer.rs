//! Where output goes and how it looks, decided once (as uv's `Printer`): `--quiet`,
//! `--color`, `NO_COLOR` and `CLICOLOR_FORCE`, and whether stderr is a terminal. Commands
//! print through a [`Printer`] and never decide any of it themselves.
//!
//! - **stdout** is the command's result (a plan, findings, an estimate, a JSON document). It
//!   is printed under `--quiet` too; only summaries of files written (`render`, `docs`) are
//!   not ([`Printer::summary`]).
//! - **stderr** carries errors and warnings (always), notices a user must see, such as a
//!   cancelled run or a signal (always), status lines such as `wrote …` and the progress
//!   display (not under `--quiet`).
//! - **Colour** is applied by writing ANSI styles and letting `anstream` keep or strip them:
//!   `--color auto` (the default) colours a stream only when it is a terminal, `NO_COLOR` is
//!   not set and `TERM` is not `dumb` (`CLICOLOR_FORCE` forces it); `always` and `never` are
//!   what they say. Stripped output is byte for byte what the command wrote without styles,
//!   so pipes, files and the tests see plain text.

use std::fmt::Display;
use std::io::{IsTerminal, Write};

use anstream::AutoStream;
use anstyle::{AnsiColor, Style};

/// `--color`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour a stream when it is a terminal and `NO_COLOR` is not set.
    #[default]
    Auto,
    /// Always colour (overrides `NO_COLOR`).
    Always,
    /// Never colour.
    Never,
}

/// The run's output settings (small and `Copy`: hand it to whatever prints).
#[derive(Clone, Copy, Debug)]
pub struct Printer {
    quiet: bool,
    verbose: bool,
    color: anstream::ColorChoice,
    stderr_terminal: bool,
}

/// The styles the CLI uses.
pub mod style {
    use super::{AnsiColor, Style};

    /// `error:` and blocked changes.
    pub const ERROR: Style = AnsiColor::Red.on_default().bold();
    /// `warning:`.
    pub const WARNING: Style = AnsiColor::Yellow.on_default().bold();
    /// A resource added (`+`).
    pub const ADD: Style = AnsiColor::Green.on_default();
    /// A resource changed (`~`).
    pub const CHANGE: Style = AnsiColor::Yellow.on_default();
    /// A resource removed (`-`) or a blocked change (`!`).
    pub const REMOVE: Style = AnsiColor::Red.on_default();
    /// A resource imported (`<`) or an orphan stack (`?`).
    pub const OTHER: Style = AnsiColor::Cyan.on_default();
}

impl Printer {
    /// The settings of this run, from the global options and the process's environment.
    pub fn new(quiet: bool, verbose: bool, color: ColorChoice) -> Self {
        Printer {
            quiet,
            verbose,
            color: match color {
                ColorChoice::Auto => anstream::ColorChoice::Auto,
                ColorChoice::Always => anstream::ColorChoice::Always,
                ColorChoice::Never => anstream::ColorChoice::Never,
            },
            stderr_terminal: std::io::stderr().is_terminal(),
        }
    }

    /// `--verbose`: everything known about an error; every statement in a plan.
    pub fn verbose(&self) -> bool {
        self.verbose
    }

    /// stdout, for the command's result: styles kept or stripped by the colour decision.
    pub fn stdout(&self) -> AutoStream<std::io::StdoutLock<'static>> {
        AutoStream::new(std::io::stdout().lock(), self.color)
    }

    /// stdout for a plan: as [`Printer::stdout`], and when colour is on each change's marker
    /// (`+`, `~`, `-`, `!`, `<`, `?` after the indentation) and `BLOCKED` are coloured. The
    /// formatting code writes plain text either way.
    pub fn plan_stdout(&self) -> Box<dyn Write> {
        let out = self.stdout();
        if out.current_choice() == anstream::ColorChoice::Never {
            Box::new(out)
        } else {
            Box::new(Highlight {
                out,
                line: Vec::new(),
            })
        }
    }

    /// stdout for a summary of files written (`render`, `docs`): nothing under `--quiet`.
    pub fn summary(&self) -> Box<dyn Write> {
        if self.quiet {
            Box::new(std::io::sink())
        } else {
            Box::new(self.stdout())
        }
    }

    fn stderr(&self) -> AutoStream<std::io::StderrLock<'static>> {
        AutoStream::new(std::io::stderr().lock(), self.color)
    }

    /// A status line on stderr (`wrote …`); nothing under `--quiet`.
    pub fn status(&self, line: impl Display) {
        if !self.quiet {
            let _ = writeln!(self.stderr(), "{line}");
        }
    }

    /// A line on stderr the user must see whatever the options (a cancelled run, a signal).
    pub fn notice(&self, line: impl Display) {
        let _ = writeln!(self.stderr(), "{line}");
    }

    /// `warning: …` on stderr.
    pub fn warning(&self, message: impl Display) {
        let s = style::WARNING;
        let _ = writeln!(self.stderr(), "{s}warning:{s:#} {message}");
    }

    /// `error: …` on stderr.
    pub fn error(&self, message: impl Display) {
        let s = style::ERROR;
        let _ = writeln!(self.stderr(), "{s}error:{s:#} {message}");
    }

    /// Text on stderr as it is (a report of findings, a prompt), styles decided as for
    /// every other line.
    pub fn raw_stderr(&self) -> AutoStream<std::io::StderrLock<'static>> {
        self.stderr()
    }

    /// Whether to draw the progress display: stderr is a terminal, and neither `--quiet` nor
    /// `--no-progress` was given.
    pub fn progress(&self, no_progress: bool) -> bool {
        self.stderr_terminal && !self.quiet && !no_progress
    }

    /// How located diagnostics (an environment file's errors) are drawn: Unicode when stderr
    /// is a terminal or colour is forced, plain ASCII otherwise; coloured as stderr is.
    pub fn diagnostics(&self) -> miette::GraphicalReportHandler {
        let coloured = self.stderr().current_choice() != anstream::ColorChoice::Never;
        let theme = match (coloured, self.stderr_terminal) {
            (true, _) => miette::GraphicalTheme::unicode(),
            (false, true) => miette::GraphicalTheme::unicode_nocolor(),
            (false, false) => miette::GraphicalTheme::none(),
        };
        miette::GraphicalReportHandler::new_themed(theme)
    }
}

/// Colours a plan's lines by their marker as they pass.
struct Highlight<W: Write> {
    out: W,
    line: Vec<u8>,
}

impl<W: Write> Highlight<W> {
    fn flush_line(&mut self) -> std::io::Result<()> {
        let line = String::from_utf8_lossy(&self.line).into_owned();
        self.line.clear();
        self.out.write_all(highlight(&line).as_bytes())
    }
}

impl<W: Write> Write for Highlight<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        for chunk in buf.split_inclusive(|b| *b == b'\n') {
            self.line.extend_from_slice(chunk);
            if chunk.ends_with(b"\n") {
                self.flush_line()?;
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.line.is_empty() {
            self.flush_line()?;
        }
        self.out.flush()
    }
}

impl<W: Write> Drop for Highlight<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// One plan line with its marker and `BLOCKED` styled.
fn highlight(line: &str) -> String {
    let body = line.trim_start_matches(' ');
    let indent = &line[..line.len() - body.len()];
    let marker = match body.as_bytes() {
        [m, b' ', ..] if !indent.is_empty() => Some(*m),
        _ => None,
    };
    let marker_style = match marker {
        Some(b'+') => Some(style::ADD),
        Some(b'~') => Some(style::CHANGE),
        Some(b'-' | b'!') => Some(style::REMOVE),
        Some(b'<' | b'?') => Some(style::OTHER),
        _ => None,
    };
    let mut out = match marker_style {
        Some(s) => format!("{indent}{s}{}{s:#}{}", &body[..1], &body[1..]),
        None => line.to_owned(),
    };
    if out.contains(" BLOCKED") {
        let s = style::ERROR;
        out = out.replace(" BLOCKED", &format!(" {s}BLOCKED{s:#}"));
    }
    if let Some(rest) = out.strip_prefix("blocked:") {
        let s = style::ERROR;
        out = format!("{s}blocked:{s:#}{rest}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::highlight;

    /// What a styled line shows once the styles are stripped.
    fn plain(s: &str) -> String {
        anstream::adapter::strip_str(s).to_string()
    }

    #[test]
    fn markers_are_coloured_and_the_text_is_unchanged() {
        for line in [
            "  + AWS::S3::Bucket DataBucket\n",
            "  ~ AWS::Logs::LogGroup TrailLogGroup [replaced] BLOCKED\n",
            "  - AWS::Logs::LogGroup Old BLOCKED\n",
            "  ! AWS::Logs::LogGroup x: allow with `--allow-remove audit/x`\n",
            "  < AWS::S3::Bucket Imported\n",
            "blocked: 2 changes would replace or remove data-bearing resources\n",
            "0 to add, 1 to change, 1 to remove\n",
            "      LogGroupName: \"a\" -> \"b\"\n",
        ] {
            assert_eq!(plain(&highlight(line)), line);
        }
        assert!(highlight("  + AWS::S3::Bucket B\n").contains("\u{1b}[32m+"));
        assert!(highlight("  - X y BLOCKED\n").contains("\u{1b}[1m\u{1b}[31mBLOCKED"));
        // A value that starts with a sign is not a marker: no indentation before it.
        assert_eq!(highlight("-1 to go\n"), "-1 to go\n");
    }
}
