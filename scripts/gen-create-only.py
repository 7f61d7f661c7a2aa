#!/usr/bin/env python3
"""Write crates/dap-cfn/data/create_only.json: the create-only properties of every
CloudFormation resource type `dap` emits, from the resource provider schemas bundled with
cfn-lint (pinned in requirements/validators.txt).

The types are the ones named in crates/dap-cfn/src/resources/*.rs. Paths are written without
the `/properties/` prefix and with `.` between levels (`BucketName`, `Tags`, `KeySpec`).

  .venv/bin/python scripts/gen-create-only.py           # rewrite the file
  .venv/bin/python scripts/gen-create-only.py --check   # fail if the committed file is stale
"""
import json
import pathlib
import re
import sys

import cfnlint

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "crates/dap-cfn/data/create_only.json"
REGION = "ca-central-1"  # the region of every shipped environment
FALLBACK = "us-east-1"


def emitted_types():
    types = set()
    for f in sorted((ROOT / "crates/dap-cfn/src/resources").glob("*.rs")):
        types.update(re.findall(r'"(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)"', f.read_text()))
    return sorted(types)


def generate():
    schemas = pathlib.Path(cfnlint.__file__).parent / "data/schemas"
    providers = {
        r: json.loads((schemas / "providers" / f"{r}.json").read_text())
        for r in (REGION, FALLBACK)
    }
    types = {}
    for t in emitted_types():
        digest = providers[REGION].get(t) or providers[FALLBACK].get(t)
        if digest is None:
            sys.exit(f"no resource provider schema for `{t}` in cfn-lint")
        schema = json.loads((schemas / "resources" / f"{digest}.json").read_text())
        paths = []
        for p in schema.get("createOnlyProperties", []):
            if not p.startswith("/properties/"):
                continue
            paths.append(p[len("/properties/"):].replace("/", "."))
        types[t] = sorted(paths)
    doc = {
        "source": f"cfn-lint {cfnlint.version.__version__} resource provider schemas ({REGION})",
        "generator": "scripts/gen-create-only.py",
        "types": types,
    }
    return json.dumps(doc, indent=1, sort_keys=False) + "\n"


def main():
    args = sys.argv[1:]
    if args not in ([], ["--check"]):
        sys.exit("usage: gen-create-only.py [--check]\n"
                 "  writes crates/dap-cfn/data/create_only.json; --check only compares")
    text = generate()
    if "--check" in args:
        if not OUT.exists() or OUT.read_text() != text:
            sys.exit(f"{OUT.relative_to(ROOT)} is stale: run .venv/bin/python scripts/gen-create-only.py")
        print(f"{OUT.relative_to(ROOT)} is current")
        return
    OUT.write_text(text)
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
