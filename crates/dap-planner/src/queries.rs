//! The Athena named queries, read from `pipelines/athena/*.sql` (never copied into Rust
//! strings). The first line of each file, a `-- ` comment, is the query's description.

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
    "change_2023_vs_2024_by_business_type" => "Change2023Vs2024ByBusinessTypeQuery",
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
}
