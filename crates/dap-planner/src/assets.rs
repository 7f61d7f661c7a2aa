//! Files the platform uploads before deploying (the Glue job scripts and the reporting host's
//! report builder), with content-addressed keys: an unchanged file keeps its key, so it is
//! neither uploaded again nor a change.

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

/// Python modules the job scripts import, by module name: Glue puts each on the job's path
/// through `--extra-py-files`, so the file keeps its name (`<module>.py`) under a
/// content-addressed folder.
pub const GLUE_MODULES: &[(&str, &str, &[u8])] = &[(
    "dataquality",
    "pipelines/glue/dataquality.py",
    include_bytes!("../../../pipelines/glue/dataquality.py"),
)];

/// The asset of one of [`GLUE_MODULES`].
pub fn glue_module(name: &str) -> Asset {
    let (_, source, content) = GLUE_MODULES
        .iter()
        .find(|(n, _, _)| *n == name)
        .expect("a module of GLUE_MODULES");
    let sha256 = hex::encode(Sha256::digest(content));
    Asset {
        source,
        key: format!("glue-scripts/{}/{name}.py", &sha256[..16]),
        sha256,
        bytes: content.len(),
        content,
    }
}

/// The reporting host's software: where each file goes under the host's `/opt/dap-report/`,
/// its source and content. The host downloads them at first boot and checks their sha256.
pub const REPORT_FILES: &[(&str, &str, &[u8])] = &[
    (
        "report/__init__.py",
        "pipelines/report/__init__.py",
        include_bytes!("../../../pipelines/report/__init__.py"),
    ),
    (
        "report/__main__.py",
        "pipelines/report/__main__.py",
        include_bytes!("../../../pipelines/report/__main__.py"),
    ),
    (
        "report/queries.py",
        "pipelines/report/queries.py",
        include_bytes!("../../../pipelines/report/queries.py"),
    ),
    (
        "report/sources.py",
        "pipelines/report/sources.py",
        include_bytes!("../../../pipelines/report/sources.py"),
    ),
    (
        "report/charts.py",
        "pipelines/report/charts.py",
        include_bytes!("../../../pipelines/report/charts.py"),
    ),
    (
        "report/page.py",
        "pipelines/report/page.py",
        include_bytes!("../../../pipelines/report/page.py"),
    ),
    (
        "serve.py",
        "pipelines/report/host/serve.py",
        include_bytes!("../../../pipelines/report/host/serve.py"),
    ),
    (
        "refresh.py",
        "pipelines/report/host/refresh.py",
        include_bytes!("../../../pipelines/report/host/refresh.py"),
    ),
];

/// The asset of one of [`REPORT_FILES`], by its path on the host.
pub fn report_file(path: &str) -> Asset {
    let (_, source, content) = REPORT_FILES
        .iter()
        .find(|(p, _, _)| *p == path)
        .expect("a file of REPORT_FILES");
    let sha256 = hex::encode(Sha256::digest(content));
    let flat = path.replace('/', ".");
    let (stem, ext) = flat.rsplit_once('.').unwrap_or((&flat, ""));
    Asset {
        source,
        key: format!("reporting-host/{stem}-{}.{ext}", &sha256[..16]),
        sha256,
        bytes: content.len(),
        content,
    }
}

/// Every asset.
pub fn all() -> Vec<Asset> {
    SCRIPTS
        .iter()
        .map(|(job, _, _)| script(job))
        .chain(GLUE_MODULES.iter().map(|(name, _, _)| glue_module(name)))
        .chain(REPORT_FILES.iter().map(|(path, _, _)| report_file(path)))
        .collect()
}

#[cfg(test)]
mod tests {
    /// The host gets every module of the report package (the package lists them in
    /// `MODULES`) and the two host programs.
    #[test]
    fn the_host_gets_the_whole_report_package() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../pipelines/report");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| {
                let name = e.unwrap().file_name().into_string().unwrap();
                name.ends_with(".py").then(|| format!("report/{name}"))
            })
            .collect();
        on_disk.extend(["serve.py".to_owned(), "refresh.py".to_owned()]);
        on_disk.sort();
        let mut shipped: Vec<String> = super::REPORT_FILES
            .iter()
            .map(|(p, _, _)| (*p).to_owned())
            .collect();
        shipped.sort();
        assert_eq!(shipped, on_disk);
        let keys: std::collections::BTreeSet<String> =
            super::all().into_iter().map(|a| a.key).collect();
        assert_eq!(keys.len(), super::all().len(), "asset keys are unique");
    }
}
