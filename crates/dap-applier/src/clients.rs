//! The AWS clients, built from an `SdkConfig`, and the interceptor that counts their calls.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use aws_config::SdkConfig;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

use crate::budget::ConnectBudget;

/// A client of `$krate` for `$config`, counting its calls and sharing the run's
/// connection-failure budget.
macro_rules! counted {
    ($krate:ident, $config:expr, $calls:expr, $budget:expr) => {
        $krate::Client::from_conf(
            $krate::config::Builder::from($config)
                .interceptor($calls.clone())
                .interceptor($budget.clone())
                .retry_classifier($budget.clone())
                .build(),
        )
    };
}

/// The clients the applier uses, sharing one [`CallCounter`]: CloudFormation, S3 and STS
/// for plans and deploys, and the [`ReadClients`] `verify` reads the live account with.
#[derive(Clone, Debug)]
pub struct Clients {
    pub(crate) cfn: aws_sdk_cloudformation::Client,
    pub(crate) s3: aws_sdk_s3::Client,
    pub(crate) sts: aws_sdk_sts::Client,
    pub(crate) read: ReadClients,
    calls: CallCounter,
    endpoint: Option<String>,
    /// The credentials the clients sign with, resolved once by `Applier::connect` so that a
    /// missing source is one readable error before any call.
    pub(crate) credentials: Option<aws_credential_types::provider::SharedCredentialsProvider>,
    /// The profile selected by `--profile`, for that error.
    pub(crate) profile: Option<String>,
    /// The environment's deploy role, when it has one: `Applier::connect` assumes it once
    /// before any other call, so that a role that cannot be assumed is one clear error.
    pub(crate) assumed: Option<crate::credentials::Assumed>,
}

impl Clients {
    /// Clients for a loaded configuration (credentials, region, endpoint), counting their
    /// calls. Against a custom endpoint (moto), S3 uses path-style addressing.
    pub fn from_sdk_config(config: &SdkConfig) -> Clients {
        let calls = CallCounter::default();
        let budget = ConnectBudget::default();
        let cfn = counted!(aws_sdk_cloudformation, config, calls, budget);
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(config)
                .force_path_style(config.endpoint_url().is_some())
                .interceptor(calls.clone())
                .interceptor(budget.clone())
                .retry_classifier(budget.clone())
                .build(),
        );
        let sts = counted!(aws_sdk_sts, config, calls, budget);
        Clients {
            cfn,
            s3,
            sts,
            read: ReadClients::build(config, &calls, &budget),
            calls,
            endpoint: config.endpoint_url().map(str::to_owned),
            credentials: config.credentials_provider(),
            profile: None,
            assumed: None,
        }
    }

    /// These clients with other [`ReadClients`] (tests with scripted responses).
    pub fn with_read_clients(mut self, read: ReadClients) -> Clients {
        self.read = read;
        self
    }

    /// Clients built elsewhere (tests with scripted responses). Add `calls` as an interceptor
    /// to each client's configuration for the counts to be right.
    pub fn from_clients(
        cfn: aws_sdk_cloudformation::Client,
        s3: aws_sdk_s3::Client,
        sts: aws_sdk_sts::Client,
        calls: CallCounter,
    ) -> Clients {
        // The read clients get the same region and no credentials: a test that verifies
        // gives its own with [`Clients::with_read_clients`].
        let config = SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(cfn.config().region().cloned())
            .build();
        Clients {
            cfn,
            s3,
            sts,
            read: ReadClients::from_sdk_config(&config, &calls),
            calls,
            endpoint: None,
            credentials: None,
            profile: None,
            assumed: None,
        }
    }

    /// The calls made so far.
    pub fn calls(&self) -> &CallCounter {
        &self.calls
    }

    /// The configured region.
    pub fn region(&self) -> Option<String> {
        self.cfn.config().region().map(|r| r.as_ref().to_owned())
    }

    /// The custom endpoint, when not talking to AWS itself.
    pub fn endpoint(&self) -> Option<&str> {
        self.endpoint.as_deref()
    }
}

/// The clients `verify` reads the live account with: IAM, KMS, CloudTrail, CloudWatch,
/// CloudWatch Logs and SNS (S3 is shared with the deploy clients); `plan` also searches
/// CloudWatch Logs, CloudTrail, KMS and Glue for retained resources to import.
#[derive(Clone, Debug)]
pub struct ReadClients {
    pub(crate) iam: aws_sdk_iam::Client,
    pub(crate) kms: aws_sdk_kms::Client,
    pub(crate) cloudtrail: aws_sdk_cloudtrail::Client,
    pub(crate) cloudwatch: aws_sdk_cloudwatch::Client,
    pub(crate) logs: aws_sdk_cloudwatchlogs::Client,
    pub(crate) sns: aws_sdk_sns::Client,
    /// Glue, for `plan`'s search of a retained catalog (not read by `verify`).
    pub(crate) glue: aws_sdk_glue::Client,
}

impl ReadClients {
    /// Clients for a loaded configuration, counting their calls with `calls`.
    pub fn from_sdk_config(config: &SdkConfig, calls: &CallCounter) -> ReadClients {
        ReadClients::build(config, calls, &ConnectBudget::default())
    }

    fn build(config: &SdkConfig, calls: &CallCounter, budget: &ConnectBudget) -> ReadClients {
        ReadClients {
            iam: counted!(aws_sdk_iam, config, calls, budget),
            kms: counted!(aws_sdk_kms, config, calls, budget),
            cloudtrail: counted!(aws_sdk_cloudtrail, config, calls, budget),
            cloudwatch: counted!(aws_sdk_cloudwatch, config, calls, budget),
            logs: counted!(aws_sdk_cloudwatchlogs, config, calls, budget),
            sns: counted!(aws_sdk_sns, config, calls, budget),
            glue: counted!(aws_sdk_glue, config, calls, budget),
        }
    }

    /// Clients built elsewhere (tests with scripted responses); add the [`CallCounter`] as
    /// an interceptor to each for the counts to be right.
    pub fn from_clients(
        iam: aws_sdk_iam::Client,
        kms: aws_sdk_kms::Client,
        cloudtrail: aws_sdk_cloudtrail::Client,
        cloudwatch: aws_sdk_cloudwatch::Client,
        logs: aws_sdk_cloudwatchlogs::Client,
        sns: aws_sdk_sns::Client,
    ) -> ReadClients {
        // Glue gets the same region and no credentials: a test that needs it gives its own
        // with [`ReadClients::with_glue`].
        let config = SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(iam.config().region().cloned())
            .build();
        ReadClients {
            iam,
            kms,
            cloudtrail,
            cloudwatch,
            logs,
            sns,
            glue: aws_sdk_glue::Client::new(&config),
        }
    }

    /// These clients with another Glue client (tests with scripted responses).
    pub fn with_glue(mut self, glue: aws_sdk_glue::Client) -> ReadClients {
        self.glue = glue;
        self
    }
}

/// Counts every request sent (retries included), by `service:Operation`. It is an SDK
/// interceptor: add it to a client's configuration.
#[derive(Clone, Debug, Default)]
pub struct CallCounter {
    counts: Arc<Mutex<BTreeMap<String, usize>>>,
}

impl CallCounter {
    /// The counts so far.
    pub fn snapshot(&self) -> CallCounts {
        CallCounts(self.counts.lock().expect("counter lock").clone())
    }

    /// The calls made since an earlier snapshot.
    pub fn since(&self, earlier: &CallCounts) -> CallCounts {
        let now = self.snapshot();
        CallCounts(
            now.0
                .into_iter()
                .filter_map(|(op, n)| {
                    let d = n - earlier.get(&op);
                    (d > 0).then_some((op, d))
                })
                .collect(),
        )
    }
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "dap-call-counter"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let op = cfg
            .load::<Metadata>()
            .map(|m| format!("{}:{}", m.service().to_lowercase(), m.name()))
            .unwrap_or_else(|| "unknown:unknown".to_owned());
        *self
            .counts
            .lock()
            .expect("counter lock")
            .entry(op)
            .or_default() += 1;
        Ok(())
    }
}

/// Request counts by `service:Operation`, for example `cloudformation:DescribeStacks`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallCounts(pub BTreeMap<String, usize>);

impl CallCounts {
    /// All requests.
    pub fn total(&self) -> usize {
        self.0.values().sum()
    }

    /// Requests of one operation (`service:Operation`).
    pub fn get(&self, op: &str) -> usize {
        self.0.get(op).copied().unwrap_or(0)
    }

    /// Requests of one service (`cloudformation`, `s3`, `sts`).
    pub fn service(&self, service: &str) -> usize {
        self.0
            .iter()
            .filter(|(op, _)| op.split(':').next() == Some(service))
            .map(|(_, n)| n)
            .sum()
    }

    /// Requests that may change something: every operation that is not a
    /// `Describe*`/`Get*`/`List*`/`Head*`/`Validate*` read.
    pub fn writes(&self) -> BTreeMap<String, usize> {
        self.0
            .iter()
            .filter(|(op, _)| !is_read(op))
            .map(|(op, n)| (op.clone(), *n))
            .collect()
    }
}

fn is_read(op: &str) -> bool {
    let name = op.rsplit(':').next().unwrap_or(op);
    ["Describe", "Get", "List", "Head", "Validate"]
        .iter()
        .any(|p| name.starts_with(p))
}

impl fmt::Display for CallCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} calls", self.total())?;
        if !self.0.is_empty() {
            let parts: Vec<String> = self.0.iter().map(|(op, n)| format!("{op} {n}")).collect();
            write!(f, " ({})", parts.join(", "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes() {
        let counts = CallCounts(BTreeMap::from([
            ("cloudformation:DescribeStacks".to_owned(), 2),
            ("cloudformation:CreateStack".to_owned(), 1),
            ("s3:HeadObject".to_owned(), 2),
            ("s3:PutObject".to_owned(), 1),
            ("sts:GetCallerIdentity".to_owned(), 1),
        ]));
        assert_eq!(counts.total(), 7);
        assert_eq!(counts.service("s3"), 3);
        assert_eq!(
            counts.writes().into_keys().collect::<Vec<_>>(),
            ["cloudformation:CreateStack", "s3:PutObject"]
        );
        assert_eq!(
            counts.to_string(),
            "7 calls (cloudformation:CreateStack 1, cloudformation:DescribeStacks 2, s3:HeadObject 2, s3:PutObject 1, sts:GetCallerIdentity 1)"
        );
    }
}
