//! Objects in the assets bucket: the Glue scripts (content-addressed, uploaded only when
//! missing) and templates too large to pass inline.

use aws_sdk_cloudformation::operation::create_change_set::builders::CreateChangeSetFluentBuilder;
use aws_sdk_cloudformation::operation::create_stack::builders::CreateStackFluentBuilder;
use aws_sdk_cloudformation::operation::update_stack::builders::UpdateStackFluentBuilder;
use aws_sdk_cloudformation::types::Tag;
use aws_sdk_s3::primitives::ByteStream;
use serde::Serialize;

use crate::error::aws;
use crate::state::TEMPLATE_SHA_TAG;
use crate::{Error, Inner};

/// The object metadata key holding an object's sha256.
const SHA_METADATA: &str = "sha256";

/// One asset checked before a stack that references it was deployed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AssetOutcome {
    /// The object key in the assets bucket.
    pub key: String,
    /// Its size.
    pub bytes: usize,
    /// Whether it was uploaded now (false: already there with the same sha256).
    pub uploaded: bool,
}

/// How a template reaches CloudFormation.
pub(crate) enum TemplateSource {
    /// Inline (`TemplateBody`).
    Body(String),
    /// Through the assets bucket (`TemplateURL`).
    Url(String),
}

impl TemplateSource {
    pub(crate) fn apply_to_change_set(
        self,
        b: CreateChangeSetFluentBuilder,
    ) -> CreateChangeSetFluentBuilder {
        match self {
            TemplateSource::Body(t) => b.template_body(t),
            TemplateSource::Url(u) => b.template_url(u),
        }
    }

    pub(crate) fn apply_to_create(self, b: CreateStackFluentBuilder) -> CreateStackFluentBuilder {
        match self {
            TemplateSource::Body(t) => b.template_body(t),
            TemplateSource::Url(u) => b.template_url(u),
        }
    }

    pub(crate) fn apply_to_update(self, b: UpdateStackFluentBuilder) -> UpdateStackFluentBuilder {
        match self {
            TemplateSource::Body(t) => b.template_body(t),
            TemplateSource::Url(u) => b.template_url(u),
        }
    }
}

impl Inner {
    /// The stack tags: the manifest's, plus the template's sha256.
    pub(crate) fn stack_tags(&self, index: usize) -> Vec<Tag> {
        let s = &self.rendered.stacks[index];
        self.rendered
            .manifest
            .stack_tags
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain([(TEMPLATE_SHA_TAG, s.sha256.as_str())])
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect()
    }

    /// Inline when the template fits, otherwise uploaded to the assets bucket (once per
    /// content) and passed by URL. The assets bucket must exist by then: it does for every
    /// stack that deploys after the storage stack.
    pub(crate) async fn template_source(&self, index: usize) -> Result<TemplateSource, Error> {
        let s = &self.rendered.stacks[index];
        if s.yaml.len() <= self.options.inline_template_limit {
            return Ok(TemplateSource::Body(s.yaml.clone()));
        }
        let storage = self.names.stack("storage");
        if !self.deploys_after(index, &storage) {
            return Err(Error::Template {
                stack: s.name.clone(),
                problem: format!(
                    "the template is {} bytes, over the {}-byte inline limit, and the stack deploys before the assets bucket of `{storage}` exists",
                    s.yaml.len(),
                    self.options.inline_template_limit
                ),
            });
        }
        let key = format!("templates/{}-{}.yaml", s.name, &s.sha256[..16]);
        self.ensure_object(&key, s.yaml.as_bytes().to_vec(), &s.sha256, "text/yaml")
            .await?;
        Ok(TemplateSource::Url(self.object_url(&key)))
    }

    /// Whether a stack depends on another, directly or through others.
    fn deploys_after(&self, index: usize, other: &str) -> bool {
        let stacks = &self.rendered.manifest.stacks;
        let mut todo = vec![index];
        let mut seen = vec![false; stacks.len()];
        while let Some(i) = todo.pop() {
            for d in &stacks[i].depends_on {
                if d == other {
                    return true;
                }
                if let Some(j) = stacks.iter().position(|s| &s.name == d) {
                    if !std::mem::replace(&mut seen[j], true) {
                        todo.push(j);
                    }
                }
            }
        }
        false
    }

    /// The URL CloudFormation fetches an object of the assets bucket from.
    fn object_url(&self, key: &str) -> String {
        let bucket = &self.assets_bucket;
        match self.clients.endpoint() {
            // moto serves its S3 objects to CloudFormation on `localhost`, not `127.0.0.1`.
            Some(endpoint) => format!(
                "{}/{bucket}/{key}",
                endpoint
                    .trim_end_matches('/')
                    .replace("://127.0.0.1", "://localhost")
            ),
            None => {
                let suffix = if self.env.region.starts_with("cn-") {
                    "amazonaws.com.cn"
                } else {
                    "amazonaws.com"
                };
                format!("https://{bucket}.s3.{}.{suffix}/{key}", self.env.region)
            }
        }
    }

    /// Upload every asset the stack's template refers to, unless already there.
    pub(crate) async fn ensure_assets_for(&self, index: usize) -> Result<Vec<AssetOutcome>, Error> {
        let yaml = &self.rendered.stacks[index].yaml;
        let mut out = Vec::new();
        for asset in &self.rendered.manifest.assets {
            if !yaml.contains(&asset.key) {
                continue;
            }
            let uploaded = self
                .ensure_object(
                    &asset.key,
                    asset.content.to_vec(),
                    &asset.sha256,
                    "text/x-python",
                )
                .await?;
            out.push(AssetOutcome {
                key: asset.key.clone(),
                bytes: asset.bytes,
                uploaded,
            });
        }
        Ok(out)
    }

    /// Put an object unless `HeadObject` shows it with the same sha256. True if uploaded.
    async fn ensure_object(
        &self,
        key: &str,
        content: Vec<u8>,
        sha256: &str,
        content_type: &str,
    ) -> Result<bool, Error> {
        let s3 = &self.clients.s3;
        let bucket = &self.assets_bucket;
        match s3.head_object().bucket(bucket).key(key).send().await {
            Ok(head)
                if head
                    .metadata()
                    .and_then(|m| m.get(SHA_METADATA))
                    .map(String::as_str)
                    == Some(sha256) =>
            {
                return Ok(false)
            }
            Ok(_) => {}
            Err(e) if e.as_service_error().is_some_and(|se| se.is_not_found()) => {}
            Err(e) => return Err(aws("s3:HeadObject", e)),
        }
        s3.put_object()
            .bucket(bucket)
            .key(key)
            .content_type(content_type)
            .metadata(SHA_METADATA, sha256)
            .body(ByteStream::from(content))
            .send()
            .await
            .map_err(|e| aws("s3:PutObject", e))?;
        Ok(true)
    }
}
