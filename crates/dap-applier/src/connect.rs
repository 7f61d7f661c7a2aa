//! Loading the AWS configuration from the standard chain, with the environment file's part.

use aws_config::environment::EnvironmentVariableRegionProvider;
use aws_config::meta::credentials::CredentialsProviderChain;
use aws_config::meta::region::RegionProviderChain;
use aws_config::profile::{ProfileFileCredentialsProvider, ProfileFileRegionProvider};
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
    let mut profile_region = ProfileFileRegionProvider::builder();
    if let Some(p) = &options.profile {
        profile_region = profile_region.profile_name(p);
    }
    let region = RegionProviderChain::first_try(EnvironmentVariableRegionProvider::new())
        .or_else(profile_region.build())
        .or_else(Region::new(env.region.clone()));
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).region(region);
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
    Clients::from_sdk_config(&config)
}
