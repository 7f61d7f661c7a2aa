use super::prelude::*;

rule! {
    /// Flags a suppression that matches no finding.
    ///
    /// ## What it checks
    ///
    /// Every suppression, in an environment file's `suppressions` list or in a resource's
    /// `Metadata: {dap: {suppress: [...]}}`, accepts at least one finding of a real rule on a
    /// resource that exists. `dap check` applies the suppressions after every other rule has
    /// run and reports each unused one with why it matched nothing: no such rule, no such
    /// stack or resource, or the rule found nothing wrong there.
    ///
    /// ## Why
    ///
    /// A stale suppression is a standing exception waiting for the problem to come back: when
    /// the resource is fixed, renamed or removed, its suppression must go too, or it silently
    /// accepts the next regression. A misspelt rule code would otherwise look like an accepted
    /// exception while suppressing nothing. (ruff's `RUF100` does the same for `noqa`.)
    ///
    /// ## Example
    ///
    /// Failing: the raw bucket logs its access, so there is nothing to suppress.
    ///
    /// ```yaml
    /// suppressions:
    ///   - rule: DAP-S3-007
    ///     stack: storage
    ///     resource: RawBucket
    ///     reason: the raw zone is written by Glue only
    /// ```
    ///
    /// Passing: no suppression, or one that accepts a finding.
    ///
    /// ```yaml
    /// AccessLogsBucket:
    ///   Type: AWS::S3::Bucket
    ///   Metadata:
    ///     dap:
    ///       suppress:
    ///         - rule: DAP-S3-007
    ///           reason: the access-log bucket receives the other buckets' access logs and cannot log to itself
    /// ```
    ///
    /// ## Remediation
    ///
    /// Remove the suppression, or correct its rule code, stack or resource.
    ///
    /// ## References
    ///
    /// - ruff RUF100 (unused noqa): <https://docs.astral.sh/ruff/rules/unused-noqa/>
    SuppressionMatchesNothing {
        code: codes::SUPPRESSION_MATCHES_NOTHING,
        name: "suppression-matches-nothing",
        severity: Error,
        fix: "remove the suppression, or correct its rule code, stack or resource",
    }
}

impl Rule for SuppressionMatchesNothing {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    /// Checked by the engine once every other rule has run (see `engine.rs`).
    fn check(&self, _cx: &Context<'_>, _out: &mut Vec<Hit>) {}
}
