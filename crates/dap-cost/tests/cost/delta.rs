//! The monthly change a plan makes: one alarm more is one alarm's price more.

use dap_cost::{delta, estimate, render_delta_text, summary};
use serde_json::json;

use crate::{close, prices, shipped_named, usd};

#[test]
fn adding_one_alarm_adds_one_alarm_price() {
    let (env, rendered) = shipped_named("prod");
    let before_templates = dap_cost::rendered_templates(&rendered);
    let mut after_templates = before_templates.clone();
    let (name, monitoring) = after_templates
        .iter_mut()
        .find(|(n, _)| n == "dap-prod-monitoring")
        .unwrap();
    assert_eq!(name, "dap-prod-monitoring");
    monitoring["Resources"].as_object_mut().unwrap().insert(
        "AthenaScanAlarm".to_owned(),
        json!({"Type": "AWS::CloudWatch::Alarm", "Properties": {
            "AlarmName": "dap-prod-athena-scan",
            "Namespace": "AWS/Athena", "MetricName": "ProcessedBytes",
            "Dimensions": [{"Name": "WorkGroup", "Value": "dap-prod-analytics"}],
            "Statistic": "Sum", "Period": 3600, "EvaluationPeriods": 1,
            "Threshold": 1.0e11, "ComparisonOperator": "GreaterThanThreshold"}}),
    );
    let table = prices();
    let before = estimate(&before_templates, &env.usage, &table).unwrap();
    let after = estimate(&after_templates, &env.usage, &table).unwrap();
    let change = delta(&before, &after);
    let alarm = usd("cloudwatch.alarm_month");
    close(change.change, alarm);
    close(change.after - change.before, alarm);
    assert_eq!(change.stacks.len(), 1, "{change:#?}");
    let stack = &change.stacks[0];
    assert_eq!(stack.name, "dap-prod-monitoring");
    close(stack.change, alarm);
    assert_eq!(stack.resources.len(), 1, "{:#?}", stack.resources);
    let r = &stack.resources[0];
    assert_eq!(
        (r.logical_id.as_str(), r.resource_type.as_str(), r.before),
        ("AthenaScanAlarm", "AWS::CloudWatch::Alarm", None)
    );
    close(r.after.unwrap(), alarm);
    let fmt = dap_cost::format_usd;
    assert_eq!(
        render_delta_text(&change),
        format!(
            "Monthly cost: {} -> {} (+{})\n  dap-prod-monitoring: {} -> {} (+{})\n    + AthenaScanAlarm (AWS::CloudWatch::Alarm): +{} (new)\n",
            fmt(before.monthly_usd),
            fmt(after.monthly_usd),
            fmt(alarm),
            fmt(before.stack("dap-prod-monitoring").unwrap().monthly_usd),
            fmt(after.stack("dap-prod-monitoring").unwrap().monthly_usd),
            fmt(alarm),
            fmt(alarm),
        )
    );
}

#[test]
fn removing_a_stack_removes_its_cost_and_no_change_is_unchanged() {
    let (env, rendered) = shipped_named("prod");
    let all = dap_cost::rendered_templates(&rendered);
    let without: Vec<_> = all
        .iter()
        .filter(|(n, _)| n != "dap-prod-reporting")
        .cloned()
        .collect();
    let table = prices();
    let before = estimate(&all, &env.usage, &table).unwrap();
    let after = estimate(&without, &env.usage, &table).unwrap();
    let change = delta(&before, &after);
    let reporting = before.stack("dap-prod-reporting").unwrap().monthly_usd;
    assert!(reporting > 10.0);
    close(change.change, -reporting);
    assert_eq!(change.stacks.len(), 1);
    assert_eq!(change.stacks[0].after, None);
    assert!(change.stacks[0]
        .resources
        .iter()
        .all(|r| r.after.is_none() && r.change < 0.0));

    let same = delta(&before, &before);
    assert!(same.is_empty());
    assert_eq!(
        summary(&same),
        format!(
            "Monthly cost: {}, unchanged",
            dap_cost::format_usd(before.monthly_usd)
        )
    );
}

#[test]
fn the_budget_check_warns_above_80_percent() {
    let (env, rendered) = shipped_named("prod");
    let e = dap_cost::estimate_rendered(&rendered, &env).unwrap();
    let at = |percent: f64| e.budget_check(e.monthly_usd * 100.0 / percent);
    let s = at(50.0);
    close(s.percent, 50.0);
    assert!(!s.over_80 && !s.over_100);
    let s = at(85.0);
    assert!(s.over_80 && !s.over_100);
    let s = at(120.0);
    assert!(s.over_80 && s.over_100);
    let text = dap_cost::render_text(&e, Some(e.monthly_usd * 100.0 / 85.0));
    assert!(
        text.contains("warning: the estimate is 85.0 % of the monthly budget of $"),
        "{text}"
    );
    let text = dap_cost::render_text(&e, Some(e.monthly_usd * 100.0 / 120.0));
    assert!(text.contains("% of the monthly budget of $") && text.contains(": over the budget\n"));
}
