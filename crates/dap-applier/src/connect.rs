//! Loading the AWS configuration from the standard chain, with the environment file's part.

use aws_config::environment::EnvironmentVariableRegionProvider;
use aws_config::meta::credentials::CredentialsProviderChain;
use aws_config::meta::region::RegionProviderChain;
use aws_config::profile::{ProfileFileCredentialsProvider, ProfileFileRegionProvider};
use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_sts::config::{Credentials, SharedCredentialsProvider};
use dap_config::Environment;

use crate::Clients;

/// What the command line adds to the standard AWS configuration chain.
#[derive(Clone, Debug, Default)]
pub struct ConnectOptions {
    /// A named profile (`--profile`); otherwise `AWS_PROFILE` or `default`.
    pub profile: Option<String>,
}

/// How many times one request is tried in all (the first attempt and its retries).
pub const MAX_ATTEMPTS: u32 = 10;

/// The SDK retry configuration of every client: the standard mode (throttling errors,
/// HTTP 5xx, timeouts and dropped connections are retried; exponential backoff with full
/// jitter, from 1 s up to 20 s), [`MAX_ATTEMPTS`] attempts per request. A profile's or
/// `AWS_MAX_ATTEMPTS`/`AWS_RETRY_MODE` settings do not override it. Connections refused or
/// not made within [`CONNECT_TIMEOUT`](crate::CONNECT_TIMEOUT) get a much smaller budget
/// ([`ConnectBudget`](crate::ConnectBudget)), so a wrong or dead endpoint fails in seconds.
pub fn retry_config() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(MAX_ATTEMPTS)
        .with_initial_backoff(std::time::Duration::from_secs(1))
        .with_max_backoff(std::time::Duration::from_secs(20))
}

/// Load the AWS configuration for an environment and build the clients.
///
/// Everything comes from `aws-config`'s standard chain (`AWS_PROFILE`/`--profile`,
/// `AWS_REGION`, `AWS_ENDPOINT_URL`, the shared config and credentials files, and the
/// container and instance credential providers), with three additions:
///
/// - **Region**: the environment variables, then the profile, then the environment file's
///   region (never the instance metadata service). A configured region that differs from the
///   environment's is refused by [`Applier::connect`](crate::Applier::connect).
/// - **Endpoint**: an endpoint from the chain (`AWS_ENDPOINT_URL`, a profile's
///   `endpoint_url`) wins; otherwise the environment file's `endpoint_url`, if any.
/// - **Credentials for a local endpoint**: when the endpoint comes from the environment file
///   (a local moto server), credentials are taken from the environment variables or the
///   profile, else fixed placeholder keys; the container and instance providers, which would
///   reach for the network, are not consulted.
pub async fn load_clients(env: &Environment, options: &ConnectOptions) -> Clients {
    let region = || {
        let mut profile_region = ProfileFileRegionProvider::builder();
        if let Some(p) = &options.profile {
            profile_region = profile_region.profile_name(p);
        }
        RegionProviderChain::first_try(EnvironmentVariableRegionProvider::new())
            .or_else(profile_region.build())
            .or_else(Region::new(env.region.clone()))
    };
    let credentials = crate::credentials::chain(options.profile.as_deref(), region()).await;
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(region())
        .credentials_provider(credentials)
        .retry_config(retry_config())
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(crate::budget::CONNECT_TIMEOUT)
                .build(),
        );
    if let Some(p) = &options.profile {
        loader = loader.profile_name(p);
    }
    let config = loader.load().await;
    let config = match (config.endpoint_url(), &env.endpoint_url) {
        (None, Some(url)) => {
            let mut profile_credentials = ProfileFileCredentialsProvider::builder();
            if let Some(p) = &options.profile {
                profile_credentials = profile_credentials.profile_name(p);
            }
            let credentials = CredentialsProviderChain::first_try(
                "Environment",
                aws_config::environment::EnvironmentVariableCredentialsProvider::new(),
            )
            .or_else("Profile", profile_credentials.build())
            .or_else(
                "LocalEndpointPlaceholder",
                Credentials::new("dap-local", "dap-local", None, None, "dap-local-endpoint"),
            );
            config
                .to_builder()
                .endpoint_url(url)
                .credentials_provider(SharedCredentialsProvider::new(credentials))
                .build()
        }
        _ => config,
    };
    let Some(role) = &env.deploy_role else {
        let mut clients = Clients::from_sdk_config(&config);
        clients.profile = options.profile.clone();
        return clients;
    };
    let assumed = crate::credentials::assume_role(&config, role, &env.name).await;
    let base = config.credentials_provider();
    let config = config
        .to_builder()
        .credentials_provider(assumed.provider.clone())
        .build();
    let mut clients = Clients::from_sdk_config(&config);
    clients.profile = options.profile.clone();
    clients.credentials = base;
    clients.assumed = Some(assumed);
    clients
}

#[cfg(test)]
mod tests {
    use aws_config::retry::RetryMode;

    #[test]
    fn retries_use_the_standard_mode_with_ten_attempts_and_jittered_backoff() {
        let retry = super::retry_config();
        assert_eq!(retry.mode(), RetryMode::Standard);
        assert_eq!(retry.max_attempts(), super::MAX_ATTEMPTS);
        assert_eq!(super::MAX_ATTEMPTS, 10);
        assert_eq!(retry.initial_backoff().as_secs(), 1);
        assert_eq!(retry.max_backoff().as_secs(), 20);
    }

    #[test]
    fn every_client_load_clients_builds_has_it() {
        let env = dap_config::parse(
            "local.yaml",
            include_str!("../../../environments/local.yaml"),
        )
        .unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let clients = runtime.block_on(super::load_clients(&env, &Default::default()));
        for retry in [
            clients.cfn.config().retry_config(),
            clients.s3.config().retry_config(),
            clients.sts.config().retry_config(),
        ] {
            assert_eq!(retry, Some(&super::retry_config()));
        }
    }
}
