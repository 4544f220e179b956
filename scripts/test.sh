#!/usr/bin/env bash
# The one command that runs every test: scripts/test.sh [extra `swift test` args]
#
#  1. installs what is missing (scripts/ensure-deps.sh: Chromium, chromedriver,
#     PostgreSQL 15, selenium, pytest)
#  2. starts a throwaway PostgreSQL 15 in a temp dir (scripts/pg-start.sh) and
#     exports DARASA_TEST_POSTGRES_URL and DARASA_REQUIRE_POSTGRES=1, so the
#     Postgres tests run and may not skip
#  3. swift build, then swift test "$@"
#  4. the end-to-end tests (CLI and browser): python3 -m pytest -q Tests/e2e, against the built
#     `darasa` binary (screenshots in build-artifacts/screenshots/)
# It stops at the first failing step with its exit code, and always stops
# PostgreSQL and removes the temp dir.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd -P)

T0=$SECONDS
step() { printf '\n==> [%4ss] %s\n' "$((SECONDS - T0))" "$*"; }

step "dependencies"
bash scripts/ensure-deps.sh

TMP=$(mktemp -d "${TMPDIR:-/tmp}/darasa-test.XXXXXX")
cleanup() {
    local rc=$?
    # Quiet on success, so the test runner's summary stays the last line.
    bash "$ROOT/scripts/pg-stop.sh" "$TMP" >"$TMP.stop.log" 2>&1 || cat "$TMP.stop.log" >&2
    rm -rf "$TMP" "$TMP.stop.log"
    if [ "$rc" -ne 0 ]; then
        printf '\n==> [%4ss] FAILED, exit code %s\n' "$((SECONDS - T0))" "$rc" >&2
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "PostgreSQL 15 in $TMP"
DARASA_TEST_POSTGRES_URL=$(bash scripts/pg-start.sh "$TMP" | tail -n1)
export DARASA_TEST_POSTGRES_URL
export DARASA_REQUIRE_POSTGRES=1
echo "DARASA_TEST_POSTGRES_URL=$DARASA_TEST_POSTGRES_URL"

step "swift build"
swift build

step "swift test $*"
swift test "$@"

step "end-to-end tests: CLI and browser (Tests/e2e)"
BIN_DIR=$(swift build --show-bin-path)
mkdir -p build-artifacts/screenshots
DARASA_BIN="$BIN_DIR/darasa" python3 -m pytest -q Tests/e2e
