#!/usr/bin/env bash
# The GitHub Action's one step (action.yml runs this file; the tests run it verbatim with the
# variables a runner sets): `flake-lens check --format sarif`, then a Markdown job summary.
set -euo pipefail
cli="$GITHUB_ACTION_PATH/dist/cli.js"
if [ ! -f "$cli" ]; then
  # A checkout of the action holds sources only: build the CLI once (what scripts/setup.sh does).
  (cd "$GITHUB_ACTION_PATH" && npm ci --ignore-scripts --no-audit --no-fund && npm run build) >&2
fi
cd "${GITHUB_WORKSPACE:-.}"
sarif="${INPUT_SARIF_FILE:-flake-lens.sarif}"
status=0
node "$cli" check --format sarif --fail-on "${INPUT_FAIL_ON:-warning}" -- "${INPUT_PATH:-.}" > "$sarif" || status=$?
problems=$(node "$GITHUB_ACTION_PATH/action/summary.mjs" "$sarif" "${INPUT_PATH:-.}" "$cli" "${GITHUB_STEP_SUMMARY:-/dev/stderr}")
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  { echo "sarif-file=$sarif"; echo "problems=$problems"; } >> "$GITHUB_OUTPUT"
fi
exit "$status"
