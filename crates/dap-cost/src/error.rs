//! The crate's one error type.

/// Why an estimate could not be made. Every variant names what to fix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CostError {
    /// The price table is not valid JSON of the expected shape.
    #[error("the price table `{file}` cannot be read: {message}")]
    PriceTable {
        /// The table's file in the repository.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// The price table lacks keys the estimate refers to.
    #[error("the price table `{file}` lacks {}: add them (docs/cost.md, \"The price table\")", quoted(.keys))]
    MissingPrices {
        /// The table's file in the repository.
        file: String,
        /// Every missing key.
        keys: Vec<String>,
    },
    /// A price of the table has a value the estimate cannot use.
    #[error("price `{key}` in `{file}` is unusable: {why}")]
    BadPrice {
        /// The table's file in the repository.
        file: String,
        /// The price key.
        key: String,
        /// What is wrong with it.
        why: String,
    },
    /// One price the estimate needs is not in the table.
    #[error("price `{key}` is not in the price table for `{region}` (`{}`)", crate::prices::file_of(.region))]
    MissingPrice {
        /// The price key.
        key: String,
        /// The table's region (its file is `crates/dap-cost/data/prices-<region>.json`).
        region: String,
    },
    /// The repository ships no price table for the environment's region.
    #[error("there is no price table for region `{region}`; dap ships {}", quoted(.shipped))]
    NoPriceTable {
        /// The region asked for.
        region: String,
        /// The regions that have one.
        shipped: Vec<String>,
    },
    /// A resource type that is neither priced nor listed as free: a new type cannot be
    /// silently free.
    #[error("`{logical_id}` in stack `{stack}` has type `{resource_type}`, which dap-cost neither prices nor lists as free; add it to `PRICED` (with its pricing) or to `FREE` (with the reason) in crates/dap-cost/src/types.rs")]
    UnknownType {
        /// The stack.
        stack: String,
        /// The resource's logical id.
        logical_id: String,
        /// Its type.
        resource_type: String,
    },
    /// An EC2 instance type without an hourly price in the table.
    #[error("`{logical_id}` in stack `{stack}` is a `{instance_type}` instance, but the price table for `{region}` (`{}`) has no `{key}`; add that price to the table", crate::prices::file_of(.region))]
    UnknownInstanceType {
        /// The stack.
        stack: String,
        /// The instance's logical id.
        logical_id: String,
        /// The instance type.
        instance_type: String,
        /// The price key looked for (`ec2.<type>_hour`).
        key: String,
        /// The table's region (its file is `crates/dap-cost/data/prices-<region>.json`).
        region: String,
    },
    /// A priced type in a shape the estimate cannot price (a high-resolution alarm, an
    /// unknown Glue worker type, a schedule it cannot read, ...).
    #[error("cannot price `{logical_id}` (`{resource_type}`) in stack `{stack}`: {why}")]
    Unpriceable {
        /// The stack.
        stack: String,
        /// The resource's logical id.
        logical_id: String,
        /// Its type.
        resource_type: String,
        /// Why.
        why: String,
    },
    /// A template text that is neither YAML nor JSON.
    #[error("the template of stack `{stack}` cannot be read: {message}")]
    Template {
        /// The stack.
        stack: String,
        /// The parser's message.
        message: String,
    },
}

fn quoted(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
