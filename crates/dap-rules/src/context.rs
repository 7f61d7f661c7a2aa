//! What a rule sees: every template of one environment (or folder), the environment when it is
//! known, and lookups across templates (references, the SSM parameters that carry key ARNs
//! between stacks, buckets by name).

use dap_config::Environment;
use dap_model::{Model, Pin};
use serde_json::Value;

use crate::template::{Res, Template};
use crate::value::{items, text};

/// The data-lake zones whose buckets hold the City's data (the trail records their object
/// events; the landing zone's objects expire).
pub const DATA_ZONES: &[&str] = &["landing", "raw", "curated"];

/// The buckets whose object events the trail must record: the data lake, the query results,
/// and the assets (the Glue scripts that run with data access).
pub const AUDITED_ZONES: &[&str] = &["landing", "raw", "curated", "athena-results", "assets"];

/// The templates under check.
pub struct Context<'a> {
    /// Every template, in the order given.
    pub templates: &'a [Template<'a>],
    /// The environment, when the templates were rendered from one (`dap check --env`); absent
    /// for a folder of templates (`dap check --templates`).
    pub env: Option<&'a Environment>,
    /// The shared read model of the templates: references resolved across stacks, every
    /// policy statement read for meaning. The account and region are the environment's, or
    /// the ones a folder of templates names most often.
    pub model: Model<'a>,
}

impl<'a> Context<'a> {
    /// The context of a set of parsed templates.
    pub fn new(templates: &'a [Template<'a>], env: Option<&'a Environment>) -> Context<'a> {
        let stacks: Vec<(&'a str, &'a Value)> =
            templates.iter().map(|t| (t.source.slug, &t.doc)).collect();
        let pin = env.map(|e| Pin::new(&e.account_id, &e.region));
        Context {
            templates,
            env,
            model: Model::lean(&stacks, pin),
        }
    }

    /// What `Ref` to a resource stands for (a bucket's name, a topic's ARN), resolved.
    pub fn ref_of(&self, r: &Res<'_>) -> Option<String> {
        let v = serde_json::json!({ "Ref": r.id });
        self.model.resolver.resolve(r.template.index, &v)
    }

    /// A resource's ARN (`Fn::GetAtt [id, Arn]`), resolved.
    pub fn arn_of(&self, r: &Res<'_>) -> Option<String> {
        let v = serde_json::json!({ "Fn::GetAtt": [r.id, "Arn"] });
        self.model.resolver.resolve(r.template.index, &v)
    }

    /// The statements of one kind governing or attached to a name (a bucket name, a topic
    /// ARN, a role name), wherever they are declared.
    pub fn statements_for<'s>(
        &'s self,
        kind: dap_model::PolicyKind,
        name: &'s str,
    ) -> impl Iterator<Item = &'s dap_model::Statement> + 's {
        self.model.policies.attached(kind, name)
    }

    /// The policy statements a resource holds.
    pub fn statements_of<'s>(
        &'s self,
        r: &Res<'_>,
    ) -> impl Iterator<Item = &'s dap_model::Statement> + 's {
        let (t, id) = (r.template.index, r.id.to_owned());
        self.model
            .policies
            .statements
            .iter()
            .filter(move |s| s.template == t && s.resource == id)
    }

    /// Every resource of every template.
    pub fn resources(&self) -> impl Iterator<Item = Res<'_>> + '_ {
        self.templates.iter().flat_map(|t| t.resources())
    }

    /// Every resource of a type.
    pub fn of_type<'s>(&'s self, ty: &'s str) -> impl Iterator<Item = Res<'s>> + 's {
        self.resources().filter(move |r| r.ty() == ty)
    }

    /// The resource a value points at: `Ref`/`GetAtt` to a resource of the same template, or
    /// a `Ref` to an SSM-typed parameter whose default names an `AWS::SSM::Parameter` of
    /// another template (how stacks pass key ARNs), followed to that parameter's value; the
    /// shared model's resolver decides.
    pub fn resolve<'s>(&'s self, from: &Res<'s>, v: &Value) -> Option<Res<'s>> {
        let (t, id) = self.model.resolver.target(from.template.index, v)?;
        self.templates.get(t)?.resource(id)
    }

    /// A bucket by its literal name.
    pub fn bucket_named(&self, name: &str) -> Option<Res<'_>> {
        self.of_type("AWS::S3::Bucket")
            .find(|b| b.prop("BucketName").as_str() == Some(name))
    }

    /// The bucket a value names: a reference, or a literal bucket name.
    pub fn bucket<'s>(&'s self, from: &Res<'s>, v: &Value) -> Option<Res<'s>> {
        match text(v) {
            Some(name) => self.bucket_named(name),
            None => self
                .resolve(from, v)
                .filter(|r| r.ty() == "AWS::S3::Bucket"),
        }
    }

    /// The data-lake zone of a bucket (`landing`, `raw`, `curated`), if it is one: from the
    /// environment's bucket names when known, otherwise from the platform's naming pattern
    /// `<prefix>-<zone>-<account>-<region>`.
    pub fn data_zone(&self, bucket: &Res<'_>) -> Option<&'static str> {
        let name = bucket.prop("BucketName").as_str()?;
        DATA_ZONES.iter().copied().find(|zone| match self.env {
            Some(env) => dap_config::bucket_name(env, zone) == name,
            None => name.contains(&format!("-{zone}-")),
        })
    }

    /// The audited zone of a bucket ([`AUDITED_ZONES`]), if it is one, found as
    /// [`Context::data_zone`] finds data zones.
    pub fn audited_zone(&self, bucket: &Res<'_>) -> Option<&'static str> {
        let name = bucket.prop("BucketName").as_str()?;
        AUDITED_ZONES.iter().copied().find(|zone| match self.env {
            Some(env) => dap_config::bucket_name(env, zone) == name,
            None => name.contains(&format!("-{zone}-")),
        })
    }

    /// The buckets other buckets deliver their server access logs to.
    pub fn access_log_destinations(&self) -> Vec<Res<'_>> {
        let mut out: Vec<Res<'_>> = Vec::new();
        for b in self.of_type("AWS::S3::Bucket") {
            let dest = &b.prop("LoggingConfiguration")["DestinationBucketName"];
            if let Some(d) = self.bucket(&b, dest) {
                if d.id != b.id && !out.iter().any(|x| same(x, &d)) {
                    out.push(d);
                }
            }
        }
        out
    }

    /// The region the templates deploy to, when the environment is known.
    pub fn region(&self) -> Option<&str> {
        self.env.map(|e| e.region.as_str())
    }

    /// Every value in a list property that references `target` (by `Ref`/`GetAtt`, resolved
    /// across stacks).
    pub fn references(&self, from: &Res<'_>, list: &Value, target: &Res<'_>) -> bool {
        items(list)
            .into_iter()
            .any(|v| self.resolve(from, v).is_some_and(|r| same(&r, target)))
    }
}

/// Whether two resource handles are the same resource.
pub fn same(a: &Res<'_>, b: &Res<'_>) -> bool {
    a.template.index == b.template.index && a.id == b.id
}
