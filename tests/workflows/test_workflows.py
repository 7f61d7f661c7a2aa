"""The GitHub Actions workflows users copy (.github/workflows/): test.yml (`make test`),
pull-request.yml (render, docs, rules as SARIF, the plan as one sticky comment) and deploy.yml
(dev, then staging, then prod; plan, then apply the saved plan). Checked offline:

- the rules the workflows keep: a timeout on every job, permissions declared and each one used,
  every action pinned to a version tag or a commit, no `${{ }}` inside a script, the deploy
  order, the GitHub environments, one concurrency group per environment;
- every `dap` command line, one per line, in the form the CLI's own test parses;
- the scripts themselves, run under bash with a stand-in `dap` that exits 0, 1, 2, 3 or 64: the
  plan's exit code decides the job as documented; shellcheck finds nothing in them;
- the sticky comment's script, run under Node.js against a stand-in GitHub API;
- that the validators can fail: check-jsonschema refuses a workflow with an unknown key or a
  wrong type, zizmor one with a template injection.

scripts/validate-workflows.sh runs this after check-jsonschema and zizmor over the real files.
"""
from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
ZIZMOR_CONFIG = ROOT / ".github" / "zizmor.yml"
HARNESS = Path(__file__).with_name("github_script_harness.js")
BIN = Path(sys.executable).parent  # the venv's bin: check-jsonschema, zizmor, shellcheck
ENVIRONMENTS = ("dev", "staging", "prod")  # deployed in this order; `local` never by CI
NAMES = ("test.yml", "pull-request.yml", "deploy.yml")

# Every dap command line of the workflows: the CLI surface CI relies on. A change here is a
# change of what users copy, and the CLI's test parses each of these lines with its parser.
EXPECTED_DAP_LINES = {
    "test.yml": set(),
    "pull-request.yml": {
        "dap render --all",
        "dap check --all --format sarif > dap.sarif",
        "dap docs --all --check",
        "dap docs --compare staging prod --check",
        "dap plan --all --format markdown > plan.md",
    },
    "deploy.yml": {
        *(f"dap plan --env {e} --format markdown --out plan-{e}.json > plan-{e}.md" for e in ENVIRONMENTS),
        *(f"dap apply --env {e} --yes plan-{e}.json" for e in ENVIRONMENTS),
        "dap apply --env prod --yes --approve-broadening plan-prod.json",
    },
}
# One dap invocation: `dap` and plain words, optionally `> file`; no variable, quote, pipe,
# `;`, `&&` or substitution, so that a parser test can split it on spaces.
DAP_LINE = re.compile(r"dap(?: [A-Za-z0-9_./:=-]+)+(?: > [A-Za-z0-9_./-]+)?")
# dap run as a command anywhere but at the start of a line (after ;, &&, |, $( or a keyword).
DAP_ELSEWHERE = re.compile(r"(?:[;&|(`]|\b(?:then|do|else|exec|time|xargs|env))\s*dap\s")

# What a permission is for: a job may hold it only when it uses one of these actions, and a job
# that uses one must hold it. `contents: read` (checkout) is the only other permission allowed.
PERMISSION_USERS = {
    ("id-token", "write"): {"aws-actions/configure-aws-credentials"},
    ("security-events", "write"): {"github/codeql-action/upload-sarif"},
    ("actions", "read"): {"github/codeql-action/upload-sarif"},
    ("pull-requests", "write"): {"actions/github-script", "marocchino/sticky-pull-request-comment"},
}
# A pinned `uses:`: a version tag (v4, v4.1, v4.1.2) or a full commit hash. dtolnay/rust-toolchain
# is the exception: its refs name the toolchain it installs (stable, 1.85.0).
PINNED = re.compile(r"[^@\s]+@(?:v\d+(?:\.\d+){0,2}|[0-9a-f]{40})")
TOOLCHAIN_PIN = re.compile(r"dtolnay/rust-toolchain@(?:stable|\d+\.\d+(?:\.\d+)?|[0-9a-f]{40})")


def load(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the key `on` as true.
    if True in data:
        data["on"] = data.pop(True)
    return data


@pytest.fixture(scope="module")
def workflows() -> dict[str, dict]:
    return {name: load(name) for name in NAMES}


def jobs(workflows):
    for name, wf in workflows.items():
        for job_id, job in wf["jobs"].items():
            yield name, job_id, job


def action(step: dict) -> str | None:
    """`actions/checkout` for `uses: actions/checkout@v4`; None for a `run:` step."""
    return step["uses"].split("@")[0] if "uses" in step else None


def run_scripts(workflows):
    for name, job_id, job in jobs(workflows):
        for step in job.get("steps", []):
            if "run" in step:
                yield name, job_id, step


def dap_lines(script: str) -> list[str]:
    return [line.strip() for line in script.splitlines() if line.strip().startswith("dap ")]


def step_named(job: dict, name: str) -> dict:
    matches = [s for s in job["steps"] if s.get("name") == name]
    assert len(matches) == 1, f"one step named {name!r}"
    return matches[0]


# --- the rules the workflows keep -------------------------------------------------------------


def test_the_three_workflows_are_there():
    present = {p.name for p in WORKFLOWS.glob("*.yml")}
    assert set(NAMES) <= present


def test_every_job_has_a_timeout(workflows):
    for name, job_id, job in jobs(workflows):
        minutes = job.get("timeout-minutes")
        assert isinstance(minutes, int) and 1 <= minutes <= 120, f"{name} {job_id}: timeout-minutes {minutes!r}"


def test_permissions_are_declared_least_and_used(workflows):
    for name, wf in workflows.items():
        # Nothing at the workflow level: a job without its own block would get nothing.
        assert wf.get("permissions") == {}, f"{name}: permissions: {{}} at the workflow level"
    for name, job_id, job in jobs(workflows):
        perms = job.get("permissions")
        assert isinstance(perms, dict), f"{name} {job_id}: its own permissions block"
        used = {action(s) for s in job.get("steps", [])} - {None}
        for scope, level in perms.items():
            if (scope, level) == ("contents", "read"):
                continue
            users = PERMISSION_USERS.get((scope, level))
            assert users, f"{name} {job_id}: {scope}: {level} is not a permission these workflows need"
            assert users & used, f"{name} {job_id}: {scope}: {level} but no step uses it ({sorted(users)})"
        for (scope, level), users in PERMISSION_USERS.items():
            if users & used:
                assert perms.get(scope) == level, f"{name} {job_id}: {sorted(users & used)} needs {scope}: {level}"


def test_every_action_is_pinned_to_a_version_or_a_commit(workflows):
    seen = set()
    for name, job_id, job in jobs(workflows):
        for step in job.get("steps", []):
            if "uses" not in step:
                continue
            uses = step["uses"]
            seen.add(uses)
            if uses.startswith("dtolnay/rust-toolchain@"):
                assert TOOLCHAIN_PIN.fullmatch(uses), f"{name} {job_id}: {uses}"
            else:
                assert PINNED.fullmatch(uses), f"{name} {job_id}: {uses} is not pinned to a version tag or a commit"
    assert not any(u.endswith(("@main", "@master")) for u in seen)


def test_no_expression_is_expanded_inside_a_script(workflows):
    # `${{ }}` in a script is pasted into it before bash reads it (a pull request's title can
    # become code); values reach the scripts through `env:` instead.
    for name, job_id, step in run_scripts(workflows):
        assert "${{" not in step["run"], f"{name} {job_id} {step.get('name')}: use env: instead"


def test_aws_credentials_come_from_the_ci_role_by_oidc(workflows):
    count = 0
    for name, job_id, job in jobs(workflows):
        for step in job.get("steps", []):
            if action(step) != "aws-actions/configure-aws-credentials":
                continue
            count += 1
            assert step["uses"].endswith("@v4")
            w = step["with"]
            assert w["role-to-assume"] == "${{ vars.DAP_CI_ROLE_ARN }}", f"{name} {job_id}"
            assert w["aws-region"] == "ca-central-1", f"{name} {job_id}"
            assert not {"aws-access-key-id", "aws-secret-access-key"} & set(w), f"{name} {job_id}: no long-lived keys"
    assert count == 1 + 2 * len(ENVIRONMENTS)  # the pull request's plan, each plan and apply


def test_the_pull_request_plan_runs_only_on_branches_of_this_repository(workflows):
    job = workflows["pull-request.yml"]["jobs"]["plan"]
    assert "github.event.pull_request.head.repo.full_name == github.repository" in job["if"]
    assert "github.event_name == 'pull_request'" in job["if"]


def test_the_findings_upload_even_when_the_rules_fail(workflows):
    steps = workflows["pull-request.yml"]["jobs"]["checks"]["steps"]
    check = next(i for i, s in enumerate(steps) if "dap check" in s.get("run", ""))
    upload = next(i for i, s in enumerate(steps) if action(s) == "github/codeql-action/upload-sarif")
    assert check < upload
    assert "always()" in steps[upload]["if"]
    assert steps[upload]["uses"] == "github/codeql-action/upload-sarif@v3"
    assert steps[upload]["with"]["sarif_file"] == "dap.sarif"


def test_the_plan_comment_is_posted_before_the_exit_code_decides(workflows):
    steps = workflows["pull-request.yml"]["jobs"]["plan"]["steps"]
    names = [s.get("name") for s in steps]
    plan = names.index("Plan dev, staging and prod")
    comment = names.index("Post the plan as the pull request's comment")
    decide = names.index("The plan's exit code decides")
    assert plan < comment < decide == len(steps) - 1
    assert "!cancelled()" in steps[comment]["if"]
    assert "<!-- dap-plan -->" in steps[comment]["with"]["script"]


def test_deploy_goes_dev_then_staging_then_prod(workflows):
    deploy = workflows["deploy.yml"]["jobs"]
    assert set(deploy) == {"build"} | {f"{kind}-{e}" for kind in ("plan", "apply") for e in ENVIRONMENTS}
    assert deploy["build"]["if"] == "github.ref == 'refs/heads/main'"
    previous = None
    for env in ENVIRONMENTS:
        plan, apply = deploy[f"plan-{env}"], deploy[f"apply-{env}"]
        needs = set(plan["needs"])
        assert "build" in needs
        if previous:
            # after the environment before it, applied or with nothing to apply; not after a failure
            assert {f"plan-{previous}", f"apply-{previous}"} <= needs
            assert "!failure()" in plan["if"] and "!cancelled()" in plan["if"]
        assert f"'{env}'" in plan["if"] or f'"{env}"' in plan["if"]  # chosen by hand, or all
        assert set(apply["needs"]) == {"build", f"plan-{env}"}
        assert f"needs.plan-{env}.outputs.changes == 'true'" in apply["if"]
        assert plan["outputs"]["changes"] == "${{ steps.plan.outputs.changes }}"
        previous = env


def test_apply_jobs_run_in_their_github_environment_and_plans_before_it(workflows):
    deploy = workflows["deploy.yml"]["jobs"]
    for env in ENVIRONMENTS:
        apply = deploy[f"apply-{env}"]
        declared = apply["environment"]
        assert (declared if isinstance(declared, str) else declared["name"]) == env
        # The plan is made and shown before the environment's reviewers are asked.
        assert "environment" not in deploy[f"plan-{env}"]
    assert deploy["apply-prod"]["environment"] == "prod"
    for name, job_id, job in jobs(workflows):
        if any("dap apply" in s.get("run", "") for s in job.get("steps", [])):
            assert job_id.startswith("apply-") and "environment" in job, f"{name} {job_id}"


def test_deploys_of_one_environment_share_one_concurrency_group(workflows):
    deploy = workflows["deploy.yml"]["jobs"]
    groups = {}
    for env in ENVIRONMENTS:
        plan, apply = deploy[f"plan-{env}"]["concurrency"], deploy[f"apply-{env}"]["concurrency"]
        assert plan["group"] == apply["group"], env
        assert plan["cancel-in-progress"] is False and apply["cancel-in-progress"] is False, env
        groups[env] = plan["group"]
    assert len(set(groups.values())) == len(ENVIRONMENTS), groups


def test_the_saved_plan_goes_from_the_plan_job_to_the_apply_job(workflows):
    deploy = workflows["deploy.yml"]["jobs"]
    for env in ENVIRONMENTS:
        uploads = [s for s in deploy[f"plan-{env}"]["steps"] if action(s) == "actions/upload-artifact"]
        assert [u["with"]["name"] for u in uploads] == [f"plan-{env}"]
        assert f"plan-{env}.json" in uploads[0]["with"]["path"]
        downloads = [s["with"]["name"] for s in deploy[f"apply-{env}"]["steps"] if action(s) == "actions/download-artifact"]
        assert downloads == ["dap", f"plan-{env}"]


def test_artifacts_expire_and_a_job_run_again_replaces_its_own(workflows):
    for name, job_id, job in jobs(workflows):
        for step in job.get("steps", []):
            if action(step) == "actions/upload-artifact":
                assert step["with"].get("overwrite") is True, f"{name} {job_id}"
                assert 1 <= step["with"].get("retention-days", 0) <= 90, f"{name} {job_id}"


def test_every_job_running_dap_puts_the_built_dap_on_path_first(workflows):
    for name, job_id, job in jobs(workflows):
        steps = job.get("steps", [])
        first_dap = next((i for i, s in enumerate(steps) if dap_lines(s.get("run", ""))), None)
        if first_dap is None:
            continue
        before = steps[:first_dap]
        assert any(action(s) == "actions/download-artifact" and s["with"]["name"] == "dap" for s in before), job_id
        assert any('echo "$PWD/target/release" >> "$GITHUB_PATH"' in s.get("run", "") for s in before), job_id
        assert "build" in job.get("needs", []), f"{name} {job_id}: needs the build job"


# --- the dap command lines --------------------------------------------------------------------


def test_dap_command_lines_are_the_documented_ones_one_per_line(workflows):
    for name in NAMES:
        lines = set()
        for wf_name, job_id, step in run_scripts({name: workflows[name]}):
            for line in dap_lines(step["run"]):
                assert DAP_LINE.fullmatch(line), f"{name} {job_id}: {line!r} is not one plain dap command line"
                lines.add(line)
            for line in step["run"].splitlines():
                assert not DAP_ELSEWHERE.search(line), f"{name} {job_id}: dap must start its line: {line!r}"
                assert not re.search(r"target/release/dap\s+\w", line), f"{name} {job_id}: run dap from PATH"
        assert lines == EXPECTED_DAP_LINES[name], name


def test_dap_never_touches_local_and_applies_only_saved_plans(workflows):
    for name, job_id, step in run_scripts(workflows):
        for line in dap_lines(step["run"]):
            words = shlex.split(line)
            assert "local" not in words, f"{name}: {line}"
            if words[1] == "apply":
                env = words[words.index("--env") + 1]
                assert "--yes" in words and words[-1] == f"plan-{env}.json", line
                assert "--approve-broadening" not in words or env == "prod", line
            if words[1] == "plan" and "--out" in words:
                env = words[words.index("--env") + 1]
                assert words[words.index("--out") + 1] == f"plan-{env}.json", line


# --- the scripts, run ---------------------------------------------------------------------------

STUB = """#!/usr/bin/env bash
# A stand-in dap: records its arguments, prints $DAP_STUB_STDOUT, writes $DAP_STUB_PLAN to the
# file after --out, and exits $DAP_STUB_EXIT.
printf '%s\\n' "$*" >> "$DAP_STUB_LOG"
prev= empty='{}'
for arg in "$@"; do
  if [ "$prev" = --out ]; then printf '%s' "${DAP_STUB_PLAN:-$empty}" > "$arg"; fi
  prev=$arg
done
printf '%s' "${DAP_STUB_STDOUT:-}"
exit "${DAP_STUB_EXIT:-0}"
"""


class Step:
    """A `run:` step executed as GitHub does (`bash --noprofile --norc -eo pipefail`)."""

    def __init__(self, tmp_path: Path):
        self.dir = tmp_path / "workspace"
        self.dir.mkdir()
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        (bin_dir / "dap").write_text(STUB)
        (bin_dir / "dap").chmod(0o755)
        self.bin = bin_dir
        self.log = tmp_path / "dap.log"
        self.output = tmp_path / "output"
        self.summary = tmp_path / "summary.md"

    def run(self, step: dict, **env: str) -> subprocess.CompletedProcess:
        for f in (self.log, self.output, self.summary):
            f.write_text("")
        script = self.dir.parent / "step.sh"
        script.write_text(step["run"])
        full_env = {
            **os.environ,
            "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}",
            "DAP_STUB_LOG": str(self.log),
            "GITHUB_OUTPUT": str(self.output),
            "GITHUB_STEP_SUMMARY": str(self.summary),
            **{k: str(v) for k, v in (step.get("env") or {}).items() if "${{" not in str(v)},
            **env,
        }
        return subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=self.dir, env=full_env, capture_output=True, text=True, timeout=60,
        )

    def outputs(self) -> dict[str, str]:
        return dict(line.split("=", 1) for line in self.output.read_text().splitlines() if "=" in line)

    def dap_calls(self) -> list[str]:
        return self.log.read_text().splitlines()


@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize(
    "code, succeeds, changes",
    [(0, True, "false"), (2, True, "true"), (3, False, None), (1, False, None), (64, False, None)],
)
def test_a_deploy_plan_step_decides_by_dap_plans_exit_code(workflows, tmp_path, env, code, succeeds, changes):
    step = step_named(workflows["deploy.yml"]["jobs"][f"plan-{env}"], f"Plan {env}")
    s = Step(tmp_path)
    result = s.run(step, DAP_STUB_EXIT=str(code), DAP_STUB_STDOUT=f"## {env}: the plan\n")
    assert s.dap_calls() == [f"plan --env {env} --format markdown --out plan-{env}.json"]
    assert (result.returncode == 0) is succeeds, result.stdout + result.stderr
    if not succeeds:
        assert result.returncode == code  # 3 blocked, 1 error, 64 usage: the job fails with dap's code
        assert "::error" in result.stdout
    assert s.outputs().get("changes") == changes
    # The plan reaches the job's summary whatever it says.
    assert f"## {env}: the plan" in s.summary.read_text()
    assert (s.dir / f"plan-{env}.md").read_text() == f"## {env}: the plan\n"


def broadening_plan(n: int) -> str:
    security = [{"logical_id": f"Role{i}", "broadening": True} for i in range(n)]
    security.append({"logical_id": "Narrower", "broadening": False})
    return json.dumps({"format_version": 1, "environment": "prod", "stacks": [
        {"name": "dap-prod-access", "security": security}, {"name": "dap-prod-storage", "security": []},
    ]})


@pytest.mark.parametrize(
    "broadening, approved, succeeds",
    [(0, "false", True), (2, "true", True), (2, "false", False), (1, "false", False)],
)
def test_prod_plan_that_broadens_access_fails_before_the_reviewers_unless_approved(
    workflows, tmp_path, broadening, approved, succeeds
):
    step = step_named(workflows["deploy.yml"]["jobs"]["plan-prod"], "Does the plan broaden access?")
    assert step["env"]["APPROVED"] == "${{ inputs.approve_broadening == true }}"
    s = Step(tmp_path)
    (s.dir / "plan-prod.json").write_text(broadening_plan(broadening))
    result = s.run(step, APPROVED=approved)
    assert (result.returncode == 0) is succeeds, result.stdout + result.stderr
    if not succeeds:
        assert f"{broadening} policy statements broaden access" in result.stdout
        assert "approve_broadening" in s.summary.read_text()


@pytest.mark.parametrize("code", [0, 1, 2, 3, 64])
def test_the_pull_request_plan_step_always_records_the_exit_code(workflows, tmp_path, code):
    step = step_named(workflows["pull-request.yml"]["jobs"]["plan"], "Plan dev, staging and prod")
    s = Step(tmp_path)
    result = s.run(step, DAP_STUB_EXIT=str(code), DAP_STUB_STDOUT="# dap plan\n")
    assert result.returncode == 0, result.stderr  # the comment must still be posted
    assert s.dap_calls() == ["plan --all --format markdown"]
    assert s.outputs() == {"exit-code": str(code)}
    assert (s.dir / "plan.md").read_text() == "# dap plan\n"
    assert "# dap plan" in s.summary.read_text()


@pytest.mark.parametrize("code, job_exit", [("0", 0), ("2", 0), ("3", 3), ("1", 1), ("64", 1), ("", 1)])
def test_the_pull_request_plans_exit_code_decides_the_job(workflows, tmp_path, code, job_exit):
    step = step_named(workflows["pull-request.yml"]["jobs"]["plan"], "The plan's exit code decides")
    assert step["env"]["PLAN_EXIT_CODE"] == "${{ steps.plan.outputs.exit-code }}"
    result = Step(tmp_path).run(step, PLAN_EXIT_CODE=code)
    assert result.returncode == job_exit, result.stdout


def test_shellcheck_finds_nothing_in_the_scripts(workflows, tmp_path):
    shellcheck = BIN / "shellcheck"
    assert shellcheck.exists(), "shellcheck from requirements/validators.txt (scripts/venv.sh)"
    files = []
    for i, (name, job_id, step) in enumerate(run_scripts(workflows)):
        f = tmp_path / f"{i:02d}-{name}-{job_id}.sh"
        # What GitHub runs: bash -eo pipefail with the script as its file.
        f.write_text("#!/usr/bin/env bash\nset -eo pipefail\n" + step["run"])
        files.append(str(f))
    result = subprocess.run([str(shellcheck), "--shell=bash", *files], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


# --- the sticky comment -----------------------------------------------------------------------

MARKER = "<!-- dap-plan -->"


@pytest.fixture
def comment_script(workflows, tmp_path) -> Path:
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed: the comment script's test needs it")
    step = step_named(workflows["pull-request.yml"]["jobs"]["plan"], "Post the plan as the pull request's comment")
    assert step["uses"] == "actions/github-script@v7"
    assert step["env"] == {"PLAN_EXIT_CODE": "${{ steps.plan.outputs.exit-code }}"}
    path = tmp_path / "script.js"
    path.write_text(step["with"]["script"])
    return path


def post(script: Path, tmp_path: Path, plan: str | None, code: str, comments: list[dict]) -> list[dict]:
    work = tmp_path / "pr"
    work.mkdir(exist_ok=True)
    if plan is not None:
        (work / "plan.md").write_text(plan)
    scenario = tmp_path / "scenario.json"
    scenario.write_text(json.dumps({"comments": comments, "issue": 7, "sha": "0123456789abcdef"}))
    result = subprocess.run(
        ["node", str(HARNESS), str(script), str(scenario)],
        cwd=work, env={**os.environ, "PLAN_EXIT_CODE": code}, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def bot(comment_id: int, body: str) -> dict:
    return {"id": comment_id, "user": {"login": "github-actions[bot]", "type": "Bot"}, "body": body, "html_url": "x"}


def test_the_first_plan_creates_the_comment(comment_script, tmp_path):
    calls = post(comment_script, tmp_path, "## dev\n1 to add\n", "2", [bot(1, "an unrelated bot comment")])
    assert [c["call"] for c in calls] == ["listComments", "createComment"]
    args = calls[1]["args"]
    assert args["issue_number"] == 7 and args["owner"] == "city" and args["repo"] == "dap"
    body = args["body"]
    assert body.startswith(MARKER + "\n")
    assert "## dev\n1 to add" in body
    assert "exit 2, changes" in body and "0123456" in body and "/actions/runs/4242" in body


def test_a_new_plan_updates_the_same_comment(comment_script, tmp_path):
    comments = [
        {"id": 5, "user": {"login": "a-reviewer"}, "body": f"quoting {MARKER}"},  # a person's: left alone
        bot(9, f"{MARKER}\nthe old plan"),
    ]
    calls = post(comment_script, tmp_path, "no changes\n", "0", comments)
    assert [c["call"] for c in calls] == ["listComments", "updateComment"]
    assert calls[1]["args"]["comment_id"] == 9
    assert "no changes" in calls[1]["args"]["body"] and "exit 0, no changes" in calls[1]["args"]["body"]


def test_a_failed_plan_still_says_so_in_the_comment(comment_script, tmp_path):
    for i, plan in enumerate((None, "", "\n")):
        (tmp_path / str(i)).mkdir()
        calls = post(comment_script, tmp_path / str(i), plan, "64", [])
        body = calls[-1]["args"]["body"]
        assert "printed no plan (exit 64)" in body and "exit 64, usage error" in body


def test_a_plan_longer_than_a_comment_is_cut_to_fit(comment_script, tmp_path):
    plan = "\n".join(f"| dap-prod-storage | Bucket{i} | ~ |" for i in range(4000))
    assert len(plan) > 65536
    body = post(comment_script, tmp_path, plan, "2", [])[-1]["args"]["body"]
    assert len(body) <= 65536
    assert body.startswith(MARKER) and "Cut here to fit a comment" in body and "exit 2, changes" in body


# --- the validators can fail ------------------------------------------------------------------


def check_jsonschema(*files: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, files)],
        capture_output=True, text=True, timeout=120,
    )


BROKEN = {
    "an unknown key in a job": ("    timeout-minutes: 90\n", "    timeout-minutes: 90\n    timeout-minute: 5\n"),
    "a wrong type": ("    timeout-minutes: 90\n", "    timeout-minutes: soon\n"),
    "an unknown permission level": ("      contents: read\n", "      contents: readonly\n"),
    "an unknown event": ("  pull_request:\n", "  pull_requests:\n"),
    "a job without runs-on": ("    runs-on: ubuntu-24.04\n", ""),
}


def test_check_jsonschema_accepts_the_workflows_as_written(tmp_path):
    copies = []
    for name in NAMES:
        copies.append(tmp_path / name)
        shutil.copy(WORKFLOWS / name, copies[-1])
    result = check_jsonschema(*copies)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("what", sorted(BROKEN))
def test_check_jsonschema_refuses_a_broken_workflow(tmp_path, what):
    old, new = BROKEN[what]
    text = (WORKFLOWS / "test.yml").read_text()
    assert text.count(old) == 1, old
    broken = tmp_path / "test.yml"
    broken.write_text(text.replace(old, new))
    result = check_jsonschema(broken)
    assert result.returncode != 0, f"{what}: check-jsonschema accepted it\n{result.stdout}"
    assert "Schema validation errors" in result.stdout


def zizmor(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "zizmor"), "--offline", "--no-progress", "--config", str(ZIZMOR_CONFIG), str(path)],
        capture_output=True, text=True, timeout=120,
    )


@pytest.mark.parametrize(
    "what, old, new, finding",
    [
        ("a pull request's title pasted into a script", "        run: make test\n",
         '        run: |\n          echo "${{ github.event.pull_request.title }}"\n          make test\n',
         "template-injection"),
        ("checkout keeping its token in .git", "        with:\n          persist-credentials: false\n", "", "artipacked"),
    ],
)
def test_zizmor_refuses_an_unsafe_workflow(tmp_path, what, old, new, finding):
    text = (WORKFLOWS / "test.yml").read_text()
    assert old in text
    (tmp_path / "ok.yml").write_text(text)
    assert zizmor(tmp_path / "ok.yml").returncode == 0
    unsafe = tmp_path / "unsafe.yml"
    unsafe.write_text(text.replace(old, new, 1))
    result = zizmor(unsafe)
    assert result.returncode != 0, f"{what}: zizmor accepted it"
    assert finding in result.stdout + result.stderr
