//! The mutation suite: insecure edits of prod's rendered templates, as an attacker (or a careless
//! hand edit) would make them, each with the finding it must raise.
//!
//! The mutations are data, in `tests/mutations.yaml`. For each one the test renders
//! `environments/prod.yaml`, takes the named stack's template as a JSON value, applies the
//! edits (JSON-pointer path and op), writes the template back to YAML text (splicing raw YAML,
//! such as short-form intrinsics, in verbatim) and checks all of prod's stacks, the edited one
//! replaced, with [`dap_rules::check_sources`] and prod's environment. The expected code must
//! be among the unsuppressed findings on the expected logical id.
//!
//! Every mutation runs; failures are collected and reported together, so one run shows the
//! state of the whole suite:
//!
//! ```text
//! cargo test -p dap-rules --test rules mutations -- --nocapture
//! ```
//!
//! `DAP_MUTATION_SHOW=<name>` prints that mutation's edited template.
//!
//! ## Edits
//!
//! - `set`: replace the value at `path` (or create the key when its parent is a mapping).
//! - `add`: append `value` to the sequence at `path`; or insert it at `path` when the parent
//!   is a sequence (an index, or `-` for the end); or insert a new key (which must not exist)
//!   into the parent mapping.
//! - `remove`: remove the key or sequence item at `path` (it must exist).
//! - `merge`: JSON merge patch (RFC 7396) of `value` into the mapping at `path`.
//! - `test`: change nothing, but fail unless the value at `path` equals `value` (to pin, say,
//!   that `Statement/6` is still the statement the mutation means to edit).
//!
//! `value` is YAML. Where a value must be written as a hand-edited template would write it
//! (`!Sub '...'`, `!Join [...]`, `!Ref X`), give `raw: "<one line of YAML>"` instead of `value`,
//! or put `{$raw: "<one line of YAML>"}` anywhere inside `value`: it is serialized as a unique
//! placeholder and the placeholder is replaced by the raw text in the output, so the rules parse
//! the short form themselves.

use std::collections::BTreeSet;

use dap_rules::{check_sources, Finding, Report, Severity, Source};
use serde::Deserialize;
use serde_json::{Map, Value};

/// One insecure edit of a stack and the finding it must raise.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Mutation {
    /// Short, unique.
    name: String,
    /// What the attacker gains.
    why: String,
    /// The stack's short name (`storage`).
    stack: String,
    edits: Vec<Edit>,
    expect: Expect,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Edit {
    op: Op,
    /// A JSON pointer into the template (`/Resources/X/Properties/...`).
    path: String,
    #[serde(default)]
    value: Option<Value>,
    /// One line of YAML spliced in verbatim, instead of `value`.
    #[serde(default)]
    raw: Option<String>,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Op {
    Set,
    Add,
    Remove,
    Merge,
    Test,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    /// The rule's code.
    code: String,
    /// The logical id the finding must be on.
    resource: String,
    /// The stack of that resource, when it is not the edited stack.
    #[serde(default)]
    stack: Option<String>,
    /// A substring the finding's message must contain.
    #[serde(default)]
    message: Option<String>,
}

impl Mutation {
    fn expected_stack(&self) -> &str {
        self.expect.stack.as_deref().unwrap_or(&self.stack)
    }

    fn expected(&self) -> String {
        let mut s = format!(
            "{} on {}/{}",
            self.expect.code,
            self.expected_stack(),
            self.expect.resource
        );
        if let Some(m) = &self.expect.message {
            s.push_str(&format!(" with a message containing {m:?}"));
        }
        s
    }
}

const RAW_KEY: &str = "$raw";

fn load_mutations() -> Vec<Mutation> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mutations.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("tests/mutations.yaml: {e}"))
}

/// Prod, rendered.
fn prod() -> (dap_config::Environment, dap_planner::Rendered) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../environments/prod.yaml");
    let env = dap_config::parse(
        "environments/prod.yaml",
        &std::fs::read_to_string(path).unwrap(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let rendered = dap_planner::render(&env).unwrap();
    (env, rendered)
}

// ---------------------------------------------------------------------------------------------
// Edits

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// The pointer's parent path and last token.
fn split(path: &str) -> Result<(&str, String), String> {
    if !path.starts_with('/') {
        return Err(format!(
            "`{path}` is not a JSON pointer (it must start with `/`)"
        ));
    }
    let i = path.rfind('/').unwrap();
    Ok((&path[..i], unescape(&path[i + 1..])))
}

fn at<'v>(doc: &'v mut Value, path: &str) -> Result<&'v mut Value, String> {
    doc.pointer_mut(path)
        .ok_or_else(|| format!("nothing at `{path}`"))
}

fn index(list: &[Value], token: &str, path: &str, insert: bool) -> Result<usize, String> {
    if insert && token == "-" {
        return Ok(list.len());
    }
    let i: usize = token
        .parse()
        .map_err(|_| format!("`{token}` in `{path}` is not a sequence index"))?;
    if i > list.len() || (!insert && i == list.len()) {
        return Err(format!(
            "index {i} in `{path}` is out of range (the sequence has {} items)",
            list.len()
        ));
    }
    Ok(i)
}

/// RFC 7396.
fn merge_patch(target: &mut Value, patch: Value) {
    match patch {
        Value::Object(patch) => {
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            let t = target.as_object_mut().unwrap();
            for (k, v) in patch {
                if v.is_null() {
                    t.shift_remove(&k);
                } else {
                    merge_patch(t.entry(k).or_insert(Value::Null), v);
                }
            }
        }
        other => *target = other,
    }
}

/// Replace every `{$raw: text}` (and a top-level raw value) with a placeholder string,
/// remembering the text.
fn placeholders(v: &mut Value, raws: &mut Vec<(String, String)>) -> Result<(), String> {
    let raw = match v {
        Value::Object(m) if m.len() == 1 && m.contains_key(RAW_KEY) => Some(
            m[RAW_KEY]
                .as_str()
                .ok_or_else(|| format!("`{RAW_KEY}` must be a string of YAML"))?
                .to_owned(),
        ),
        _ => None,
    };
    if let Some(text) = raw {
        *v = Value::String(placeholder(text, raws)?);
        return Ok(());
    }
    match v {
        Value::Object(m) => m.values_mut().try_for_each(|x| placeholders(x, raws)),
        Value::Array(a) => a.iter_mut().try_for_each(|x| placeholders(x, raws)),
        _ => Ok(()),
    }
}

fn placeholder(text: String, raws: &mut Vec<(String, String)>) -> Result<String, String> {
    if text.contains('\n') {
        return Err(format!("raw YAML must be one line: {text:?}"));
    }
    let p = format!("DAPMUTATIONRAW{}X", raws.len());
    raws.push((p.clone(), text));
    Ok(p)
}

fn apply(doc: &mut Value, edit: &Edit, raws: &mut Vec<(String, String)>) -> Result<(), String> {
    let value = match (&edit.value, &edit.raw, edit.op) {
        (_, _, Op::Remove) if edit.value.is_some() || edit.raw.is_some() => {
            return Err("`remove` takes no value".into());
        }
        (_, _, Op::Remove) => None,
        (Some(_), Some(_), _) => return Err("give `value` or `raw`, not both".into()),
        (None, None, _) => return Err("the edit needs a `value` or a `raw`".into()),
        (Some(v), None, _) => {
            let mut v = v.clone();
            placeholders(&mut v, raws)?;
            Some(v)
        }
        (None, Some(text), _) => Some(Value::String(placeholder(text.clone(), raws)?)),
    };
    let path = edit.path.as_str();
    let (parent_path, token) = split(path)?;
    match edit.op {
        Op::Test => {
            let want = value.unwrap();
            let got = at(doc, path)?;
            if *got != want {
                return Err(format!("`{path}` is {got}, not {want}"));
            }
        }
        Op::Set => {
            let value = value.unwrap();
            match at(doc, parent_path)? {
                Value::Object(m) => {
                    m.insert(token, value);
                }
                Value::Array(a) => {
                    let i = index(a, &token, path, false)?;
                    a[i] = value;
                }
                other => return Err(format!("`{parent_path}` is a scalar: {other}")),
            }
        }
        Op::Add => {
            let value = value.unwrap();
            if let Some(Value::Array(a)) = doc.pointer_mut(path) {
                a.push(value);
                return Ok(());
            }
            match at(doc, parent_path)? {
                Value::Array(a) => {
                    let i = index(a, &token, path, true)?;
                    a.insert(i, value);
                }
                Value::Object(m) => {
                    if m.contains_key(&token) {
                        return Err(format!(
                            "`{path}` exists and is not a sequence: use `set` or `merge`"
                        ));
                    }
                    m.insert(token, value);
                }
                other => return Err(format!("`{parent_path}` is a scalar: {other}")),
            }
        }
        Op::Remove => match at(doc, parent_path)? {
            Value::Object(m) => {
                m.shift_remove(&token)
                    .ok_or_else(|| format!("nothing at `{path}` to remove"))?;
            }
            Value::Array(a) => {
                let i = index(a, &token, path, false)?;
                a.remove(i);
            }
            other => return Err(format!("`{parent_path}` is a scalar: {other}")),
        },
        Op::Merge => {
            let value = value.unwrap();
            if !value.is_object() {
                return Err("`merge` takes a mapping".into());
            }
            let target = at(doc, path)?;
            if !target.is_object() {
                return Err(format!("`{path}` is not a mapping: {target}"));
            }
            merge_patch(target, value);
        }
    }
    Ok(())
}

/// The YAML text of a template with the raw texts spliced in.
fn to_text(doc: &Value, raws: &[(String, String)]) -> Result<String, String> {
    let mut text = serde_yaml::to_string(doc).map_err(|e| e.to_string())?;
    for (p, raw) in raws {
        let n = text.matches(p.as_str()).count();
        if n != 1 {
            return Err(format!("placeholder {p} occurs {n} times in the output"));
        }
        for quoted in [format!("'{p}'"), format!("\"{p}\""), p.clone()] {
            if text.contains(&quoted) {
                text = text.replace(&quoted, raw);
                break;
            }
        }
    }
    Ok(text)
}

/// The edited stack's template text.
fn mutate(yaml: &str, m: &Mutation) -> Result<String, String> {
    let mut doc: Value = serde_yaml::from_str(yaml).map_err(|e| e.to_string())?;
    let before = doc.clone();
    let mut raws = Vec::new();
    for (i, edit) in m.edits.iter().enumerate() {
        apply(&mut doc, edit, &mut raws)
            .map_err(|e| format!("edit {} ({:?} `{}`): {e}", i + 1, edit.op, edit.path))?;
    }
    // (`test` edits alone change nothing either.)
    if doc == before && raws.is_empty() {
        return Err("the edits change nothing".into());
    }
    let text = to_text(&doc, &raws)?;
    let parsed = dap_rules::template::parse_text(&text)
        .map_err(|e| format!("the edited template does not parse: {e}\n{text}"))?;
    if parsed["Resources"].get(&m.expect.resource).is_none() && m.expect.stack.is_none() {
        return Err(format!(
            "the edited template has no resource `{}`",
            m.expect.resource
        ));
    }
    Ok(text)
}

// ---------------------------------------------------------------------------------------------
// Checking

/// Check prod with one stack's text replaced (or none).
fn check(
    env: &dap_config::Environment,
    rendered: &dap_planner::Rendered,
    replace: Option<(&str, &str)>,
) -> Result<Report, String> {
    let files = dap_rules::files(rendered);
    let mut sources: Vec<Source<'_>> = dap_rules::sources(rendered, &files);
    if let Some((slug, text)) = replace {
        let s = sources
            .iter_mut()
            .find(|s| s.slug == slug)
            .ok_or_else(|| format!("prod has no stack `{slug}`"))?;
        s.text = text;
    }
    check_sources(&env.name, &sources, Some(env)).map_err(|e| e.to_string())
}

fn show(f: &Finding) -> String {
    format!(
        "{} {} {}/{}: {}{}",
        f.severity,
        f.code,
        f.slug,
        f.logical_id,
        f.message,
        if f.suppressed.is_some() {
            " [suppressed]"
        } else {
            ""
        }
    )
}

/// What identifies a finding across runs (not its line).
fn key(f: &Finding) -> (String, String, String, String) {
    (
        f.code.to_owned(),
        f.slug.clone(),
        f.logical_id.clone(),
        f.message.clone(),
    )
}

fn matches(f: &Finding, m: &Mutation) -> bool {
    f.code == m.expect.code
        && f.slug == m.expected_stack()
        && f.logical_id == m.expect.resource
        && f.suppressed.is_none()
}

/// Run one mutation: `Ok` when its finding is raised, else what went wrong.
fn run(
    env: &dap_config::Environment,
    rendered: &dap_planner::Rendered,
    control: &Report,
    m: &Mutation,
) -> Result<(), String> {
    if control.findings.iter().any(|f| matches(f, m)) {
        return Err(format!(
            "vacuous: prod as rendered already has {} on {}/{}",
            m.expect.code,
            m.expected_stack(),
            m.expect.resource
        ));
    }
    let stack = rendered
        .stacks
        .iter()
        .find(|s| s.kind.slug() == m.stack)
        .ok_or_else(|| format!("prod has no stack `{}`", m.stack))?;
    let text = mutate(&stack.yaml, m)?;
    if std::env::var("DAP_MUTATION_SHOW").is_ok_and(|n| n == m.name) {
        println!("--- {} ({}.yaml, edited)\n{text}", m.name, m.stack);
    }
    let report = check(env, rendered, Some((&m.stack, &text)))?;
    let hit = report.findings.iter().filter(|f| matches(f, m)).any(|f| {
        m.expect
            .message
            .as_ref()
            .is_none_or(|s| f.message.contains(s.as_str()))
    });
    if hit {
        return Ok(());
    }
    let old: BTreeSet<_> = control.findings.iter().map(key).collect();
    let on: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.slug == m.expected_stack() && f.logical_id == m.expect.resource)
        .map(show)
        .collect();
    let new: Vec<String> = report
        .findings
        .iter()
        .filter(|f| !old.contains(&key(f)))
        .filter(|f| !(f.slug == m.expected_stack() && f.logical_id == m.expect.resource))
        .map(show)
        .collect();
    let list = |v: &[String]| {
        if v.is_empty() {
            "none".to_owned()
        } else {
            v.iter().map(|s| format!("\n      {s}")).collect::<String>()
        }
    };
    Err(format!(
        "found on {}/{}: {}\n    new findings elsewhere: {}",
        m.expected_stack(),
        m.expect.resource,
        list(&on),
        list(&new)
    ))
}

fn control_problems(control: &Report) -> Vec<String> {
    control
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error && f.suppressed.is_none())
        .map(show)
        .collect()
}

/// Prod as rendered, checked as text the way the mutations are: no unsuppressed finding of
/// error severity (the access-log bucket's platform-wide `DAP-S3-007` exception is an error
/// finding, suppressed in its metadata).
#[test]
fn control_prod_as_rendered_has_no_error_finding() {
    let (env, rendered) = prod();
    let control = check(&env, &rendered, None).unwrap();
    let problems = control_problems(&control);
    assert!(
        problems.is_empty(),
        "control: prod as rendered has error findings:\n  {}",
        problems.join("\n  ")
    );
}

/// Writing a stack back through the suite's own path (parse, serialize, no edits) changes no
/// finding: what a mutation raises comes from its edits, not from the round trip.
#[test]
fn an_unedited_round_trip_changes_no_finding() {
    let (env, rendered) = prod();
    let control = check(&env, &rendered, None).unwrap();
    let want: BTreeSet<_> = control.findings.iter().map(key).collect();
    for s in &rendered.stacks {
        let doc: Value = serde_yaml::from_str(&s.yaml).unwrap();
        let text = to_text(&doc, &[]).unwrap();
        let report = check(&env, &rendered, Some((s.kind.slug(), &text))).unwrap();
        let got: BTreeSet<_> = report.findings.iter().map(key).collect();
        assert_eq!(got, want, "round trip of {}", s.kind.slug());
    }
}

/// Raw YAML reaches the rules as the short form a hand-edited template would use, and the ops
/// do what the data file's header says.
#[test]
fn edits_and_raw_yaml_work_as_documented() {
    let yaml = "Resources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      L: [a]\n      M: {k: v}\n";
    let edits: Vec<Edit> = serde_yaml::from_str(
        r#"
- {op: add, path: /Resources/P/Properties/L, value: b}
- {op: add, path: /Resources/P/Properties/L/0, value: z}
- {op: set, path: /Resources/P/Properties/M/k, raw: "!Sub 'arn:${AWS::Partition}:s3:::*'"}
- {op: merge, path: /Resources/P/Properties/M, value: {n: [{$raw: "!Join ['', ['a', '*']]"}]}}
- {op: add, path: /Resources/P/Properties/N, value: 1}
- {op: remove, path: /Resources/P/Properties/L/2}
- {op: test, path: /Resources/P/Properties/L, value: [z, a]}
"#,
    )
    .unwrap();
    let m = Mutation {
        name: "example".into(),
        why: "example".into(),
        stack: "example".into(),
        edits,
        expect: Expect {
            code: "DAP-X-001".into(),
            resource: "P".into(),
            stack: None,
            message: None,
        },
    };
    let text = mutate(yaml, &m).unwrap();
    assert!(
        text.contains("!Sub 'arn:${AWS::Partition}:s3:::*'"),
        "{text}"
    );
    assert!(!text.contains("DAPMUTATIONRAW"), "{text}");
    let doc = dap_rules::template::parse_text(&text).unwrap();
    let props = &doc["Resources"]["P"]["Properties"];
    assert_eq!(props["L"], serde_json::json!(["z", "a"]));
    assert_eq!(
        props["M"]["k"],
        serde_json::json!({"Fn::Sub": "arn:${AWS::Partition}:s3:::*"})
    );
    assert_eq!(
        props["M"]["n"],
        serde_json::json!([{"Fn::Join": ["", ["a", "*"]]}])
    );
    assert_eq!(props["N"], 1);
    // A path that does not exist, or an `add` over an existing key, is an error.
    for bad in [
        "{op: set, path: /Resources/Q/Properties/x, value: 1}",
        "{op: remove, path: /Resources/P/Properties/nope}",
        "{op: add, path: /Resources/P/Properties/M, value: 1}",
        "{op: test, path: /Resources/P/Type, value: AWS::S3::Bucket}",
    ] {
        let m = Mutation {
            edits: vec![serde_yaml::from_str(bad).unwrap()],
            ..m.clone()
        };
        assert!(mutate(yaml, &m).is_err(), "{bad}");
    }
}

/// The data file is well formed and every mutation applies to prod as rendered (paths exist,
/// the edited text parses, the expected resource exists), whatever the rules find today.
#[test]
fn every_mutation_applies() {
    let (_, rendered) = prod();
    let mutations = load_mutations();
    assert!(mutations.len() >= 45, "{}", mutations.len());
    let mut names = BTreeSet::new();
    let mut problems = Vec::new();
    for m in &mutations {
        if !names.insert(m.name.as_str()) {
            problems.push(format!("`{}`: the name is used twice", m.name));
        }
        if m.why.trim().is_empty() {
            problems.push(format!("`{}`: no `why`", m.name));
        }
        let code = m.expect.code.split('-').collect::<Vec<_>>();
        if !(code.len() == 3
            && code[0] == "DAP"
            && code[2].len() == 3
            && code[2].chars().all(|c| c.is_ascii_digit()))
        {
            problems.push(format!(
                "`{}`: `{}` is not a rule code",
                m.name, m.expect.code
            ));
        }
        let Some(stack) = rendered.stacks.iter().find(|s| s.kind.slug() == m.stack) else {
            problems.push(format!("`{}`: prod has no stack `{}`", m.name, m.stack));
            continue;
        };
        if let Err(e) = mutate(&stack.yaml, m) {
            problems.push(format!("`{}`: {e}", m.name));
        }
        if let Some(other) = &m.expect.stack {
            let exists = rendered.stacks.iter().any(|s| {
                s.kind.slug() == other
                    && dap_rules::template::parse_text(&s.yaml).unwrap()["Resources"]
                        .get(&m.expect.resource)
                        .is_some()
            });
            if !exists {
                problems.push(format!(
                    "`{}`: stack `{other}` has no resource `{}`",
                    m.name, m.expect.resource
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every mutation raises its finding.
// Ignored until the semantic rules land: enabled when the semantic rules land (many mutations
// expect findings of rules being rewritten or added, `DAP-IAM-007`, `-008`, `-009`).
#[test]
fn every_mutation_raises_its_finding() {
    let (env, rendered) = prod();
    let control = check(&env, &rendered, None).unwrap();
    let mut failures = Vec::new();
    let problems = control_problems(&control);
    if !problems.is_empty() {
        failures.push(format!(
            "control (prod as rendered) has error findings:\n    {}",
            problems.join("\n    ")
        ));
    }
    let mutations = load_mutations();
    let mut passed = 0;
    for m in &mutations {
        match run(&env, &rendered, &control, m) {
            Ok(()) => {
                passed += 1;
                println!("pass  {:<48} {}", m.name, m.expected());
            }
            Err(e) => {
                println!("FAIL  {:<48} {}", m.name, m.expected());
                failures.push(format!(
                    "mutation `{}` ({}: {})\n    expected: {}\n    {e}",
                    m.name,
                    m.stack,
                    m.why,
                    m.expected()
                ));
            }
        }
    }
    println!(
        "{passed} of {} mutations raise their finding",
        mutations.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} mutations fail:\n\n{}",
        mutations.len() - passed,
        mutations.len(),
        failures.join("\n\n")
    );
}
