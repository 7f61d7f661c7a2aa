//! The Athena named queries, read from `pipelines/athena/*.sql` (never copied into Rust
//! strings). The first line of each file, a `-- ` comment, is the query's description.
//!
//! A query may name parameters as `{{name}}`; the planner fills them from the environment
//! ([`Query::sql_for`]) before the text reaches a template, and the report builder fills the
//! same names locally. The parameters are [`PARAMETERS`]; any other `{{...}}` is a bug that
//! [`Query::sql_for`] reports.

/// A named query.
#[derive(Debug, Clone, Copy)]
pub struct Query {
    /// The query's name (the file stem).
    pub name: &'static str,
    /// Logical id in the analytics stack.
    pub logical_id: &'static str,
    /// The SQL text.
    pub sql: &'static str,
}

impl Query {
    /// The description: the first line's comment text.
    pub fn description(&self) -> &'static str {
        self.sql
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("--"))
            .map(str::trim)
            .unwrap_or(self.name)
    }
}

/// The parameters a query may use, with what they mean.
pub const PARAMETERS: &[(&str, &str)] = &[
    (
        "latest_year",
        "the latest folder year the environment lists for the dataset",
    ),
    (
        "previous_year",
        "the year before it in the environment's list (the latest year minus one when the list has one year)",
    ),
];

/// The values of [`PARAMETERS`] for a dataset's folder years.
pub fn parameters(years: &[u16]) -> Vec<(&'static str, String)> {
    let mut sorted = years.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let latest = sorted.last().copied().unwrap_or(0);
    let previous = match sorted.len() {
        0 | 1 => latest.saturating_sub(1),
        n => sorted[n - 2],
    };
    vec![
        ("latest_year", latest.to_string()),
        ("previous_year", previous.to_string()),
    ]
}

impl Query {
    /// The SQL with every `{{name}}` replaced by its value; `Err` names a placeholder that
    /// has no value (a typo in the SQL file).
    pub fn sql_for(&self, values: &[(&str, String)]) -> Result<String, String> {
        let mut out = String::with_capacity(self.sql.len());
        let mut rest = self.sql;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find("}}")
                .ok_or_else(|| format!("{}.sql: `{{{{` without `}}}}`", self.name))?;
            let key = after[..end].trim();
            let value = values
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v)
                .ok_or_else(|| format!("{}.sql: unknown parameter `{{{{{key}}}}}`", self.name))?;
            out.push_str(value);
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

macro_rules! queries {
    ($($name:literal => $id:literal,)*) => {
        /// Every named query, in template order.
        pub const QUERIES: &[Query] = &[$(Query {
            name: $name,
            logical_id: $id,
            sql: include_str!(concat!("../../../pipelines/athena/", $name, ".sql")),
        },)*];
    };
}

queries! {
    "licences_issued_per_month" => "LicencesIssuedPerMonthQuery",
    "average_fee_by_business_type" => "AverageFeeByBusinessTypeQuery",
    "top_local_areas" => "TopLocalAreasQuery",
    "status_breakdown_by_year" => "StatusBreakdownByYearQuery",
    "change_by_business_type_year_over_year" => "YearOverYearChangeByBusinessTypeQuery",
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_query_has_a_description_comment() {
        for q in super::QUERIES {
            assert!(
                q.sql.starts_with("-- "),
                "{} lacks its description line",
                q.name
            );
            assert!(!q.description().is_empty());
        }
    }

    #[test]
    fn every_placeholder_is_a_known_parameter() {
        let values = super::parameters(&[2024, 2023]);
        for q in super::QUERIES {
            let sql = q.sql_for(&values).unwrap();
            assert!(!sql.contains("{{"), "{}", q.name);
        }
    }

    #[test]
    fn the_latest_two_years_are_compared() {
        let p = |y: &[u16]| super::parameters(y);
        assert_eq!(
            p(&[2025, 2023, 2024]),
            vec![
                ("latest_year", "2025".to_owned()),
                ("previous_year", "2024".to_owned())
            ]
        );
        assert_eq!(p(&[2024])[1].1, "2023");
        let q = super::Query {
            name: "t",
            logical_id: "T",
            sql: "-- d\nSELECT {{ latest_year }}, {{nope}}",
        };
        assert_eq!(
            q.sql_for(&p(&[2024])).unwrap_err(),
            "t.sql: unknown parameter `{{nope}}`"
        );
    }
}
