//! The cost estimate's integration tests, one test binary (`cargo test -p dap-cost --test cost`).

mod delta;
mod hand;
mod shipped;

use dap_config::Environment;
use dap_cost::PriceTable;
use dap_planner::Rendered;

/// Every shipped environment, parsed and rendered.
pub fn shipped() -> Vec<(Environment, Rendered)> {
    dap_testkit::shipped()
        .into_iter()
        .map(|e| {
            let env = dap_config::parse(&e.file, &e.text).unwrap_or_else(|err| panic!("{err}"));
            let rendered =
                dap_planner::render(&env).unwrap_or_else(|err| panic!("{}: {err}", e.name));
            (env, rendered)
        })
        .collect()
}

/// One shipped environment, parsed and rendered.
pub fn shipped_named(name: &str) -> (Environment, Rendered) {
    let e = dap_testkit::shipped_named(name);
    let env = dap_config::parse(&e.file, &e.text).unwrap_or_else(|err| panic!("{err}"));
    let rendered = dap_planner::render(&env).unwrap();
    (env, rendered)
}

/// The shipped table of ca-central-1.
pub fn prices() -> PriceTable {
    PriceTable::for_region("ca-central-1").unwrap()
}

/// The price of `key` in the shipped table.
pub fn usd(key: &str) -> f64 {
    prices().price(key).unwrap().usd
}

/// `a` and `b` equal to floating-point noise.
#[track_caller]
pub fn close(a: f64, b: f64) {
    assert!(
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0),
        "{a} != {b}"
    );
}
