//! One read model of CloudFormation templates, rendered by the planner or written by hand,
//! shared by the rules (`dap-rules`), the auditors' reports (`dap-docs`) and the applier's
//! security diff and data-loss guard (`dap-applier`):
//!
//! - [`parse`]: YAML or JSON text (short-form intrinsics included) to one JSON shape, refusing
//!   what CloudFormation refuses (duplicate keys, several documents);
//! - [`resolve`]: `Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Join` and the SSM parameters that carry
//!   key ARNs between stacks, resolved to names and ARNs;
//! - [`policy`]: every policy document of every resource type, with its kind (identity,
//!   trust, bucket, key, topic, queue), its origin and its statements read for meaning
//!   (negated and `IfExists` operators, `NotAction`, `NotResource`, `NotPrincipal`);
//! - [`matcher`]: IAM wildcards in linear time, with the "covers" and "intersects" answers;
//! - [`eval`]: the evaluator that decides whether a principal may make a request;
//! - [`Model`]: all of it over one set of templates.
//!
//! Per-type facts (data-bearing, where policies sit, create-only properties) are declared
//! once in [`dap_cfn::facts`].
//!
//! ```
//! use dap_model::{Model, Pin};
//!
//! let storage = dap_model::parse::parse_text(r#"
//! Resources:
//!   Curated:
//!     Type: AWS::S3::Bucket
//!     Properties: {BucketName: dap-curated}
//!   CuratedPolicy:
//!     Type: AWS::S3::BucketPolicy
//!     Properties:
//!       Bucket: !Ref Curated
//!       PolicyDocument:
//!         Statement:
//!           - {Effect: Allow, Principal: "*", Action: "s3:Get*", Resource: !Sub "${Curated.Arn}/*"}
//! "#).unwrap();
//! let model = Model::new(&[("storage", &storage)], Some(Pin::new("111111111111", "ca-central-1")));
//! let s = &model.policies.statements[0];
//! assert_eq!(s.attached_to, ["dap-curated"]);
//! assert_eq!(s.resources, ["arn:aws:s3:::dap-curated/*"]);
//! assert!(model.reaches_outside(s));
//! ```
#![warn(missing_docs)]

pub mod eval;
pub mod matcher;
pub mod parse;
pub mod policy;
pub mod resolve;
pub mod semantics;

pub use dap_cfn::facts::{self, PolicyKind};
pub use policy::{
    Condition, LiveDocument, Operator, Policies, PrincipalPattern, Statement, ADMINISTRATOR,
};
pub use resolve::{Pin, Resolver, StackDoc};

use serde_json::Value;

/// The read model of one set of templates.
#[derive(Clone, Debug)]
pub struct Model<'a> {
    /// The resolver over the templates.
    pub resolver: Resolver<'a>,
    /// Every policy statement.
    pub policies: Policies,
}

impl<'a> Model<'a> {
    /// Read a set of templates (short name or file, document). Without a pin (a folder of
    /// templates), the account and region are the ones the templates name most often, and
    /// the partition follows the region.
    pub fn new(stacks: &[(&'a str, &'a Value)], pin: Option<Pin>) -> Model<'a> {
        Self::build(stacks, pin, true)
    }

    /// [`Model::new`] without each statement's YAML text (what the rules need: reading is
    /// several times faster).
    pub fn lean(stacks: &[(&'a str, &'a Value)], pin: Option<Pin>) -> Model<'a> {
        Self::build(stacks, pin, false)
    }

    fn build(stacks: &[(&'a str, &'a Value)], pin: Option<Pin>, yaml: bool) -> Model<'a> {
        let pin = pin.unwrap_or_else(|| {
            let docs = stacks.iter().map(|(_, d)| *d);
            let account = resolve::infer_account(docs.clone())
                .unwrap_or_else(|| "${AWS::AccountId}".to_owned());
            let region = resolve::infer_region(docs).unwrap_or_else(|| "${AWS::Region}".to_owned());
            Pin {
                partition: resolve::partition_of(&region).to_owned(),
                account,
                region,
            }
        });
        let resolver = Resolver::new(
            stacks
                .iter()
                .map(|(slug, doc)| StackDoc { slug, doc })
                .collect(),
            pin,
        );
        let policies = Policies::collect_with(&resolver, yaml);
        Model { resolver, policies }
    }

    /// The account, region and partition.
    pub fn pin(&self) -> &Pin {
        &self.resolver.pin
    }
}
