//! What can stop a check: input that is not a template the rules can read. Findings are never
//! errors; they are data in a [`crate::Report`].

/// The crate's error.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RulesError {
    /// A template that is neither YAML nor JSON.
    #[error("cannot read `{file}` as YAML or JSON: {message}")]
    Parse {
        /// The file.
        file: String,
        /// The parser's message.
        message: String,
    },
    /// The rule docs templates failed to render.
    #[error("cannot render the rule docs template `{template}`: {message}")]
    Docs {
        /// The tera template.
        template: String,
        /// What went wrong, with its causes.
        message: String,
    },
}
