//! Shared by the integration tests: the shipped environments, rendered.

/// Every environment file in `environments/`, read at test time so a new one is covered.
pub fn shipped() -> Vec<(dap_config::Environment, dap_planner::Rendered)> {
    dap_testkit::shipped()
        .iter()
        .map(|e| {
            let env = dap_config::parse(&e.file, &e.text).unwrap_or_else(|err| panic!("{err}"));
            let rendered = dap_planner::render(&env).unwrap();
            (env, rendered)
        })
        .collect()
}
