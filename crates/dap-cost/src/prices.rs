//! The price table shipped in the repository: `data/prices-<region>.json`, in the format of
//! docs/cost.md ("The price table"). Every price is per one base unit.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::CostError;

/// The regions the repository ships a price table for.
pub const REGIONS: &[&str] = &["ca-central-1"];

const CA_CENTRAL_1: &str = include_str!("../data/prices-ca-central-1.json");

/// Every price key the estimate refers to. [`PriceTable::parse`] refuses a table that lacks
/// one. EC2 instance types are looked up as `ec2.<type>_hour`; the five listed here are the
/// ones the table must have.
pub const KEYS: &[&str] = &[
    "kms.key_month",
    "kms.request",
    "s3.standard_gb_month",
    "s3.put_request",
    "s3.get_request",
    "glue.etl_dpu_hour",
    "glue.crawler_dpu_hour",
    "glue.catalog_object_month",
    "glue.catalog_request",
    "athena.tb_scanned",
    "cloudtrail.data_event",
    "cloudtrail.management_event",
    "cloudwatch.alarm_month",
    "cloudwatch.metric_month",
    "cloudwatch.dashboard_month",
    "cloudwatch.request",
    "logs.ingest_gb",
    "logs.storage_gb_month",
    "sns.email_notification",
    "sns.request",
    "events.custom_event",
    "ec2.t3.micro_hour",
    "ec2.t3.small_hour",
    "ec2.t3.medium_hour",
    "ec2.t3.large_hour",
    "ec2.m5.large_hour",
    "ebs.gp3_gb_month",
    "budgets.budget_day",
];

/// The prices of one region.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PriceTable {
    /// The AWS region, for example `ca-central-1`.
    pub region: String,
    /// The currency of every price: `USD`.
    pub currency: String,
    /// The prices by key (`glue.etl_dpu_hour`), in the file's order.
    pub prices: IndexMap<String, Price>,
}

/// One price: per one `unit`, with where it comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Price {
    /// USD per one `unit`.
    pub usd: f64,
    /// The base unit: `key-month`, `request`, `GB-month`, `DPU-hour`, `TB`, `hour`, ...
    pub unit: String,
    /// What is priced, in words.
    pub description: String,
    /// The AWS Price List offer code of the bulk file holding it.
    pub offer: String,
    /// Product attributes that pick exactly one product in that offer file.
    pub filter: IndexMap<String, String>,
    /// For a tiered price, the `beginRange` of the tier used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier_begin: Option<String>,
    /// The bulk offer file's URL (or, entered by hand, the public price page).
    pub source: String,
    /// The day the price was published or entered, `YYYY-MM-DD`.
    pub as_of: String,
    /// `bulk` (written by the refresh script) or `manual`.
    pub method: String,
    /// The free allowance AWS gives, in words; the estimate ignores it.
    pub free_tier: Option<String>,
}

impl PriceTable {
    /// The table the repository ships for `region`.
    ///
    /// # Errors
    ///
    /// [`CostError::NoPriceTable`] for a region without one; the errors of [`Self::parse`]
    /// if the shipped file is broken (a test keeps it whole).
    pub fn for_region(region: &str) -> Result<PriceTable, CostError> {
        match region {
            "ca-central-1" => PriceTable::parse(CA_CENTRAL_1, &file_of(region)),
            _ => Err(CostError::NoPriceTable {
                region: region.to_owned(),
                shipped: REGIONS.iter().map(|r| (*r).to_owned()).collect(),
            }),
        }
    }

    /// Parses a table in the shipped format; `file` names it in errors.
    ///
    /// # Errors
    ///
    /// [`CostError::PriceTable`] for text that is not such a table,
    /// [`CostError::MissingPrices`] listing every key of [`KEYS`] it lacks, and
    /// [`CostError::BadPrice`] for a negative or non-finite price or an `as_of` that is not
    /// a `YYYY-MM-DD` date.
    pub fn parse(text: &str, file: &str) -> Result<PriceTable, CostError> {
        let table: PriceTable = serde_json::from_str(text).map_err(|e| CostError::PriceTable {
            file: file.to_owned(),
            message: e.to_string(),
        })?;
        let missing: Vec<String> = KEYS
            .iter()
            .filter(|k| !table.prices.contains_key(**k))
            .map(|k| (*k).to_owned())
            .collect();
        if !missing.is_empty() {
            return Err(CostError::MissingPrices {
                file: file.to_owned(),
                keys: missing,
            });
        }
        for (key, price) in &table.prices {
            let bad = |why: String| CostError::BadPrice {
                file: file.to_owned(),
                key: key.clone(),
                why,
            };
            if !price.usd.is_finite() || price.usd < 0.0 {
                return Err(bad(format!(
                    "`usd` is {}; a price is a finite number of 0 or more",
                    price.usd
                )));
            }
            if !is_date(&price.as_of) {
                return Err(bad(format!(
                    "`as_of` is `{}`; expected a date `YYYY-MM-DD`",
                    price.as_of
                )));
            }
        }
        Ok(table)
    }

    /// The repository file this table is read from: `crates/dap-cost/data/prices-<region>.json`.
    pub fn file(&self) -> String {
        file_of(&self.region)
    }

    /// One price by key.
    ///
    /// # Errors
    ///
    /// [`CostError::MissingPrice`] naming the key, the region and the file.
    pub fn price(&self, key: &str) -> Result<&Price, CostError> {
        self.prices.get(key).ok_or_else(|| CostError::MissingPrice {
            key: key.to_owned(),
            region: self.region.clone(),
        })
    }

    /// The oldest `as_of` of the table (dates in `YYYY-MM-DD` sort as text).
    pub fn oldest_as_of(&self) -> String {
        self.prices
            .values()
            .map(|p| p.as_of.as_str())
            .min()
            .unwrap_or_default()
            .to_owned()
    }
}

/// The repository file of a region's table.
pub(crate) fn file_of(region: &str) -> String {
    format!("crates/dap-cost/data/prices-{region}.json")
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_has_every_key_in_the_documented_order() {
        let table = PriceTable::for_region("ca-central-1").unwrap();
        assert_eq!(table.region, "ca-central-1");
        assert_eq!(table.currency, "USD");
        let keys: Vec<&str> = table.prices.keys().map(String::as_str).collect();
        assert_eq!(keys, KEYS);
        // Every price costs something but AWS Budgets': the Price List gives budgets without
        // actions (the platform's) at $0 a budget-day.
        assert!(table
            .prices
            .iter()
            .all(|(k, p)| p.usd > 0.0 || (k == "budgets.budget_day" && p.usd == 0.0)));
    }

    #[test]
    fn a_missing_key_is_named() {
        let text = CA_CENTRAL_1.replace("\"kms.request\"", "\"kms.requests\"");
        let err = PriceTable::parse(&text, "t.json").unwrap_err();
        assert_eq!(
            err.to_string(),
            "the price table `t.json` lacks `kms.request`: add them (docs/cost.md, \"The price table\")"
        );
        let table = PriceTable::for_region("ca-central-1").unwrap();
        assert_eq!(
            table.price("ec2.t3.nano_hour").unwrap_err().to_string(),
            "price `ec2.t3.nano_hour` is not in the price table for `ca-central-1` (`crates/dap-cost/data/prices-ca-central-1.json`)"
        );
    }

    #[test]
    fn another_region_has_no_table() {
        assert_eq!(
            PriceTable::for_region("us-east-1").unwrap_err().to_string(),
            "there is no price table for region `us-east-1`; dap ships `ca-central-1`"
        );
    }

    #[test]
    fn dates() {
        assert!(is_date("2026-01-15"));
        assert!(!is_date("2026-1-15"));
        assert!(!is_date("15/01/2026"));
    }
}
