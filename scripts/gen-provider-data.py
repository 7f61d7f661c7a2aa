#!/usr/bin/env python3
"""Write two files from the resource provider schemas bundled with cfn-lint (pinned in
requirements/validators.txt), for every CloudFormation resource type `dap` emits:

- crates/dap-cfn/data/create_only.json: the create-only properties of each type (the data-loss
  guard's replacement prediction). Paths are written without the `/properties/` prefix and
  with `.` between levels (`BucketName`, `Tags`, `KeySpec`).
- crates/dap-cfn/data/handler_permissions.json: the IAM actions CloudFormation needs to
  create, read, update and delete each type (the schema's `handlers.<op>.permissions`), from
  which the planner derives the deploy role of the bootstrap template.

The types are the ones named in crates/dap-cfn/src/resources/*.rs, and the environment lock's
`AWS::CloudFormation::WaitConditionHandle`.

  .venv/bin/python scripts/gen-provider-data.py           # rewrite the files
  .venv/bin/python scripts/gen-provider-data.py --check   # fail if a committed file is stale
"""
import json
import pathlib
import re
import sys

import cfnlint

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "crates/dap-cfn/data/create_only.json"
PERMISSIONS = ROOT / "crates/dap-cfn/data/handler_permissions.json"
HANDLERS = ("create", "read", "update", "delete")
EXTRA_TYPES = ["AWS::CloudFormation::WaitConditionHandle"]  # the applier's lock stack
REGION = "ca-central-1"  # the region of every shipped environment
FALLBACK = "us-east-1"


def emitted_types():
    types = set()
    for f in sorted((ROOT / "crates/dap-cfn/src/resources").glob("*.rs")):
        types.update(re.findall(r'"(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)"', f.read_text()))
    return sorted(types)


def schemas():
    """Each emitted type's resource provider schema (the region's, else us-east-1's)."""
    base = pathlib.Path(cfnlint.__file__).parent / "data/schemas"
    providers = {
        r: json.loads((base / "providers" / f"{r}.json").read_text())
        for r in (REGION, FALLBACK)
    }
    out = {}
    for t in sorted(set(emitted_types()) | set(EXTRA_TYPES)):
        digest = providers[REGION].get(t) or providers[FALLBACK].get(t)
        if digest is None:
            sys.exit(f"no resource provider schema for `{t}` in cfn-lint")
        out[t] = json.loads((base / "resources" / f"{digest}.json").read_text())
    return out


def iam_actions():
    """Every IAM action cfn-lint knows (its service authorization data), lowercased."""
    policies = json.loads(
        (pathlib.Path(cfnlint.__file__).parent / "data/AdditionalSpecs/Policies.json").read_text())
    return {
        f"{service}:{action}".lower()
        for service, spec in policies.items()
        for action in spec.get("Actions", {})
    }


def generate_permissions():
    known = iam_actions()
    types = {}
    dropped = set()
    for t, schema in schemas().items():
        handlers = schema.get("handlers", {})
        types[t] = {}
        for op in HANDLERS:
            listed = set(handlers.get(op, {}).get("permissions", []))
            dropped |= {a for a in listed if a.lower() not in known}
            types[t][op] = sorted(a for a in listed if a.lower() in known)
    doc = {
        "source": f"cfn-lint {cfnlint.version.__version__} resource provider schemas ({REGION}), handlers.<op>.permissions",
        "generator": "scripts/gen-provider-data.py",
        "not_iam_actions": sorted(dropped),
        "types": types,
    }
    return json.dumps(doc, indent=1, sort_keys=False) + "\n"


def generate_create_only():
    all_schemas = schemas()
    types = {}
    for t in emitted_types():
        paths = []
        for p in all_schemas[t].get("createOnlyProperties", []):
            if not p.startswith("/properties/"):
                continue
            paths.append(p[len("/properties/"):].replace("/", "."))
        types[t] = sorted(paths)
    doc = {
        "source": f"cfn-lint {cfnlint.version.__version__} resource provider schemas ({REGION})",
        "generator": "scripts/gen-provider-data.py",
        "types": types,
    }
    return json.dumps(doc, indent=1, sort_keys=False) + "\n"


def main():
    args = sys.argv[1:]
    if args not in ([], ["--check"]):
        sys.exit("usage: gen-provider-data.py [--check]\n"
                 "  writes crates/dap-cfn/data/create_only.json and handler_permissions.json;"
                 " --check only compares")
    outputs = [(OUT, generate_create_only()), (PERMISSIONS, generate_permissions())]
    if "--check" in args:
        stale = [p for p, text in outputs if not p.exists() or p.read_text() != text]
        for p in stale:
            print(f"{p.relative_to(ROOT)} is stale: run .venv/bin/python scripts/gen-provider-data.py",
                  file=sys.stderr)
        if stale:
            sys.exit(1)
        for p, _ in outputs:
            print(f"{p.relative_to(ROOT)} is current")
        return
    for p, text in outputs:
        p.write_text(text)
        print(f"wrote {p.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
