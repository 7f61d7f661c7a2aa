use super::prelude::*;
use dap_config::{Protection, LOG_RETENTION_DAYS};

rule! {
    /// Flags a CloudWatch Logs log group that keeps its events forever, for a period CloudWatch
    /// Logs does not accept, or for less than the environment (or, without one, the baseline)
    /// allows.
    ///
    /// ## What it checks
    ///
    /// Every `AWS::Logs::LogGroup` has `RetentionInDays`, and it is one of the periods
    /// CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    /// 1096, 1827, 2192, 2557, 2922, 3288 or 3653 days); CloudFormation would fail the stack
    /// on any other. A `Ref` to a template parameter is followed to its `Default`; a value
    /// the templates do not give (a parameter without `Default`, another intrinsic) is not
    /// judged.
    ///
    /// When the environment is known (`dap check --env`), the retention is at least 365 days
    /// in a `strict` (production) environment, and otherwise at least 365 days or at least the
    /// environment's `retention.log_retention_days` ("shorter retention only where an
    /// environment says so").
    ///
    /// Without an environment (`dap check --templates`) nothing says a shorter retention is
    /// accepted, so a baseline applies:
    ///
    /// - at least **365 days** for the trail's log group: one that an
    ///   `AWS::CloudTrail::Trail` of the checked templates delivers to
    ///   (`CloudWatchLogsLogGroupArn`, by reference or by ARN), or whose `LogGroupName`
    ///   contains `cloudtrail` (any case) or has a trail's `TrailName` as one of its
    ///   `/`-separated parts;
    /// - at least **90 days** for any other log group.
    ///
    /// 365 days is the year AWS Security Hub CloudWatch.16 asks by default, which CIS-aligned
    /// baselines apply to CloudTrail's log group: the trail's events are what an
    /// investigation starts from, often months after the fact. 90 days for the other log
    /// groups is this rule's choice: PCI DSS asks that three months of audit logs be
    /// immediately available, long enough to notice and investigate an incident, without a
    /// year's storage for every application log. (CloudWatch.16 and checkov CKV_AWS_338 ask a
    /// year of every log group; this rule asks it of the trail's only.)
    ///
    /// An environment's explicit `retention.log_retention_days` (30 in `dev` and `local`, 90 in
    /// `staging`) still takes precedence when the environment is known: the rendered templates
    /// of such an environment pass `dap check --env`, but report the trail's log group when
    /// checked as a folder with `dap check --templates`.
    ///
    /// ## Why
    ///
    /// Without retention, logs are kept (and billed) forever; with too short a retention the
    /// trail's events are gone before an incident is noticed; an unaccepted value only shows
    /// at deploy time. AWS Security Hub CloudWatch.16 (at least a year), checkov CKV_AWS_66,
    /// CIS AWS Foundations 3.x log retention.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// TrailLogGroup:
    ///   Type: AWS::Logs::LogGroup
    ///   Properties:
    ///     LogGroupName: /dap-prod/cloudtrail
    ///     KmsKeyId: !Ref LogsKeyArn
    /// ReportLogGroup:
    ///   Type: AWS::Logs::LogGroup
    ///   Properties:
    ///     LogGroupName: /dap-prod/report
    ///     RetentionInDays: 100 # not a period CloudWatch Logs accepts
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// TrailLogGroup:
    ///   Type: AWS::Logs::LogGroup
    ///   Properties:
    ///     LogGroupName: /dap-prod/cloudtrail
    ///     KmsKeyId: !Ref LogsKeyArn
    ///     RetentionInDays: 731
    /// ReportLogGroup:
    ///   Type: AWS::Logs::LogGroup
    ///   Properties:
    ///     LogGroupName: /dap-prod/report
    ///     RetentionInDays: 90
    /// ```
    ///
    /// ## Remediation
    ///
    /// Set `RetentionInDays` from the environment's `retention.log_retention_days` (365 or
    /// more in production), to one of the accepted periods; check templates rendered for an
    /// environment with shorter retention with `dap check --env`.
    ///
    /// ## References
    ///
    /// - AWS Security Hub CloudWatch.16: <https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html>
    /// - Log retention: <https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html>
    /// - Accepted `RetentionInDays` values: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-logs-loggroup.html>
    LogGroupWithoutRetention {
        code: codes::LOG_GROUP_WITHOUT_RETENTION,
        name: "log-group-without-retention",
        severity: Error,
        fix: "set RetentionInDays to the environment's retention.log_retention_days (365 or more in production)",
    }
}

/// The retention (days) a log group needs without an environment: the trail's log group.
const TRAIL_MINIMUM: f64 = 365.0;
/// The retention (days) any other log group needs without an environment.
const MINIMUM: f64 = 90.0;

/// The retention as written: a literal, or a `Ref` to a template parameter followed to its
/// `Default` (`Some(Null)` when it is missing altogether). `None` when the templates do not
/// give the value.
fn retention<'t>(g: &Res<'t>) -> Option<&'t Value> {
    let v = g.prop("RetentionInDays");
    match v {
        Value::Object(m) if m.len() == 1 && m.contains_key("Ref") => {
            let default = &g.template.parameter(m["Ref"].as_str()?)?["Default"];
            (!default.is_null()).then_some(default)
        }
        Value::Object(_) => None,
        _ => Some(v),
    }
}

/// The log group name in a CloudWatch Logs log group ARN
/// (`arn:aws:logs:ca-central-1:111111111111:log-group:/dap-prod/cloudtrail:*`).
fn name_in_arn(arn: &str) -> Option<&str> {
    let rest = arn.split_once(":log-group:")?.1;
    Some(rest.strip_suffix(":*").unwrap_or(rest))
}

/// Whether a log group is the one a trail of the checked templates delivers to, or is named
/// like one.
fn is_trail_log_group(cx: &Context<'_>, g: &Res<'_>) -> bool {
    let name = g.prop("LogGroupName").as_str();
    if name.is_some_and(|n| n.to_ascii_lowercase().contains("cloudtrail")) {
        return true;
    }
    cx.of_type("AWS::CloudTrail::Trail").any(|t| {
        let target = t.prop("CloudWatchLogsLogGroupArn");
        let by_reference = cx.resolve(&t, target).is_some_and(|r| same(&r, g));
        let by_arn = text(target)
            .and_then(name_in_arn)
            .is_some_and(|n| Some(n) == name);
        let by_name = text(t.prop("TrailName"))
            .is_some_and(|trail| name.is_some_and(|n| n.split('/').any(|part| part == trail)));
        by_reference || by_arn || by_name
    })
}

impl Rule for LogGroupWithoutRetention {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        for g in cx.of_type("AWS::Logs::LogGroup") {
            let Some(written) = retention(&g) else {
                continue;
            };
            if written.is_null() {
                out.push(Hit::on(
                    &g,
                    "the log group has no `RetentionInDays`, so events are kept forever",
                ));
                continue;
            }
            let days = number(written).filter(|d| {
                d.fract() == 0.0 && LOG_RETENTION_DAYS.iter().any(|a| f64::from(*a) == *d)
            });
            let Some(days) = days else {
                out.push(Hit::on(
                    &g,
                    format!(
                        "`RetentionInDays` `{}` is not a retention CloudWatch Logs accepts \
                         ({})",
                        show(written),
                        LOG_RETENTION_DAYS
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
                continue;
            };
            let Some(env) = cx.env else {
                let (minimum, what) = if is_trail_log_group(cx, &g) {
                    (TRAIL_MINIMUM, "the trail's log group")
                } else {
                    (MINIMUM, "a log group")
                };
                if days < minimum {
                    out.push(Hit::on(
                        &g,
                        format!(
                            "retention of {days} days is under the {minimum} days {what} needs \
                             when no environment allows less"
                        ),
                    ));
                }
                continue;
            };
            let asked = f64::from(env.retention.log_retention_days);
            if env.protection == Protection::Strict && days < 365.0 {
                out.push(Hit::on(
                    &g,
                    format!("retention of {days} days is under 365 in a `strict` environment"),
                ));
            } else if days < 365.0 && days < asked {
                out.push(Hit::on(
                    &g,
                    format!(
                        "retention of {days} days is under 365 and under the environment's {asked}"
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::{Source, Template};

    /// Check a template without an environment; `expect` lists one fragment per expected
    /// finding (`<logical id>: <message>`), in order; empty means no finding.
    fn check(input: &str, expect: &[&str]) {
        let source = Source {
            stack: "t",
            slug: "t",
            file: "t.yaml",
            text: input,
        };
        let templates = [Template::parse(0, source).unwrap().unwrap()];
        let cx = Context::new(&templates, None);
        let mut hits = Vec::new();
        LogGroupWithoutRetention.check(&cx, &mut hits);
        let got: Vec<String> = hits
            .iter()
            .map(|h| format!("{}: {}", h.logical_id, h.message))
            .collect();
        assert_eq!(got.len(), expect.len(), "{input}\n{got:#?}");
        for (g, e) in got.iter().zip(expect) {
            assert!(g.contains(e), "{input}\nexpected `{e}` in `{g}`");
        }
    }

    fn group(name: &str, retention: &str) -> String {
        format!(
            "Resources:\n  Group:\n    Type: AWS::Logs::LogGroup\n    Properties:\n      \
             LogGroupName: {name}\n{retention}"
        )
    }

    #[test]
    fn without_an_environment_a_baseline_applies() {
        for (name, retention, expect) in [
            (
                "/app",
                "",
                &["Group: the log group has no `RetentionInDays`"][..],
            ),
            (
                "/app",
                "      RetentionInDays: 1\n",
                &["Group: retention of 1 days is under the 90 days a log group needs"],
            ),
            (
                "/app",
                "      RetentionInDays: 60\n",
                &["under the 90 days"],
            ),
            ("/app", "      RetentionInDays: 90\n", &[]),
            ("/app", "      RetentionInDays: '3653'\n", &[]),
            (
                "/dap-dev/cloudtrail",
                "      RetentionInDays: 90\n",
                &["under the 365 days the trail's log group needs"],
            ),
            (
                "/dap-dev/CloudTrail-events",
                "      RetentionInDays: 180\n",
                &["under the 365 days"],
            ),
            ("/dap-dev/cloudtrail", "      RetentionInDays: 365\n", &[]),
        ] {
            check(&group(name, retention), expect);
        }
    }

    #[test]
    fn values_cloudwatch_logs_does_not_accept_are_findings() {
        for value in [
            "100", "0", "-1", "365.5", "forever", "'[]'", "true", "[365]",
        ] {
            check(
                &group("/app", &format!("      RetentionInDays: {value}\n")),
                &["is not a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, "],
            );
        }
    }

    #[test]
    fn the_trail_points_at_its_log_group() {
        let template = |target: &str, trail_name: &str| {
            format!(
                "Resources:
  Events:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: /audit/events
      RetentionInDays: 90
  Trail:
    Type: AWS::CloudTrail::Trail
    Properties:
      TrailName: {trail_name}
      CloudWatchLogsLogGroupArn: {target}
"
            )
        };
        let trails = &["Events: retention of 90 days is under the 365 days the trail's log group"];
        check(&template("!GetAtt Events.Arn", "t"), trails);
        check(
            &template(
                "arn:aws:logs:ca-central-1:111111111111:log-group:/audit/events:*",
                "t",
            ),
            trails,
        );
        check(&template("''", "events"), trails);
        check(
            &template(
                "arn:aws:logs:ca-central-1:111111111111:log-group:/other:*",
                "t",
            ),
            &[],
        );
    }

    #[test]
    fn parameters_are_followed_to_their_default() {
        let template = |default: &str| {
            format!(
                "Parameters:
  Days:
    Type: Number
{default}
Resources:
  Group:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: /app
      RetentionInDays: !Ref Days
"
            )
        };
        check(
            &template("    Default: 7"),
            &["retention of 7 days is under the 90"],
        );
        check(&template("    Default: 13"), &["`13` is not a retention"]);
        check(&template("    Default: 180"), &[]);
        check(&template(""), &[]);
    }
}
