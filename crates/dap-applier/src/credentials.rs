//! Where credentials come from, resolved once before the first call, and one readable error
//! naming every source tried when none gives any.
//!
//! The chain is the SDK's default one (environment variables, the profile in the shared
//! files, including SSO and `credential_process`, web identity, the container endpoint, the
//! EC2 instance metadata service), with a metadata client that gives up after one attempt of
//! [`IMDS_CONNECT_TIMEOUT`]: off EC2 nothing answers there, and the SDK's defaults would wait
//! seconds before the first real error.

use std::path::PathBuf;
use std::time::Duration;

use aws_config::default_provider::credentials::DefaultCredentialsChain;
use aws_config::meta::region::ProvideRegion;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::provider::{error::CredentialsError, ProvideCredentials};

/// How long the instance metadata service gets to accept a connection (one attempt).
pub const IMDS_CONNECT_TIMEOUT: Duration = Duration::from_millis(300);

/// How long resolving credentials may take in all (an SSO or web identity exchange included).
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(20);

/// The default chain with a quick metadata client.
pub(crate) async fn chain(
    profile: Option<&str>,
    region: impl ProvideRegion + 'static,
) -> SharedCredentialsProvider {
    let imds = aws_config::imds::Client::builder()
        .connect_timeout(IMDS_CONNECT_TIMEOUT)
        .read_timeout(Duration::from_secs(1))
        .max_attempts(1)
        .build();
    let mut builder = DefaultCredentialsChain::builder()
        .imds_client(imds)
        .region(region);
    if let Some(p) = profile {
        builder = builder.profile_name(p);
    }
    SharedCredentialsProvider::new(builder.build().await)
}

/// Resolve credentials once. `Ok` when a source gave some; otherwise the sources tried, each
/// with what was found, and the cause when a source was present but failed (an expired SSO
/// session, a broken `credential_process`).
pub(crate) async fn resolve(
    provider: &SharedCredentialsProvider,
    profile: Option<&str>,
) -> Result<(), crate::Error> {
    let outcome = tokio::time::timeout(RESOLVE_TIMEOUT, provider.provide_credentials()).await;
    let cause = match outcome {
        Ok(Ok(_)) => return Ok(()),
        Ok(Err(CredentialsError::CredentialsNotLoaded(_))) => None,
        Ok(Err(e)) => Some(crate::error::root_cause(&e)),
        Err(_) => Some(format!(
            "no source answered within {} s",
            RESOLVE_TIMEOUT.as_secs()
        )),
    };
    Err(crate::Error::NoCredentials {
        tried: tried(&Probe::from_process(), profile).join("; "),
        cause,
    })
}

/// The environment's deploy role: `dap` signs every call with its credentials, obtained
/// through `sts:AssumeRole` with the credentials it started with (refreshed before they
/// expire).
#[derive(Clone, Debug)]
pub(crate) struct Assumed {
    /// The role's ARN.
    pub arn: String,
    /// The provider the clients sign with.
    pub provider: SharedCredentialsProvider,
}

/// Build the deploy role's provider on top of a loaded configuration (its credentials,
/// region and endpoint).
pub(crate) async fn assume_role(
    base: &aws_config::SdkConfig,
    role: &dap_config::DeployRole,
    environment: &str,
) -> Assumed {
    let mut builder = aws_config::sts::AssumeRoleProvider::builder(&role.arn)
        .session_name(role.session_name_for(environment))
        .configure(base);
    if let Some(id) = &role.external_id {
        builder = builder.external_id(id);
    }
    Assumed {
        arn: role.arn.clone(),
        provider: SharedCredentialsProvider::new(builder.build().await),
    }
}

/// Assume the deploy role once, before any other call: `Err` says which role and why.
pub(crate) async fn check_assumed(
    assumed: &Assumed,
    environment: &str,
) -> Result<(), crate::Error> {
    use aws_sdk_sts::operation::assume_role::AssumeRoleError;
    use aws_smithy_runtime_api::client::result::SdkError;
    use aws_smithy_runtime_api::http::Response;

    let outcome =
        tokio::time::timeout(RESOLVE_TIMEOUT, assumed.provider.provide_credentials()).await;
    let err = match outcome {
        Ok(Ok(_)) => return Ok(()),
        Ok(Err(e)) => e,
        Err(_) => {
            return Err(crate::Error::AssumeRole {
                env: environment.to_owned(),
                role: assumed.arn.clone(),
                reason: format!("STS did not answer within {} s", RESOLVE_TIMEOUT.as_secs()),
                detail: String::new(),
            })
        }
    };
    let detail = aws_smithy_types::error::display::DisplayErrorContext(&err).to_string();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&err);
    let mut reason = None;
    while let Some(e) = source {
        if let Some(sdk) = e.downcast_ref::<SdkError<AssumeRoleError, Response>>() {
            if let crate::Error::Aws { message, .. } = crate::error::aws_ref("sts:AssumeRole", sdk)
            {
                reason = Some(message);
            }
            break;
        }
        source = e.source();
    }
    Err(crate::Error::AssumeRole {
        env: environment.to_owned(),
        role: assumed.arn.clone(),
        reason: reason.unwrap_or_else(|| crate::error::root_cause(&err)),
        detail,
    })
}

/// What the process's environment and files say about each source.
#[derive(Clone, Debug, Default)]
pub(crate) struct Probe {
    /// `(name, value)` of the variables the chain reads.
    pub vars: Vec<(&'static str, String)>,
    /// The shared config file and its text, when readable.
    pub config: (PathBuf, Option<String>),
    /// The shared credentials file and its text, when readable.
    pub credentials: (PathBuf, Option<String>),
}

const VARS: [&str; 9] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_PROFILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_EC2_METADATA_DISABLED",
    "AWS_CONFIG_FILE",
];

impl Probe {
    fn from_process() -> Probe {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let home = var("HOME").map(PathBuf::from).unwrap_or_default();
        let file = |over: &str, name: &str| {
            let path = var(over)
                .map(PathBuf::from)
                .unwrap_or_else(|| home.join(".aws").join(name));
            let text = std::fs::read_to_string(&path).ok();
            (path, text)
        };
        Probe {
            vars: VARS
                .iter()
                .filter_map(|k| var(k).map(|v| (*k, v)))
                .collect(),
            config: file("AWS_CONFIG_FILE", "config"),
            credentials: file("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
        }
    }

    fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Each source of the chain, in order, with what the probe found.
pub(crate) fn tried(p: &Probe, profile: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    out.push(
        match (p.var("AWS_ACCESS_KEY_ID"), p.var("AWS_SECRET_ACCESS_KEY")) {
            (Some(_), Some(_)) => "environment variables (set, but not accepted)".to_owned(),
            (Some(_), None) => "environment variables (AWS_SECRET_ACCESS_KEY not set)".to_owned(),
            (None, Some(_)) => "environment variables (AWS_ACCESS_KEY_ID not set)".to_owned(),
            (None, None) => "environment variables (AWS_ACCESS_KEY_ID not set)".to_owned(),
        },
    );
    let (name, from) = match (profile, p.var("AWS_PROFILE")) {
        (Some(n), _) => (n, "--profile"),
        (None, Some(n)) => (n, "AWS_PROFILE"),
        (None, None) => ("default", "the default"),
    };
    let in_config = p.config.1.as_deref().is_some_and(|t| {
        has_section(t, &format!("profile {name}")) || (name == "default" && has_section(t, name))
    });
    let in_credentials = p
        .credentials
        .1
        .as_deref()
        .is_some_and(|t| has_section(t, name));
    let (config, credentials) = (p.config.0.display(), p.credentials.0.display());
    out.push(match (in_config, in_credentials) {
        (true, true) => format!("profile `{name}` ({from}; found in {config} and {credentials}, but it gave no credentials)"),
        (true, false) => format!("profile `{name}` ({from}; found in {config}, but it gave no credentials)"),
        (false, true) => format!("profile `{name}` ({from}; found in {credentials}, but it gave no credentials)"),
        (false, false) if p.config.1.is_none() && p.credentials.1.is_none() => {
            format!("profile `{name}` ({from}; neither {config} nor {credentials} exists)")
        }
        (false, false) => format!("profile `{name}` ({from}; not in {config} or {credentials})"),
    });
    out.push(
        match (p.var("AWS_WEB_IDENTITY_TOKEN_FILE"), p.var("AWS_ROLE_ARN")) {
            (Some(_), Some(_)) => "web identity (set, but it gave no credentials)",
            _ => "web identity (AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN not set)",
        }
        .to_owned(),
    );
    let container = p.var("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").is_some()
        || p.var("AWS_CONTAINER_CREDENTIALS_FULL_URI").is_some();
    out.push(
        if container {
            "the container endpoint (set, but it gave no credentials)"
        } else {
            "the container endpoint (AWS_CONTAINER_CREDENTIALS_*_URI not set)"
        }
        .to_owned(),
    );
    out.push(
        if p.var("AWS_EC2_METADATA_DISABLED")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        {
            "the EC2 instance metadata service (off: AWS_EC2_METADATA_DISABLED)".to_owned()
        } else {
            format!(
                "the EC2 instance metadata service (one attempt, {} ms to connect: only EC2 answers)",
                IMDS_CONNECT_TIMEOUT.as_millis()
            )
        },
    );
    out
}

/// Whether an INI text has `[name]` (spaces inside the brackets allowed).
fn has_section(text: &str, name: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim();
        l.strip_prefix('[')
            .and_then(|r| r.strip_suffix(']'))
            .is_some_and(|inner| inner.split_whitespace().eq(name.split_whitespace()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(vars: &[(&'static str, &str)], config: Option<&str>, creds: Option<&str>) -> Probe {
        Probe {
            vars: vars.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
            config: ("/home/u/.aws/config".into(), config.map(str::to_owned)),
            credentials: ("/home/u/.aws/credentials".into(), creds.map(str::to_owned)),
        }
    }

    #[test]
    fn nothing_anywhere_names_every_source_and_why() {
        let t = tried(&probe(&[], None, None), None);
        assert_eq!(
            t,
            vec![
                "environment variables (AWS_ACCESS_KEY_ID not set)",
                "profile `default` (the default; neither /home/u/.aws/config nor /home/u/.aws/credentials exists)",
                "web identity (AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN not set)",
                "the container endpoint (AWS_CONTAINER_CREDENTIALS_*_URI not set)",
                "the EC2 instance metadata service (one attempt, 300 ms to connect: only EC2 answers)",
            ]
        );
    }

    #[test]
    fn a_profile_is_looked_for_where_the_sdk_looks() {
        let config = "[default]\nregion = ca-central-1\n[ profile  dev ]\nsso_session = city\n";
        let p = probe(&[("AWS_PROFILE", "dev")], Some(config), None);
        assert!(tried(&p, None)[1].starts_with("profile `dev` (AWS_PROFILE; found in"));
        assert!(tried(&p, Some("prod"))[1].starts_with("profile `prod` (--profile; not in"));
        let creds = "[prod]\naws_access_key_id = x\n";
        let p = probe(&[("AWS_EC2_METADATA_DISABLED", "true")], None, Some(creds));
        let t = tried(&p, Some("prod"));
        assert!(t[1].contains("found in"), "{t:?}");
        assert!(t[4].contains("off: AWS_EC2_METADATA_DISABLED"), "{t:?}");
    }
}
