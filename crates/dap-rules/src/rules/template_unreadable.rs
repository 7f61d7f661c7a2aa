use super::prelude::*;

rule! {
    /// Flags a template file that cannot be read as one CloudFormation template.
    ///
    /// ## What it checks
    ///
    /// Every file given to `dap check --templates` (or as a template's text) is one YAML or
    /// JSON document that parses: not several documents in one stream, no mapping with the
    /// same key twice (two resources with one logical id are silently merged by plain YAML
    /// readers, the last one winning, while CloudFormation refuses the template), valid
    /// UTF-8, readable by the user running the check. A file that fails is reported here, with
    /// the parser's line, and every other file is still checked.
    ///
    /// ## Why
    ///
    /// A check that stops at the first bad file hides every finding of the others; a check
    /// that merges duplicate keys judges a template CloudFormation would never deploy, and an
    /// attacker can hide a resource behind its twin.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// Resources:
    ///   RawBucket:
    ///     Type: AWS::S3::Bucket
    ///   RawBucket:
    ///     Type: AWS::S3::Bucket
    ///     Properties: {BucketName: somewhere-else}
    /// ```
    ///
    /// Passing: each logical id once, one document per file.
    ///
    /// ```yaml
    /// Resources:
    ///   RawBucket:
    ///     Type: AWS::S3::Bucket
    /// ```
    ///
    /// ## Remediation
    ///
    /// Fix the file at the line given: rename or remove the duplicate, split the documents
    /// into files, re-save as UTF-8.
    ///
    /// ## References
    ///
    /// - YAML 1.2, mapping keys are unique: <https://yaml.org/spec/1.2.2/#mapping>
    /// - CloudFormation template anatomy: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-anatomy.html>
    TemplateUnreadable {
        code: codes::TEMPLATE_UNREADABLE,
        name: "template-unreadable",
        severity: Error,
        fix: "fix the file at the line given: one document, each key once, UTF-8",
    }
}

impl Rule for TemplateUnreadable {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    /// The engine reports unreadable files itself, while it parses them.
    fn check(&self, _cx: &Context<'_>, _out: &mut Vec<Hit>) {}
}

/// The logical id a parser message names, when it is about a duplicated key
/// (`duplicate entry with key "RawBucket"`).
pub(crate) fn duplicated_key(message: &str) -> Option<String> {
    let rest = message.split("duplicate entry with key").nth(1)?;
    let quoted = rest.split('"').nth(1)?;
    Some(quoted.to_owned())
}

/// The line a parser message gives (`at line 7 column 3`).
pub(crate) fn line_of(message: &str) -> Option<usize> {
    let rest = message.split("at line ").nth(1)?;
    rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parser_messages_are_read() {
        let m = "Resources: duplicate entry with key \"RawBucket\" at line 4 column 3";
        assert_eq!(duplicated_key(m).as_deref(), Some("RawBucket"));
        assert_eq!(line_of(m), Some(4));
        assert_eq!(duplicated_key("did not find expected key"), None);
    }
}
