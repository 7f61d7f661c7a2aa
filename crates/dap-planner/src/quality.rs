//! The data-quality rulesets, read from `pipelines/quality/<dataset>/<table>.dqdl` (never
//! copied into Rust strings): one file per table, in AWS Glue's Data Quality Definition
//! Language. The planner renders each into an `AWS::Glue::DataQualityRuleset` on its catalog
//! table; the Glue jobs fetch the deployed ruleset by name and evaluate it with
//! `EvaluateDataQuality`, and locally `pipelines/glue/dataquality.py` evaluates the same files
//! (its tests prove it agrees with AWS on every rule). Results go to the job's quality summary
//! and to the CloudWatch metric [`METRIC`] in [`Names::quality_namespace`], whose alarms notify
//! the platform's topic.

use crate::names::Names;
use crate::schema;

/// A table's ruleset.
#[derive(Debug, Clone, Copy)]
pub struct Ruleset {
    /// The dataset, as environments name it.
    pub dataset: &'static str,
    /// The catalog table the rules are about.
    pub table: &'static str,
    /// The DQDL text, exactly as the file holds it.
    pub dqdl: &'static str,
}

/// The metric the jobs publish: the number of rules that failed in a run (dimension
/// `JobName`); [`METRIC_EVALUATED`] is how many were evaluated.
pub const METRIC: &str = "RulesFailed";
/// The companion metric: rules evaluated in a run.
pub const METRIC_EVALUATED: &str = "RulesEvaluated";

impl Ruleset {
    /// The job that evaluates it: `clean` for raw tables (before it writes them), `curate`
    /// for curated ones.
    pub fn job(&self) -> &'static str {
        let raw = schema::tables(self.dataset)
            .iter()
            .any(|t| t.name == self.table && t.zone == "raw");
        if raw {
            "clean"
        } else {
            "curate"
        }
    }

    /// The file it is read from, relative to the repository.
    pub fn path(&self) -> String {
        format!("pipelines/quality/{}/{}.dqdl", self.dataset, self.table)
    }

    /// The deployed ruleset's name.
    pub fn name(&self, names: &Names) -> String {
        names.quality_ruleset(self.dataset, self.table)
    }

    /// Each rule as written (whitespace collapsed), in order: the top-level items of
    /// `Rules = [ ... ]`, comments (`#` to the end of a line) left out.
    pub fn rules(&self) -> Vec<String> {
        split_rules(self.dqdl)
    }
}

/// The rules of a DQDL text: the top-level, comma-separated items between the first `[` and
/// its closing `]`, outside quotes, brackets and parentheses, whitespace collapsed; comment
/// lines (`#`) left out.
pub fn split_rules(dqdl: &str) -> Vec<String> {
    let text: String = dqdl
        .lines()
        .map(|l| {
            if l.trim_start().starts_with('#') {
                ""
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let Some(start) = text.find('[') else {
        return Vec::new();
    };
    let (mut rules, mut current, mut depth, mut quoted) = (Vec::new(), String::new(), 0u32, false);
    let mut push = |current: &mut String| {
        let rule = current.split_whitespace().collect::<Vec<_>>().join(" ");
        if !rule.is_empty() {
            rules.push(rule);
        }
        current.clear();
    };
    for c in text[start + 1..].chars() {
        match c {
            '"' => quoted = !quoted,
            '[' | '(' if !quoted => depth += 1,
            ']' if !quoted && depth == 0 => break,
            ']' | ')' if !quoted => depth = depth.saturating_sub(1),
            ',' if !quoted && depth == 0 => {
                push(&mut current);
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    push(&mut current);
    rules
}

macro_rules! rulesets {
    ($($dataset:literal => [$($table:literal),* $(,)?],)*) => {
        /// Every ruleset, in template order.
        pub const RULESETS: &[Ruleset] = &[$($(Ruleset {
            dataset: $dataset,
            table: $table,
            dqdl: include_str!(concat!("../../../pipelines/quality/", $dataset, "/", $table, ".dqdl")),
        },)*)*];
    };
}

rulesets! {
    "business-licences" => [
        "licences",
        "licences_by_month",
        "fees_by_business_type",
        "licences_by_local_area",
        "status_by_year",
        "business_types_by_year",
    ],
}

/// The rulesets of a dataset's tables that `job` evaluates.
pub fn for_job<'a>(dataset: &'a str, job: &'a str) -> impl Iterator<Item = &'static Ruleset> + 'a {
    RULESETS
        .iter()
        .filter(move |r| r.dataset == dataset && r.job() == job)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ruleset_names_a_table_of_its_schema_and_has_rules() {
        for r in RULESETS {
            assert!(
                schema::tables(r.dataset).iter().any(|t| t.name == r.table),
                "{}: no such table",
                r.path()
            );
            let first = r
                .dqdl
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty() && !l.starts_with('#'));
            assert!(
                first.is_some_and(|l| l.starts_with("Rules = [")),
                "{}",
                r.path()
            );
            assert!(!r.rules().is_empty(), "{}", r.path());
        }
    }

    #[test]
    fn every_table_of_a_schema_has_a_ruleset() {
        for d in schema::datasets() {
            for t in &d.tables {
                assert!(
                    RULESETS
                        .iter()
                        .any(|r| r.dataset == d.dataset && r.table == t.name),
                    "pipelines/quality/{}/{}.dqdl is missing",
                    d.dataset,
                    t.name
                );
            }
        }
    }

    #[test]
    fn rules_split_at_top_level_commas_only() {
        let text = "# about\nRules = [\n  IsComplete \"a\",\n  # a comment, with a comma\n  ColumnValues \"b\" in [\"x, y\", \"z\"],\n  CustomSql \"select count(*) from primary where f(a, b)\" = 0\n]\n";
        assert_eq!(
            split_rules(text),
            vec![
                "IsComplete \"a\"",
                "ColumnValues \"b\" in [\"x, y\", \"z\"]",
                "CustomSql \"select count(*) from primary where f(a, b)\" = 0",
            ]
        );
    }

    #[test]
    fn raw_tables_are_checked_by_clean_and_curated_by_curate() {
        let clean: Vec<_> = for_job("business-licences", "clean")
            .map(|r| r.table)
            .collect();
        assert_eq!(clean, ["licences"]);
        assert_eq!(for_job("business-licences", "curate").count(), 5);
    }
}
