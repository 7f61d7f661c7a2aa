//! Typed CloudFormation: property values with intrinsic functions, policy documents,
//! one struct per resource type, and templates that render byte-for-byte deterministically.
//!
//! ```
//! use dap_cfn::{r#ref, resources::sns, ResourceEntry, Template};
//!
//! let mut t = Template::new("alarms");
//! t.add(
//!     "AlarmTopic",
//!     ResourceEntry::new(sns::Topic {
//!         topic_name: "dap-dev-alarms".into(),
//!         display_name: "dap alarms".into(),
//!         kms_master_key_id: r#ref("LogsKeyArn"),
//!         tags: vec![],
//!     }),
//! );
//! assert!(t.to_yaml().contains("Type: AWS::SNS::Topic"));
//! ```
#![warn(missing_docs)]

pub mod facts;
pub mod policy;
#[allow(missing_docs)] // field names are CloudFormation's own, documented there
pub mod resources;
mod template;
mod value;

pub use template::{
    Metadata, Output, Parameter, Policy, Resource, ResourceEntry, Skip, Suppression, Template,
};
pub use value::{base64, get_att, join, r#ref, sub, Expr, Value};
