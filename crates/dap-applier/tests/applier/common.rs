//! Shared helpers: environments, one moto server per test binary, clients pointed at it.

use std::sync::MutexGuard;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region};
use aws_sdk_sts::config::Credentials;
use dap_applier::{Applier, Clients, Error, Options};
use dap_config::Environment;
use dap_moto::Moto;

/// A shipped environment file's text.
pub fn env_text(name: &str) -> String {
    dap_testkit::shipped_named(name).text
}

/// Parse an environment from text.
pub fn env_from(name: &str, text: &str) -> Environment {
    dap_config::parse(&format!("{name}.yaml"), text).unwrap()
}

/// A shipped environment.
pub fn env(name: &str) -> Environment {
    env_from(name, &env_text(name))
}

/// A moto server of this test binary's pool, reset, held for the whole test (tests that
/// deploy run side by side, each on its own server). Fails, never skips, when moto is missing.
pub fn moto() -> MutexGuard<'static, Moto> {
    static POOL: dap_moto::Pool = dap_moto::Pool::new();
    POOL.take()
}

/// Clients for a moto endpoint, with placeholder credentials.
pub async fn moto_clients(endpoint: &str, region: &str) -> Clients {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
        .load()
        .await;
    Clients::from_sdk_config(&config)
}

/// Fast polling for tests.
pub fn fast() -> Options {
    Options {
        poll_interval: Duration::from_millis(10),
        timeout: Duration::from_secs(60),
        ..Options::default()
    }
}

/// An applier for an environment against a moto endpoint.
pub async fn on_moto(moto: &Moto, env: &Environment, options: Options) -> Result<Applier, Error> {
    let clients = moto_clients(moto.endpoint(), &env.region).await;
    let rendered = dap_planner::render(env).unwrap();
    Applier::connect(clients, env, rendered, options).await
}

/// A single-threaded runtime for one test.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}
