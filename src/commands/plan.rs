//! `dap plan`: what `apply` would change, per stack and resource; exit 0 none, 2 changes,
//! 3 changes blocked by the data-loss guard.

use std::io::Write;

use anyhow::{Context, Result};
use dap_applier::grants;
use dap_applier::guard::{self, Loss};
use dap_applier::{
    ChangeAction, Plan, PlanOptions, PropertyChange, SecurityChange, StackAction, Verdict,
};

use crate::args::{EnvSelection, PlanArgs, PlanFormat};
use crate::environments;
use crate::error::CliError;
use crate::exit_code;
use crate::plan_markdown;
use crate::printer::Printer;
use crate::session;

pub fn run(args: &PlanArgs, printer: Printer) -> crate::error::Result<i32> {
    if args.selection.all {
        return run_all(args, printer);
    }
    let name = args
        .selection
        .env
        .clone()
        .expect("clap requires --env or --all");
    let planned = plan_one(args, &name, printer)?;
    let plan = &planned.plan;
    let mut out = stdout(printer, args.format());
    if let Some(path) = &args.out {
        std::fs::write(path, plan_json(plan)?)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    match args.format() {
        PlanFormat::Json => out.write_all(&plan_json(plan)?)?,
        PlanFormat::Text => print_plan(&mut out, plan, printer.verbose(), Some(&planned.cost))?,
        PlanFormat::Markdown => {
            let (head, sections) =
                plan_markdown::environment(plan, &planned.findings, Some(&planned.cost));
            let whole = format!("`dap plan --env {name}`, or the plan document of `--out`");
            out.write_all(plan_markdown::assemble(&head, sections, &whole).as_bytes())?;
        }
    }
    out.flush()?;
    if !plan.blocked().is_empty() {
        return Err(session::blocked(plan));
    }
    Ok(outcome(plan))
}

/// stdout for a plan in `format`: the text coloured by its markers when colour is on; JSON and
/// Markdown as written.
fn stdout(printer: Printer, format: PlanFormat) -> Box<dyn Write> {
    match format {
        PlanFormat::Text => printer.plan_stdout(),
        PlanFormat::Json | PlanFormat::Markdown => Box::new(printer.stdout()),
    }
}

/// A plan with the rule findings of the templates it was made from and the monthly cost
/// change it makes.
struct Planned {
    plan: Plan,
    findings: dap_rules::Report,
    cost: String,
}

/// Connect to one environment and plan it (with `--out`, the deployed state is recorded in
/// the plan, as `apply FILE` needs).
fn plan_one(args: &PlanArgs, name: &str, printer: Printer) -> crate::error::Result<Planned> {
    let session = session::connect(&args.aws(name), printer)?;
    let options = PlanOptions {
        refresh: args.refresh,
        ..PlanOptions::default()
    };
    let mut plan = session.runtime.block_on(session.applier.plan(options))?;
    session::allow(&mut plan, &args.guard, printer);
    if args.out.is_some() {
        session
            .runtime
            .block_on(session.applier.record_deployed(&mut plan))?;
    }
    let rendered =
        dap_planner::render(&session.env).with_context(|| format!("cannot render `{name}`"))?;
    let findings = dap_rules::check_rendered(&session.env, &rendered);
    let cost = cost_change(&session.env, &rendered, &plan);
    Ok(Planned {
        plan,
        findings,
        cost,
    })
}

/// The monthly cost change of a plan (`dap cost`'s estimate of the deployed templates and of
/// the new ones), on one line; what stops the estimate, on one line, is not an error of the
/// plan.
fn cost_change(
    env: &dap_config::Environment,
    rendered: &dap_planner::Rendered,
    plan: &Plan,
) -> String {
    let estimate = || -> Result<String, dap_cost::CostError> {
        let prices = dap_cost::PriceTable::for_region(&env.region)?;
        let after = dap_cost::rendered_templates(rendered);
        let mut before = Vec::new();
        for (name, template) in &after {
            let Some(s) = plan.stacks.iter().find(|s| &s.name == name) else {
                continue;
            };
            match (&s.action, &s.deployed_template) {
                (dap_applier::StackAction::Create, _) => {}
                (_, Some(body)) => {
                    before.push((name.clone(), dap_cost::parse_template(name, body)?))
                }
                (_, None) => before.push((name.clone(), template.clone())),
            }
        }
        let before = dap_cost::estimate(&before, &env.usage, &prices)?;
        let after = dap_cost::estimate(&after, &env.usage, &prices)?;
        Ok(format!(
            "{} (estimate: `dap cost --env {}`)",
            dap_cost::summary(&dap_cost::delta(&before, &after)),
            env.name
        ))
    };
    estimate().unwrap_or_else(|e| format!("Monthly cost: no estimate ({e})"))
}

/// A plan's exit code.
fn outcome(plan: &Plan) -> i32 {
    if !plan.blocked().is_empty() {
        exit_code::BLOCKED
    } else if plan.has_changes() {
        exit_code::CHANGES
    } else {
        exit_code::SUCCESS
    }
}

/// How bad an exit code is, for `--all`'s worst: an error over blocked over changes over none.
fn badness(code: i32) -> u8 {
    match code {
        exit_code::SUCCESS => 0,
        exit_code::CHANGES => 1,
        exit_code::BLOCKED => 2,
        _ => 3,
    }
}

/// `dap plan --all`: every environment that deploys to AWS, concurrently (each connects to
/// its own account, through its own deploy role), one table, the worst exit code.
fn run_all(args: &PlanArgs, printer: Printer) -> crate::error::Result<i32> {
    let selection = EnvSelection {
        env: None,
        all: true,
    };
    let (local, remote): (Vec<_>, Vec<_>) = environments::load(&args.env_dir, &selection)?
        .into_iter()
        .partition(|l| l.env.endpoint_url.is_some());
    let results: Vec<(dap_config::Environment, Result<Planned, CliError>)> =
        std::thread::scope(|scope| {
            let handles: Vec<_> = remote
                .iter()
                .map(|l| {
                    let name = l.env.name.clone();
                    scope.spawn(move || plan_one(args, &name, printer))
                })
                .collect();
            remote
                .iter()
                .zip(handles)
                .map(|(l, h)| {
                    let result = h.join().unwrap_or_else(|_| {
                        Err(CliError::Failed(anyhow::anyhow!(
                            "planning `{}` panicked",
                            l.env.name
                        )))
                    });
                    (l.env.clone(), result)
                })
                .collect()
        });
    let worst = results
        .iter()
        .map(|(_, r)| match r {
            Ok(p) => outcome(&p.plan),
            Err(e) => e.exit_code(),
        })
        .max_by_key(|c| badness(*c))
        .unwrap_or(exit_code::SUCCESS);
    let skipped: Vec<String> = local.iter().map(|l| l.env.name.clone()).collect();
    let mut out = stdout(printer, args.format());
    match args.format() {
        PlanFormat::Text => print_all_text(&mut out, &results, &skipped, worst)?,
        PlanFormat::Json => {
            let doc = serde_json::json!({
                "format_version": dap_applier::PLAN_FORMAT_VERSION,
                "exit_code": worst,
                "skipped": skipped,
                "environments": results.iter().map(|(env, r)| match r {
                    Ok(p) => serde_json::json!({
                        "environment": env.name,
                        "account_id": env.account_id,
                        "exit_code": outcome(&p.plan),
                        "summary": p.plan.summary().to_string(),
                        "cost": p.cost,
                        "plan": p.plan,
                    }),
                    Err(e) => serde_json::json!({
                        "environment": env.name,
                        "account_id": env.account_id,
                        "exit_code": e.exit_code(),
                        "error": e.one_line(),
                    }),
                }).collect::<Vec<_>>(),
            });
            serde_json::to_writer_pretty(&mut out, &doc).context("cannot write the plans")?;
            writeln!(out)?;
        }
        PlanFormat::Markdown => {
            let (head, sections) = all_markdown(&results, &skipped, worst);
            let whole = "`dap plan --env <name>` for each environment".to_owned();
            out.write_all(plan_markdown::assemble(&head, sections, &whole).as_bytes())?;
        }
    }
    out.flush()?;
    Ok(worst)
}

/// One row per environment: its account, result and counts.
fn print_all_text(
    out: &mut impl Write,
    results: &[(dap_config::Environment, Result<Planned, CliError>)],
    skipped: &[String],
    worst: i32,
) -> Result<()> {
    writeln!(
        out,
        "{:<12} {:<12} {:>4} {:>4} {:>6} {:>7} {:>10} {:>4}  result",
        "environment", "account", "add", "change", "remove", "blocked", "broadening", "exit"
    )?;
    for (env, r) in results {
        match r {
            Ok(p) => {
                let s = p.plan.summary();
                writeln!(
                    out,
                    "{:<12} {:<12} {:>4} {:>6} {:>6} {:>7} {:>10} {:>4}  {}",
                    env.name,
                    env.account_id,
                    s.add + s.import,
                    s.change,
                    s.remove,
                    p.plan.blocked().len(),
                    broadening(&p.plan),
                    outcome(&p.plan),
                    result_word(outcome(&p.plan))
                )?;
            }
            Err(e) => writeln!(
                out,
                "{:<12} {:<12} {:>4} {:>6} {:>6} {:>7} {:>10} {:>4}  error: {}",
                env.name,
                env.account_id,
                "-",
                "-",
                "-",
                "-",
                "-",
                e.exit_code(),
                e.one_line()
            )?,
        }
    }
    if !skipped.is_empty() {
        writeln!(
            out,
            "not planned (a local endpoint; plan with `--env`): {}",
            skipped.join(", ")
        )?;
    }
    writeln!(
        out,
        "{} environment{} planned; exit code {worst} ({}); each plan in full: `dap plan --env <name>`",
        results.len(),
        plural(results.len()),
        result_word(worst)
    )?;
    Ok(())
}

fn broadening(plan: &Plan) -> usize {
    if plan.first_deploy() {
        return 0;
    }
    plan.stacks
        .iter()
        .flat_map(|s| &s.security)
        .filter(|c| c.broadening)
        .count()
}

fn result_word(code: i32) -> &'static str {
    match code {
        exit_code::SUCCESS => "no changes",
        exit_code::CHANGES => "changes",
        exit_code::BLOCKED => "blocked",
        _ => "error",
    }
}

/// `--all --format markdown`: a table of the environments, then each environment's plan.
fn all_markdown(
    results: &[(dap_config::Environment, Result<Planned, CliError>)],
    skipped: &[String],
    worst: i32,
) -> (String, Vec<plan_markdown::Section>) {
    let mut head = format!(
        "<!-- dap-plan -->\n## `dap plan --all`: {} ({} environment{})\n\n| environment | account | result | add | change | remove | blocked | broadening |\n|---|---|---|--:|--:|--:|--:|--:|\n",
        result_word(worst),
        results.len(),
        plural(results.len())
    );
    let mut sections = Vec::new();
    for (env, r) in results {
        match r {
            Ok(p) => {
                let s = p.plan.summary();
                head.push_str(&format!(
                    "| `{}` | {} | {} | {} | {} | {} | {} | {} |\n",
                    env.name,
                    env.account_id,
                    result_word(outcome(&p.plan)),
                    s.add + s.import,
                    s.change,
                    s.remove,
                    p.plan.blocked().len(),
                    broadening(&p.plan)
                ));
                let (env_head, stack_sections) =
                    plan_markdown::environment(&p.plan, &p.findings, Some(&p.cost));
                let mut blocks = vec![env_head];
                blocks.extend(stack_sections.into_iter().map(|s| {
                    let mut text = s.open;
                    text.push_str(&s.blocks.concat());
                    text.push_str(&s.close);
                    text
                }));
                sections.push(plan_markdown::Section {
                    open: format!(
                        "<details><summary><b>{}</b>: {}</summary>\n\n",
                        env.name,
                        p.plan.summary()
                    ),
                    blocks,
                    close: "</details>\n\n".to_owned(),
                });
            }
            Err(e) => head.push_str(&format!(
                "| `{}` | {} | **error**: {} | | | | | |\n",
                env.name,
                env.account_id,
                e.one_line().replace('|', "\\|")
            )),
        }
    }
    head.push('\n');
    if !skipped.is_empty() {
        head.push_str(&format!(
            "Not planned (a local endpoint): {}.\n\n",
            skipped
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    (head, sections)
}

/// The plan document: pretty JSON with a final newline.
pub fn plan_json(plan: &Plan) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(plan)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Print a plan: a header, each stack with its resource changes, the one-line summary.
/// `verbose` lists every policy statement of new stacks too (they are summarised otherwise).
/// `cost`, the monthly cost change, comes just before the summary line.
pub fn print_plan(
    out: &mut impl Write,
    plan: &Plan,
    verbose: bool,
    cost: Option<&str>,
) -> Result<()> {
    writeln!(
        out,
        "plan for `{}` (account {}, {})",
        plan.environment, plan.account_id, plan.region
    )?;
    for s in &plan.stacks {
        print_stack(out, plan, s)?;
    }
    print_security(out, plan, verbose)?;
    print_blocked(out, plan)?;
    print_orphans(out, plan)?;
    if let Some(cost) = cost {
        writeln!(out, "{cost}")?;
    }
    writeln!(out, "{}", plan.summary())?;
    Ok(())
}

/// One stack: its action, each resource change with its property values and causes, then
/// the stack-level changes.
fn print_stack(out: &mut impl Write, plan: &Plan, s: &dap_applier::StackPlan) -> Result<()> {
    let head = match s.action {
        StackAction::Create => format!("create ({} resources)", s.changes.len()),
        StackAction::Update => "update".to_owned(),
        StackAction::None => "no changes".to_owned(),
    };
    writeln!(out, "{}: {head}", s.name)?;
    for c in &s.changes {
        writeln!(out, "{}", change_line(c, plan.allow_import))?;
        for p in &c.properties {
            let mark = if c.replacement_reasons.contains(&p.path) {
                "  (create-only: forces replacement)"
            } else {
                ""
            };
            writeln!(out, "      {}{mark}", property(p))?;
        }
        for cause in &c.causes {
            writeln!(out, "      because: {cause}")?;
        }
        if c.action == ChangeAction::Modify && c.properties.is_empty() && c.causes.is_empty() {
            writeln!(
                out,
                "      (no property of the template changed: a parameter value or a dependency did)"
            )?;
        }
    }
    for change in &s.stack_changes {
        writeln!(out, "  * {change}")?;
    }
    Ok(())
}

/// A resource change's line: its marker, type and logical id, then what is known about it
/// (an import, a replacement and who predicted it, the guard's verdict).
fn change_line(c: &dap_applier::ResourceChange, allow_import: bool) -> String {
    let sign = match c.action {
        ChangeAction::Add => "+",
        ChangeAction::Modify => "~",
        ChangeAction::Remove => "-",
        ChangeAction::Import => "<",
        ChangeAction::Other(_) => "*",
    };
    let mut line = format!("  {sign} {} {}", c.resource_type, c.logical_id);
    if c.action == ChangeAction::Import {
        line.push_str(&format!(
            " (import: `{}` exists outside any stack{})",
            c.physical_id.as_deref().unwrap_or("?"),
            if allow_import {
                ""
            } else {
                "; adopt with `--import`"
            }
        ));
    }
    if let ChangeAction::Other(a) = &c.action {
        line.push_str(&format!(" ({a})"));
    }
    if !c.replacement_reasons.is_empty() {
        line.push_str(" [replaced]");
    }
    if let Some(r) = &c.replacement {
        line.push_str(&format!(" [CloudFormation replacement: {r}]"));
    }
    if c.replacement_disagrees {
        line.push_str(" [prediction and CloudFormation disagree]");
    }
    match c.guard {
        Verdict::Blocked => line.push_str(" BLOCKED"),
        Verdict::Allowed => line.push_str(" (allowed)"),
        Verdict::Unguarded => {}
    }
    line
}

/// The changes the data-loss guard blocks, each with the flag that allows it.
fn print_blocked(out: &mut impl Write, plan: &Plan) -> Result<()> {
    let blocked = plan.blocked();
    if blocked.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "blocked: {} change{} would replace or remove data-bearing resources",
        blocked.len(),
        if blocked.len() == 1 { "" } else { "s" }
    )?;
    for (s, c) in &blocked {
        let flag = match guard::loss(c) {
            Some(Loss::Remove) => "--allow-remove",
            _ => "--allow-replace",
        };
        writeln!(
            out,
            "  ! {} {}/{}: allow with `{flag} {}/{}`",
            c.resource_type, s.name, c.logical_id, s.kind, c.logical_id
        )?;
    }
    Ok(())
}

/// The environment's deployed stacks the model no longer has, and how to delete them.
fn print_orphans(out: &mut impl Write, plan: &Plan) -> Result<()> {
    if plan.orphans.is_empty() {
        return Ok(());
    }
    let n = plan.orphans.len();
    writeln!(
        out,
        "orphans: {n} deployed stack{} tagged `dap:environment: {}` {} not in the model (a renamed prefix or a removed stack); apply leaves {}:",
        if n == 1 { "" } else { "s" },
        plan.environment,
        if n == 1 { "is" } else { "are" },
        if n == 1 { "it" } else { "them" },
    )?;
    for o in &plan.orphans {
        writeln!(out, "  ? {} ({})", o.name, o.status)?;
    }
    writeln!(
        out,
        "  `dap destroy --env {} --orphans` deletes {} (what {} retain, such as data buckets and keys, stays and is listed); resources the plan adds under new names do not reuse theirs",
        plan.environment,
        if n == 1 { "it" } else { "them" },
        if n == 1 { "it would" } else { "they would" },
    )?;
    Ok(())
}

/// The security diff: deployed stacks' statement changes one by one (broadening first), new
/// stacks' grants summarised per principal (every statement with `verbose`).
fn print_security(out: &mut impl Write, plan: &Plan, verbose: bool) -> Result<()> {
    let changed: Vec<_> = plan
        .stacks
        .iter()
        .filter(|s| s.action != StackAction::Create)
        .flat_map(|s| s.security.iter().map(move |c| (s, c)))
        .collect();
    if !changed.is_empty() {
        let broadening = changed.iter().filter(|(_, c)| c.broadening).count();
        writeln!(
            out,
            "security: {} policy statement change{} in deployed stacks, {broadening} broadening",
            changed.len(),
            plural(changed.len())
        )?;
        for (s, c) in &changed {
            print_statement(out, &s.name, c)?;
        }
    }
    let new: Vec<_> = plan
        .stacks
        .iter()
        .filter(|s| s.action == StackAction::Create && !s.security.is_empty())
        .collect();
    if new.is_empty() {
        return Ok(());
    }
    let statements: usize = new.iter().map(|s| s.security.len()).sum();
    let why = if plan.first_deploy() {
        "a first deploy: nothing deployed to broaden".to_owned()
    } else {
        let b = new
            .iter()
            .flat_map(|s| &s.security)
            .filter(|c| c.broadening)
            .count();
        format!(
            "{b} broadening: new access to the deployed platform{}",
            if verbose { "" } else { ", listed with `-v`" }
        )
    };
    writeln!(
        out,
        "grants of {} new stack{} ({statements} policy statements; {why}):",
        new.len(),
        plural(new.len())
    )?;
    for s in &new {
        let g = grants::summarise(&s.security);
        writeln!(
            out,
            "  {}: {} allow statement{} to {} principal{}, {} deny statement{}",
            s.name,
            g.allows(),
            plural(g.allows()),
            g.grants.len(),
            plural(g.grants.len()),
            g.deny_statements(),
            plural(g.deny_statements())
        )?;
        for p in &g.grants {
            let conditions = match p.conditional {
                0 => String::new(),
                n if n == p.statements => " (under conditions)".to_owned(),
                n => format!(" ({n} of {} under conditions)", p.statements),
            };
            writeln!(
                out,
                "    {}: {} on {}{conditions}",
                p.principal,
                first(&p.actions, 4),
                first(&p.resources, 3)
            )?;
        }
        for d in &g.denies {
            writeln!(out, "    denied by `{}` on {}", d.sid, first(&d.on, 4))?;
        }
        if verbose {
            for c in &s.security {
                print_statement(out, &s.name, c)?;
            }
        }
    }
    if !verbose {
        writeln!(
            out,
            "  (each statement: `-v`, or the plan document with `--json`)"
        )?;
    }
    Ok(())
}

fn print_statement(out: &mut impl Write, stack: &str, c: &SecurityChange) -> Result<()> {
    writeln!(
        out,
        "  {} {stack}/{} {} {} `{}` ({}): {}",
        if c.broadening {
            "BROADENING"
        } else {
            "narrowing"
        },
        c.logical_id,
        c.document,
        c.effect,
        c.sid,
        c.change,
        c.principals.join(", ")
    )?;
    for g in c.gained.iter().chain(&c.lost) {
        let wild = c.wildcards.iter().any(|w| g.ends_with(&format!(" {w}")));
        writeln!(out, "      {g}{}", if wild { "  <- wildcard" } else { "" })?;
    }
    Ok(())
}

/// The first `n` values, then how many more.
fn first(values: &[String], n: usize) -> String {
    let mut shown = values
        .iter()
        .take(n)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if values.len() > n {
        shown.push_str(&format!(" (+{} more)", values.len() - n));
    }
    shown
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `path: before -> after`, values as compact JSON, long ones shortened.
fn property(p: &PropertyChange) -> String {
    let show = |v: &Option<serde_json::Value>| match v {
        None => "(none)".to_owned(),
        Some(v) => {
            let s = v.to_string();
            if s.chars().count() > 80 {
                format!("{}...", s.chars().take(77).collect::<String>())
            } else {
                s
            }
        }
    };
    format!("{}: {} -> {}", p.path, show(&p.before), show(&p.after))
}
