//! Files the platform uploads before deploying (the Glue job scripts), with content-addressed
//! keys: an unchanged script keeps its key, so it is neither uploaded again nor a change.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// One file to upload to the assets bucket.
#[derive(Debug, Clone, Serialize)]
pub struct Asset {
    /// Path of the source file, relative to the repository root.
    pub source: &'static str,
    /// Key in the assets bucket.
    pub key: String,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    /// The content's size in bytes.
    pub bytes: usize,
    /// The content (not serialized).
    #[serde(skip)]
    pub content: &'static [u8],
}

/// The Glue job scripts, by job name.
pub const SCRIPTS: &[(&str, &str, &[u8])] = &[
    (
        "clean",
        "pipelines/glue/clean.py",
        include_bytes!("../../../pipelines/glue/clean.py"),
    ),
    (
        "curate",
        "pipelines/glue/curate.py",
        include_bytes!("../../../pipelines/glue/curate.py"),
    ),
];

/// The asset of a job's script.
pub fn script(job: &str) -> Asset {
    let (_, source, content) = SCRIPTS
        .iter()
        .find(|(name, _, _)| *name == job)
        .expect("a job the planner declares has a script");
    let sha256 = hex::encode(Sha256::digest(content));
    Asset {
        source,
        key: format!("glue-scripts/{job}-{}.py", &sha256[..16]),
        sha256,
        bytes: content.len(),
        content,
    }
}

/// Every asset.
pub fn all() -> Vec<Asset> {
    SCRIPTS.iter().map(|(job, _, _)| script(job)).collect()
}
