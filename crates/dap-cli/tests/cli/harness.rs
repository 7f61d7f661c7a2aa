//! A temp folder with a copy of the shipped environments, and a command builder for `dap`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A scratch workspace: `environments/` copied from the repository, run `dap` inside it.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let envs = dir.path().join("environments");
        std::fs::create_dir(&envs).unwrap();
        for entry in std::fs::read_dir(repo().join("environments")).unwrap() {
            let p = entry.unwrap().path();
            std::fs::copy(&p, envs.join(p.file_name().unwrap())).unwrap();
        }
        Workspace { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Overwrite (or add) an environment file.
    pub fn write_env(&self, name: &str, text: &str) {
        std::fs::write(self.path().join(format!("environments/{name}.yaml")), text).unwrap();
    }

    /// Run `dap` with these arguments in the workspace.
    pub fn dap(&self, args: &[&str]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_dap"))
            .args(args)
            .current_dir(self.path())
            .env("NO_COLOR", "1")
            .env_remove("AWS_PROFILE")
            .output()
            .unwrap();
        Run { output }
    }
}

/// A finished run.
pub struct Run {
    pub output: Output,
}

impl Run {
    pub fn code(&self) -> i32 {
        self.output.status.code().unwrap()
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }
}
