use super::key_policy_serves_undeclared_log_groups::declared_log_groups;
use super::prelude::*;

rule! {
    /// Flags a Glue job or crawler whose encrypted logs go to a log group the templates do not
    /// declare, and a role Glue runs as that may write to other log groups.
    ///
    /// ## What it checks
    ///
    /// For every `AWS::Glue::Job` and `AWS::Glue::Crawler` whose security configuration (an
    /// `AWS::Glue::SecurityConfiguration` of the checked templates, by name or `Ref`)
    /// encrypts CloudWatch Logs (`SSE-KMS`):
    ///
    /// - a job has a `--custom-logGroup-prefix` default argument, and `<prefix>/error` and
    ///   `<prefix>/output` (the groups Glue 5.0 writes to) are declared `AWS::Logs::LogGroup`s;
    /// - for a crawler, `/aws-glue/crawlers-role/<role path and name>-<security configuration
    ///   name>` (the group Glue names for an encrypted crawler; a crawler cannot choose) is a
    ///   declared `AWS::Logs::LogGroup`;
    /// - those log groups are encrypted with the security configuration's CloudWatch key
    ///   (when both references resolve);
    /// - the role the job or crawler runs as (its identity statements, by role name) allows
    ///   `logs:CreateLogGroup`, `logs:CreateLogStream`, `logs:PutLogEvents` and
    ///   `logs:AssociateKmsKey` only on declared log groups (`log-group:<name>`,
    ///   `log-group:<name>:*` or its log streams): a `*` in the group's name reaches groups
    ///   nobody declared.
    ///
    /// A job or crawler without a security configuration is `DAP-GLUE-001`'s, one that does
    /// not encrypt logs `DAP-GLUE-002`'s; retention and encryption of the declared groups are
    /// `DAP-LOGS-001` and `DAP-LOGS-002`'s.
    ///
    /// ## Why
    ///
    /// Glue creates the log groups it does not find at run time: outside CloudFormation,
    /// without retention (kept forever), and only reviewable after the fact. With its default
    /// names the logs key has to serve a wildcard of log groups, which anyone who can create a
    /// log group can use. Naming the groups (the job's prefix; the crawler's derived name) and
    /// declaring them keeps the platform's logs under its retention, its key and its review,
    /// and lets the key serve those groups only (`DAP-KMS-006`).
    ///
    /// ## Example
    ///
    /// Failing: Glue picks the job's log groups.
    ///
    /// ```yaml
    /// CleanJob:
    ///   Type: AWS::Glue::Job
    ///   Properties:
    ///     SecurityConfiguration: dap-prod-glue
    ///     DefaultArguments:
    ///       --job-language: python
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// CleanErrorLogGroup:
    ///   Type: AWS::Logs::LogGroup
    ///   Properties:
    ///     LogGroupName: /dap-prod/glue/permits-clean/error
    ///     RetentionInDays: 365
    ///     KmsKeyId: !Ref LogsKeyArn
    /// # … and /dap-prod/glue/permits-clean/output
    /// CleanJob:
    ///   Type: AWS::Glue::Job
    ///   Properties:
    ///     SecurityConfiguration: dap-prod-glue
    ///     DefaultArguments:
    ///       --custom-logGroup-prefix: /dap-prod/glue/permits-clean
    /// ```
    ///
    /// ## Remediation
    ///
    /// Give every job a `--custom-logGroup-prefix` and declare `<prefix>/error` and
    /// `<prefix>/output`; declare the crawlers' `/aws-glue/crawlers-role/…` group; scope the
    /// Glue roles' `logs:` statements to those groups. The planner derives the names in
    /// `names.rs` (`glue_job_log_groups`, `glue_crawler_log_group`).
    ///
    /// ## References
    ///
    /// - Logging for AWS Glue jobs, custom log group prefix: <https://docs.aws.amazon.com/glue/latest/dg/monitor-continuous-logging.html>
    /// - Encrypting data written by AWS Glue (security configurations): <https://docs.aws.amazon.com/glue/latest/dg/encryption-security-configuration.html>
    GlueLogsToUndeclaredLogGroup {
        code: codes::GLUE_LOGS_TO_UNDECLARED_LOG_GROUP,
        name: "glue-logs-to-undeclared-log-group",
        severity: Error,
        fix: "name the log groups (--custom-logGroup-prefix for jobs), declare them with retention and the logs key, and scope the Glue roles' logs: statements to them",
    }
}

/// What a role needs to write logs; none of it should reach an undeclared group.
const WRITE_LOGS: &[&str] = &[
    "logs:AssociateKmsKey",
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
];

impl Rule for GlueLogsToUndeclaredLogGroup {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        let declared = declared_log_groups(cx);
        let groups: Vec<(Res<'_>, String)> = cx
            .of_type("AWS::Logs::LogGroup")
            .filter_map(|g| resolved(cx, &g, g.prop("LogGroupName")).map(|n| (g, n)))
            .collect();
        let mut roles_seen: Vec<String> = Vec::new();
        for r in cx.resources() {
            let property = match r.ty() {
                "AWS::Glue::Job" => "SecurityConfiguration",
                "AWS::Glue::Crawler" => "CrawlerSecurityConfiguration",
                _ => continue,
            };
            let Some(config) = security_configuration(cx, &r, r.prop(property)) else {
                continue;
            };
            let cloudwatch = &config.prop("EncryptionConfiguration")["CloudWatchEncryption"];
            if text(&cloudwatch["CloudWatchEncryptionMode"]) != Some("SSE-KMS") {
                continue;
            }
            let role = resolved(cx, &r, r.prop("Role"))
                .map(|a| a.split_once(":role/").map_or(a.clone(), |(_, n)| n.to_owned()));
            let wanted: Vec<String> = if r.ty() == "AWS::Glue::Job" {
                let prefix = &r.prop("DefaultArguments")["--custom-logGroup-prefix"];
                match resolved(cx, &r, prefix) {
                    Some(p) if !p.is_empty() => vec![format!("{p}/error"), format!("{p}/output")],
                    _ => {
                        out.push(Hit::on(
                            &r,
                            "the job has no `--custom-logGroup-prefix`: Glue writes its logs to \
                             log groups it names and creates at run time, without retention",
                        ));
                        Vec::new()
                    }
                }
            } else {
                let name = resolved(cx, &config, config.prop("Name"));
                match (&role, name) {
                    (Some(role), Some(name)) => {
                        vec![format!("/aws-glue/crawlers-role/{role}-{name}")]
                    }
                    _ => Vec::new(),
                }
            };
            for group in wanted {
                let Some((g, _)) = groups.iter().find(|(_, n)| *n == group) else {
                    out.push(Hit::on(
                        &r,
                        format!(
                            "Glue writes its encrypted logs to `{group}`, which no template \
                             declares: Glue creates it at run time, without retention"
                        ),
                    ));
                    continue;
                };
                let group_key = cx.resolve(g, g.prop("KmsKeyId"));
                let config_key = cx.resolve(&config, &cloudwatch["KmsKeyArn"]);
                if let (Some(a), Some(b)) = (group_key, config_key) {
                    if !same(&a, &b) {
                        out.push(Hit::on(
                            &r,
                            format!(
                                "log group `{group}` is encrypted with `{}`, not with the \
                                 security configuration's CloudWatch key `{}`",
                                a.id, b.id
                            ),
                        ));
                    }
                }
            }
            if let Some(role) = role {
                let name = role.rsplit('/').next().unwrap_or(&role).to_owned();
                if roles_seen.contains(&name) {
                    continue;
                }
                roles_seen.push(name.clone());
                role_writes(cx, &name, &declared, out);
            }
        }
    }
}

/// Flag the role's identity statements that let it write to log groups beyond the declared
/// ones (on the resource holding the statement).
fn role_writes(cx: &Context<'_>, role: &str, declared: &[String], out: &mut Vec<Hit>) {
    for s in cx
        .statements_for(PolicyKind::Identity, role)
        .filter(|s| s.allow && WRITE_LOGS.iter().any(|a| s.covers_action(a)))
    {
        let beyond: Vec<String> = if s.not_resource {
            vec!["every resource but a list (`NotResource`)".to_owned()]
        } else {
            s.resources
                .iter()
                .filter(|res| !within_declared(res, declared))
                .map(|res| format!("`{res}`"))
                .collect()
        };
        if beyond.is_empty() {
            continue;
        }
        let Some(holder) = cx
            .templates
            .get(s.template)
            .and_then(|t| t.resource(&s.resource))
        else {
            continue;
        };
        out.push(Hit::on(
            &holder,
            format!(
                "{} lets `{role}`, which Glue runs as, write logs beyond the declared log \
                 groups: {}",
                s.label(),
                beyond.join(", ")
            ),
        ));
    }
}

/// Whether a resource pattern of a `logs:` statement stays within one declared log group:
/// `<group ARN>`, `<group ARN>:*` or `<group ARN>:log-stream:…`, the group's name free of
/// wildcards.
fn within_declared(resource: &str, declared: &[String]) -> bool {
    declared.iter().any(|d| {
        let Some(rest) = resource.strip_prefix(d.as_str()) else {
            return false;
        };
        let name = d.rsplit_once("log-group:").map_or("", |(_, n)| n);
        !name.contains(['*', '?'])
            && (rest.is_empty() || rest == ":*" || rest.starts_with(":log-stream:"))
    })
}

/// A property's value, resolved to text.
fn resolved(cx: &Context<'_>, r: &Res<'_>, v: &Value) -> Option<String> {
    if v.is_null() {
        return None;
    }
    cx.model.resolver.resolve(r.template.index, v)
}

/// The security configuration a job or crawler names (by `Ref` or by name).
fn security_configuration<'s>(cx: &'s Context<'_>, r: &Res<'s>, v: &Value) -> Option<Res<'s>> {
    if let Some(c) = cx
        .resolve(r, v)
        .filter(|c| c.ty() == "AWS::Glue::SecurityConfiguration")
    {
        return Some(c);
    }
    let name = resolved(cx, r, v)?;
    cx.of_type("AWS::Glue::SecurityConfiguration")
        .find(|c| resolved(cx, c, c.prop("Name")).as_deref() == Some(name.as_str()))
}
