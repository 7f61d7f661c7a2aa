//! Table schemas, read from `pipelines/schema/*.json`: the one source of truth shared with the
//! Glue job scripts (whose tests check the Parquet they write against the same file).

use std::sync::OnceLock;

use serde::Deserialize;

/// One dataset's schema file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetSchema {
    /// The dataset's name, as environments name it.
    pub dataset: String,
    /// Its tables, raw and curated.
    pub tables: Vec<TableSchema>,
}

/// One table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSchema {
    /// Table name in the Glue database.
    pub name: String,
    /// `raw` or `curated`.
    pub zone: String,
    /// What a row is.
    pub description: String,
    /// Data columns.
    pub columns: Vec<ColumnSchema>,
    /// Partition columns.
    pub partition_keys: Vec<ColumnSchema>,
}

/// One column.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnSchema {
    /// Column name.
    pub name: String,
    /// Glue/Hive type.
    #[serde(rename = "type")]
    pub kind: String,
    /// What it holds.
    pub comment: String,
}

const SOURCES: &[&str] = &[include_str!(
    "../../../pipelines/schema/business_licences.json"
)];

/// Every dataset the platform has a schema for.
pub fn datasets() -> &'static [DatasetSchema] {
    static PARSED: OnceLock<Vec<DatasetSchema>> = OnceLock::new();
    PARSED.get_or_init(|| {
        SOURCES
            .iter()
            .map(|s| serde_json::from_str(s).expect("pipelines/schema files are valid (tested)"))
            .collect()
    })
}

/// The schema of one dataset, if the platform knows it.
pub fn dataset(name: &str) -> Option<&'static DatasetSchema> {
    datasets().iter().find(|d| d.dataset == name)
}

/// The tables of a dataset (none for an unknown dataset).
pub fn tables(name: &str) -> &'static [TableSchema] {
    dataset(name).map(|d| d.tables.as_slice()).unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    #[test]
    fn schema_files_parse_and_have_raw_and_curated_tables() {
        let d = super::dataset("business-licences").expect("business-licences schema");
        assert!(d.tables.iter().any(|t| t.zone == "raw"));
        assert!(d.tables.iter().any(|t| t.zone == "curated"));
        for t in &d.tables {
            assert!(matches!(t.zone.as_str(), "raw" | "curated"), "{}", t.name);
            assert!(!t.columns.is_empty(), "{}", t.name);
        }
    }
}
