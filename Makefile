# A thin list of commands; the logic lives in Rust and in scripts/.
.PHONY: demo test check lint fmt render validate workflows bench job-clean job-curate report venv rule-docs docs browser-test

## The demo: render the local environment, apply it to a local moto server and plan again,
## then run the pipeline on the bundled sample.
demo:
	bash scripts/demo.sh

## Everything CI runs (CI calls this through .ci/run).
test:
	bash scripts/test.sh

## Format and lint only.
lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings

fmt:
	cargo fmt --all

## Render every environment into out/.
render:
	cargo run --quiet -p dap -- render --all

## Render afresh and run cfn-lint and checkov over every environment.
validate:
	bash scripts/validate-templates.sh

## Check .github/workflows/ offline: GitHub's schema (check-jsonschema), zizmor, tests/workflows.
workflows: venv
	bash scripts/validate-workflows.sh

## Benchmarks: environment-file error reporting (up to 100,000 errors), rendering (time, peak memory), apply and plan on moto (time, AWS calls), the
## clean job (rows per second), the insights report's build time, and how fast a missing credential chain is reported.
bench:
	cargo bench -p dap-config --bench errors
	cargo bench -p dap-planner --bench render
	cargo bench -p dap-rules --bench check
	cargo bench -p dap-model --bench matcher
	cargo bench -p dap-applier --bench apply
	bash scripts/pipeline-bench.sh
	bash scripts/report-bench.sh
	bash scripts/credentials-bench.sh

## Run a Glue job locally: make job-clean INPUT="a.csv dir/" OUTPUT=out/raw
job-clean:
	bash scripts/pipeline-job.sh clean $(INPUT) $(OUTPUT)

## make job-curate INPUT=out/raw OUTPUT=out/curated
job-curate:
	bash scripts/pipeline-job.sh curate $(INPUT) $(OUTPUT)

## The insights report from the curate job's output: make report INPUT=out/curated OUTPUT=out/report
## writes OUTPUT/index.html. Optional: RAW=out/raw (the clean job's output: the latest extract date
## and the quality summary), YEARS=2023,2024 (the years the year-over-year chart compares; default:
## the two latest in the data).
report:
	bash scripts/report.sh $(INPUT) $(OUTPUT) $(if $(RAW),--raw $(RAW)) $(if $(YEARS),--years $(YEARS))

venv:
	bash scripts/venv.sh

## Regenerate docs/rules/ from the rules' doc comments (CI fails when they are stale).
rule-docs:
	DAP_UPDATE_DOCS=1 cargo test -p dap-rules --test rules docs::

## Regenerate docs/generated/ (what `dap docs --all` and `dap docs --compare staging prod`
## write) without building the CLI.
docs:
	DAP_UPDATE_DOCS=1 cargo test -p dap-docs --test docs generated

## Open every environment's HTML report in headless Chromium; screenshots in out/screenshots/.
browser-test: venv
	bash scripts/browser-test.sh
