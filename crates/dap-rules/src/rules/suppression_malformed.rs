use super::prelude::*;

rule! {
    /// Flags a suppression in a resource's metadata that cannot be read: not a list of
    /// `{rule, reason}` entries, or with an empty reason.
    ///
    /// ## What it checks
    ///
    /// A resource's `Metadata.dap` is a mapping with only `suppress`, a list whose entries
    /// have exactly a text `rule` and a non-empty text `reason`. Malformed entries suppress
    /// nothing. (Suppressions in environment files are checked when the file is read, with
    /// their line and column.)
    ///
    /// ## Why
    ///
    /// An exception without a reason cannot be reviewed, and a misshapen one would otherwise
    /// be silently ignored, leaving the author believing the finding is accepted.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// Metadata:
    ///   dap:
    ///     suppress:
    ///       - rule: DAP-S3-007
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// Metadata:
    ///   dap:
    ///     suppress:
    ///       - rule: DAP-S3-007
    ///         reason: the access-log bucket receives the other buckets' access logs and cannot log to itself
    /// ```
    ///
    /// ## Remediation
    ///
    /// Write each suppression as `{rule: <code>, reason: <why the rule cannot apply>}`.
    ///
    /// ## References
    ///
    /// - `docs/rules/README.md`, "Suppressions"
    SuppressionMalformed {
        code: codes::SUPPRESSION_MALFORMED,
        name: "suppression-malformed",
        severity: Error,
        fix: "write each suppression as {rule: <code>, reason: <non-empty text>} under Metadata.dap.suppress",
    }
}

fn problems(dap: &Value) -> Vec<String> {
    let Some(map) = dap.as_object() else {
        return vec![format!("`Metadata.dap` is `{}`, not a mapping", show(dap))];
    };
    let mut out: Vec<String> = map
        .keys()
        .filter(|k| *k != "suppress")
        .map(|k| format!("`Metadata.dap` has the unknown key `{k}`"))
        .collect();
    let Some(list) = map.get("suppress") else {
        return out;
    };
    let Some(list) = list.as_array() else {
        out.push("`Metadata.dap.suppress` is not a list".to_owned());
        return out;
    };
    for (i, e) in list.iter().enumerate() {
        let at = format!("`Metadata.dap.suppress[{i}]`");
        let Some(entry) = e.as_object() else {
            out.push(format!("{at} is not a mapping"));
            continue;
        };
        for k in entry
            .keys()
            .filter(|k| !matches!(k.as_str(), "rule" | "reason"))
        {
            out.push(format!("{at} has the unknown key `{k}`"));
        }
        if text(&e["rule"]).is_none() {
            out.push(format!("{at} has no `rule`"));
        }
        if text(&e["reason"]).is_none_or(|r| r.trim().is_empty()) {
            out.push(format!("{at} has no reason"));
        }
    }
    out
}

impl Rule for SuppressionMalformed {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for r in cx.resources() {
            let dap = &r.body["Metadata"]["dap"];
            if is_set(dap) {
                for p in problems(dap) {
                    out.push(Hit::on(&r, p));
                }
            }
        }
    }
}
