#!/usr/bin/env bash
# Fail on a snapshot file no test asserted: what `cargo insta test --unreferenced=reject` does,
# from the same record. Every insta assertion appends its snapshot file's path to
# $INSTA_SNAPSHOT_REFERENCES_FILE (insta's own mechanism, the one cargo-insta reads); the
# `.snap` files of the repository that are not in it belong to no test any more (a renamed or
# removed rule, stack or environment). Run after the whole test suite, with the file it wrote.
set -euo pipefail
cd "$(dirname "$0")/.."
refs=${1:?usage: unreferenced-snapshots.sh REFERENCES_FILE}
[ -s "$refs" ] || { echo "unreferenced-snapshots: $refs is empty: no snapshot was asserted" >&2; exit 1; }
root=$(pwd -P)
unreferenced=$(comm -23 \
  <(git ls-files --cached --others --exclude-standard -- '*.snap' | sed "s#^#$root/#" | sort -u) \
  <(while IFS= read -r p; do realpath -m "$p"; done < "$refs" | sort -u))
if [ -n "$unreferenced" ]; then
  echo "snapshots no test asserts (delete them, or the test that should assert them is gone):" >&2
  echo "$unreferenced" | sed "s#^$root/#  #" >&2
  exit 1
fi
echo "every snapshot is asserted by a test ($(sort -u "$refs" | wc -l) files)"
