//! A temp folder with a copy of the shipped environments, and a command builder for `dap`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
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

/// A moto server of this test binary's pool, reset, held for the whole test (tests that
/// deploy run side by side, each on its own server). Fails, never skips, when moto is
/// missing (run `scripts/venv.sh`).
pub fn moto() -> std::sync::MutexGuard<'static, dap_moto::Moto> {
    static POOL: dap_moto::Pool = dap_moto::Pool::new();
    POOL.take()
}

impl Workspace {
    /// Run `dap` against a moto server: its endpoint through `AWS_ENDPOINT_URL` (which wins
    /// over the environment file's), placeholder keys, no shared config files, no instance
    /// metadata; standard input is not a terminal.
    pub fn dap_on(&self, moto: &dap_moto::Moto, args: &[&str]) -> Run {
        let output = self.command_on(moto.endpoint(), args).output().unwrap();
        Run { output }
    }

    /// The command [`dap_on`](Self::dap_on) runs, against any endpoint (a fault-injecting
    /// proxy in front of moto), to spawn or run.
    pub fn command_on(&self, endpoint: &str, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_dap"));
        command
            .args(args)
            .current_dir(self.path())
            .env("NO_COLOR", "1")
            .env("AWS_ENDPOINT_URL", endpoint)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_CONFIG_FILE", self.path().join("no-aws-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.path().join("no-aws-credentials"),
            )
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_REGION")
            .env_remove("AWS_DEFAULT_REGION")
            .env_remove("AWS_SESSION_TOKEN");
        command
    }
}
