//! What a command fails with. Each kind carries its exit code and how it is printed, so `main`
//! never inspects an error to choose either (as nextest's `ExpectedError` and uv's
//! `ExitStatus`).
//!
//! `CliError` deliberately does not implement `std::error::Error`: `?` cannot wrap it into an
//! `anyhow::Error` and lose its kind on the way to `main`. Functions on the way from where a
//! typed error starts (an environment file, a guard, the applier) to `main` return
//! [`Result`]; helpers that can only fail plainly keep `anyhow::Result`, which `?` turns into
//! [`CliError::Failed`].

use std::io::Write as _;

use crate::exit_code;
use crate::printer::Printer;

/// A command's failure.
#[derive(Debug)]
pub enum CliError {
    /// An environment file with errors: printed as located diagnostics, every error of the
    /// file (exit 1).
    Config(Box<dap_config::ConfigErrors>),
    /// The run was stopped on purpose: the data-loss guard, imports without `--import`, a
    /// broadening a `strict` environment must approve by name, a rule finding at error
    /// severity (exit 3).
    Blocked(String),
    /// An AWS call or the applier failed, with what the CLI was doing (exit 1); `-v` adds the
    /// service's own detail.
    Aws {
        /// What the CLI was doing, when it says more than the error (`cannot release the lock`).
        context: Option<String>,
        /// The applier's error.
        error: Box<dap_applier::Error>,
    },
    /// Anything else: one line (exit 1).
    Failed(anyhow::Error),
}

/// A command's result.
pub type Result<T, E = CliError> = std::result::Result<T, E>;

impl CliError {
    /// The process's exit code for this error (a broken pipe is not a failure: the reader of
    /// `dap plan | head` went away).
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Blocked(_) => exit_code::BLOCKED,
            _ if self.is_broken_pipe() => exit_code::SUCCESS,
            CliError::Config(_) | CliError::Aws { .. } | CliError::Failed(_) => exit_code::FAILURE,
        }
    }

    /// Whether the error is a write to a closed pipe (nothing more to say to anyone).
    pub fn is_broken_pipe(&self) -> bool {
        let CliError::Failed(err) = self else {
            return false;
        };
        err.chain().any(|e| {
            let kind = e
                .downcast_ref::<std::io::Error>()
                .map(std::io::Error::kind)
                .or_else(|| {
                    e.downcast_ref::<serde_json::Error>()
                        .and_then(serde_json::Error::io_error_kind)
                });
            kind == Some(std::io::ErrorKind::BrokenPipe)
        })
    }

    /// Print the error on stderr: a config report as located diagnostics, anything else as
    /// `error: …` on one line; with `--verbose`, an AWS error's detail follows.
    pub fn report(&self, printer: Printer) {
        match self {
            CliError::Config(errors) => {
                let summary = crate::environments::Summary(errors);
                let mut rendered = String::new();
                if printer
                    .diagnostics()
                    .render_report(&mut rendered, &summary)
                    .is_ok()
                {
                    let _ = write!(printer.raw_stderr(), "{rendered}");
                } else {
                    printer.error(errors);
                }
            }
            CliError::Blocked(reason) => printer.error(reason),
            CliError::Aws { context, error } => {
                let line = chain(error.as_ref());
                match context {
                    Some(c) => printer.error(format_args!("{c}: {line}")),
                    None => printer.error(line),
                }
                if let (true, Some(detail)) = (printer.verbose(), error.detail()) {
                    printer.notice(format_args!("detail: {detail}"));
                }
            }
            CliError::Failed(err) => printer.error(format_args!("{err:#}")),
        }
    }

    /// The error on one line, without `error: ` (a row of `dap plan --all`'s table).
    pub fn one_line(&self) -> String {
        match self {
            CliError::Config(errors) => errors
                .to_string()
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned(),
            CliError::Blocked(reason) => reason.clone(),
            CliError::Aws { context, error } => {
                let line = chain(error.as_ref());
                match context {
                    Some(c) => format!("{c}: {line}"),
                    None => line,
                }
            }
            CliError::Failed(err) => format!("{err:#}"),
        }
    }

    /// An applier error with what the CLI was doing.
    pub fn aws(error: dap_applier::Error, context: impl Into<String>) -> CliError {
        CliError::Aws {
            context: Some(context.into()),
            error: Box::new(error),
        }
    }
}

impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> Self {
        CliError::Failed(e)
    }
}

impl From<dap_applier::Error> for CliError {
    fn from(error: dap_applier::Error) -> Self {
        CliError::Aws {
            context: None,
            error: Box::new(error),
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Failed(e.into())
    }
}

impl From<dap_docs::DocsError> for CliError {
    fn from(e: dap_docs::DocsError) -> Self {
        CliError::Failed(e.into())
    }
}

impl From<serde_json::Error> for CliError {
    fn from(e: serde_json::Error) -> Self {
        CliError::Failed(e.into())
    }
}

/// An error and its sources on one line, `a: b: c` (as `anyhow`'s `{:#}`).
fn chain(error: &dyn std::error::Error) -> String {
    let mut line = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        line.push_str(": ");
        line.push_str(&s.to_string());
        source = s.source();
    }
    line
}

/// Return a [`CliError::Failed`] made like `anyhow::bail!`.
macro_rules! fail {
    ($($arg:tt)*) => {
        return Err($crate::error::CliError::Failed(anyhow::anyhow!($($arg)*)))
    };
}
pub(crate) use fail;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_its_exit_code() {
        assert_eq!(
            CliError::Blocked("x".into()).exit_code(),
            exit_code::BLOCKED
        );
        assert_eq!(
            CliError::Failed(anyhow::anyhow!("x")).exit_code(),
            exit_code::FAILURE
        );
        let pipe = std::io::Error::from(std::io::ErrorKind::BrokenPipe);
        assert_eq!(CliError::from(pipe).exit_code(), exit_code::SUCCESS);
        let wrapped = anyhow::Error::new(std::io::Error::from(std::io::ErrorKind::BrokenPipe))
            .context("cannot write the plan");
        assert_eq!(CliError::from(wrapped).exit_code(), exit_code::SUCCESS);
    }
}
