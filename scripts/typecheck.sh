#!/usr/bin/env bash
# mypy --strict over the package as it is installed: adapters/ is lyncpolicy.adapters (a
# setuptools package-dir mapping mypy cannot follow), so check a symlinked view of that layout.
set -euo pipefail
cd "$(dirname "$0")/.."
view=build/typecheck
rm -rf "$view"
mkdir -p "$view/lyncpolicy"
for entry in lyncpolicy/*; do
    ln -s "$PWD/$entry" "$view/lyncpolicy/$(basename "$entry")"
done
ln -s "$PWD/adapters" "$view/lyncpolicy/adapters"
cd "$view"
exec mypy --strict --config-file ../../pyproject.toml -p lyncpolicy "$@"
