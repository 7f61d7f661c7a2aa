//! `dap cost`: the estimate per stack and resource against the budget, and the plan's
//! monthly cost change, which agrees with it.

use crate::harness::{moto, Workspace};

#[test]
fn cost_prints_every_stack_and_the_budget_and_warns_above_80_percent() {
    let ws = Workspace::new();
    let run = ws.dap(&["cost", "--env", "prod"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let out = run.stdout();
    assert!(
        out.starts_with("cost of `prod` (account 333333333333, ca-central-1)\n"),
        "{out}"
    );
    for stack in [
        "security",
        "storage",
        "audit",
        "access",
        "catalog",
        "analytics",
        "monitoring",
        "reporting",
    ] {
        assert!(
            out.contains(&format!("dap-prod-{stack}: $")),
            "{stack}: {out}"
        );
    }
    assert!(out.contains("of the monthly budget of $1,000.00"), "{out}");
    assert!(
        !out.contains("warning:"),
        "prod is far under its budget: {out}"
    );

    // The same environment with a budget the estimate is over 80 % of: a warning, exit 0.
    let text = std::fs::read_to_string(ws.path().join("environments/prod.yaml")).unwrap();
    ws.write_env(
        "prod",
        &text.replace("monthly_usd: 1000", "monthly_usd: 60"),
    );
    let run = ws.dap(&["cost", "--env", "prod", "--json"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let doc: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    let total = doc[0]["estimate"]["monthly_usd"].as_f64().unwrap();
    assert!(
        total > 48.0,
        "the test needs an estimate over 80 % of $60: {total}"
    );
    assert_eq!(doc[0]["budget"]["over_80"], true);
    let run = ws.dap(&["cost", "--env", "prod"]);
    assert!(
        run.stdout().contains("warning: the estimate is"),
        "{}",
        run.stdout()
    );
}

#[test]
fn a_first_deploy_s_cost_change_is_the_whole_estimate() {
    let moto = moto();
    let ws = Workspace::new();
    let cost = ws.dap(&["cost", "--env", "local", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&cost.stdout()).unwrap();
    let total = doc[0]["estimate"]["monthly_usd"].as_f64().unwrap();
    let shown = format!("${total:.2}");
    let plan = ws.dap_on(&moto, &["plan", "--env", "local"]);
    assert_eq!(plan.code(), 2, "{}", plan.stderr());
    assert!(
        plan.stdout()
            .contains(&format!("Monthly cost: $0.00 -> {shown} (+{shown})")),
        "{}",
        plan.stdout()
    );
    // Deployed, the same templates cost the same: unchanged.
    let run = ws.dap_on(&moto, &["apply", "--env", "local", "--yes"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let plan = ws.dap_on(&moto, &["plan", "--env", "local"]);
    assert!(
        plan.stdout()
            .contains(&format!("Monthly cost: {shown}, unchanged")),
        "{}",
        plan.stdout()
    );
}
