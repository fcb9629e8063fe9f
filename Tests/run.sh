#!/usr/bin/env bash
# The test command (README and CI call this): build once, run the Swift tests,
# then the black-box Python suite (differential tests against the real
# redis-server, malformed input, redis-py, redis-cli, redis-benchmark).
#
#   bash Tests/run.sh                  everything
#   bash Tests/run.sh -k strings       extra arguments go to pytest
#
# Environment: KEYWARD_SERVER overrides the server binary under test (default:
# the debug build's keyward-server); REDIS_SERVER the reference redis-server.
# Exits non-zero if the build or any test failed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
logs=$(mktemp -d "${TMPDIR:-/tmp}/keyward-tests.XXXXXX")
trap 'rm -rf "$logs"' EXIT

step() { printf '\n==> %s\n' "$*"; }

step "swift build --build-tests"
if ! swift build --build-tests; then
    echo "BUILD FAILED" >&2
    exit 1
fi
bin_path=$(swift build --show-bin-path)
export KEYWARD_SERVER="${KEYWARD_SERVER:-$bin_path/keyward-server}"

step "swift test --skip-build --parallel --num-workers 2"
swift test --skip-build --parallel --num-workers 2 2>&1 | tee "$logs/swift.log"
swift_rc=${PIPESTATUS[0]}

step "Python venv (.venv: redis 8.x, pytest, jsonschema)"
if ! .venv/bin/python -c 'import pytest, redis, jsonschema, sys; sys.exit(not redis.__version__.startswith("8."))' 2>/dev/null; then
    { python3 -m venv .venv && .venv/bin/pip install -q 'redis>=8.1,<9' pytest jsonschema; } || {
        echo "could not set up .venv" >&2
        exit 1
    }
fi

step "pytest Tests/python (server: $KEYWARD_SERVER)"
.venv/bin/python -m pytest -q "$root/Tests/python" "$@" 2>&1 | tee "$logs/pytest.log"
py_rc=${PIPESTATUS[0]}

step "Summary"
# `swift test --parallel` prints "[i/N] Testing ..." per test and the output of
# failed ones only; swift-testing adds "Test run with N tests ...".
total=$(grep -oE '^\[[0-9]+/[0-9]+\] Testing' "$logs/swift.log" | tail -n 1 | sed -E 's/^\[[0-9]+\/([0-9]+)\].*/\1/')
failed=$(grep -oE "^Test Case '[^']+' failed" "$logs/swift.log" | sort -u | sed -E "s/^Test Case '([^']+)' failed/\1/")
echo "swift test: ${total:-?} XCTest tests, $(printf '%s' "$failed" | grep -c .) failed (exit $swift_rc)"
printf '%s\n' "$failed" | sed '/^$/d; s/^/    FAILED /'
grep -E "Test run with [0-9]+ tests?" "$logs/swift.log" | tail -n 1 | sed 's/^/            /'
echo "pytest:     $(tail -n 1 "$logs/pytest.log")"
grep -E "^(FAILED|ERROR) " "$logs/pytest.log" | sed 's/^/    /' | head -n 50
if [ "$swift_rc" -ne 0 ] || [ "$py_rc" -ne 0 ]; then
    echo "FAILED (swift test exit $swift_rc, pytest exit $py_rc)"
    exit 1
fi
echo "ALL PASSED"
