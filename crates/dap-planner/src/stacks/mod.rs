//! The stacks of an environment, grouped by lifecycle, and their dependency order.

mod access;
mod analytics;
mod audit;
mod catalog;
mod monitoring;
mod reporting;
mod security;
mod storage;

use dap_cfn::Template;
use dap_config::Environment;

use crate::names::Names;

/// One stack of the platform.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StackKind {
    /// KMS keys, their aliases and the SSM parameters that publish their ARNs.
    Security,
    /// The S3 buckets and their policies.
    Storage,
    /// CloudTrail, its log group and delivery role.
    Audit,
    /// IAM roles and customer-managed policies.
    Access,
    /// The Glue database, tables, security configuration and crawler.
    Catalog,
    /// Glue jobs and triggers, the Athena workgroup and named queries.
    Analytics,
    /// Alarm topic, CIS metric filters and alarms, job-failure alarms, dashboard and budget.
    Monitoring,
    /// The optional reporting host.
    Reporting,
}

impl StackKind {
    /// Every stack kind, in deployment order.
    pub const ALL: [StackKind; 8] = [
        StackKind::Security,
        StackKind::Storage,
        StackKind::Audit,
        StackKind::Access,
        StackKind::Catalog,
        StackKind::Analytics,
        StackKind::Monitoring,
        StackKind::Reporting,
    ];

    /// The short name, used in stack names and file names.
    pub fn slug(self) -> &'static str {
        match self {
            StackKind::Security => "security",
            StackKind::Storage => "storage",
            StackKind::Audit => "audit",
            StackKind::Access => "access",
            StackKind::Catalog => "catalog",
            StackKind::Analytics => "analytics",
            StackKind::Monitoring => "monitoring",
            StackKind::Reporting => "reporting",
        }
    }

    /// The stacks this one reads names or key ARNs from: they deploy first.
    pub fn depends_on(self) -> &'static [StackKind] {
        use StackKind::*;
        match self {
            Security => &[],
            Storage => &[Security],
            Audit => &[Security, Storage],
            Access => &[Security, Storage],
            Catalog => &[Security, Storage, Access],
            Analytics => &[Security, Storage, Access, Catalog],
            Monitoring => &[Security, Audit, Analytics],
            Reporting => &[Security, Storage, Analytics],
        }
    }

    /// Whether the environment has this stack.
    pub fn enabled(self, env: &Environment) -> bool {
        match self {
            StackKind::Reporting => env.reporting_host.enabled,
            _ => true,
        }
    }

    /// Build the stack's template.
    pub fn build(self, env: &Environment, names: &Names) -> Template {
        match self {
            StackKind::Security => security::build(env, names),
            StackKind::Storage => storage::build(env, names),
            StackKind::Audit => audit::build(env, names),
            StackKind::Access => access::build(env, names),
            StackKind::Catalog => catalog::build(env, names),
            StackKind::Analytics => analytics::build(env, names),
            StackKind::Monitoring => monitoring::build(env, names),
            StackKind::Reporting => reporting::build(env, names),
        }
    }
}
