#!/usr/bin/env bash
# The whole test suite: unit tests (pure logic, milliseconds, run in
# parallel) then integration tests against the real kernel, NGINX and DNS
# tools in throwaway namespaces (one file at a time: they share 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
if [ -z "${PODNET_STATE_DIR:-}" ]; then
  PODNET_STATE_DIR="$(mktemp -d /tmp/podnet-test.XXXXXX)"
  trap 'rm -rf "$PODNET_STATE_DIR"' EXIT
fi
export PODNET_STATE_DIR
status=0
node --test --test-concurrency=2 --test-reporter=spec $(find dist/test/unit -name '*.test.js' | sort) || status=1
node --test --test-concurrency=1 --test-reporter=spec $(find dist/test/integration -name '*.test.js' | sort) || status=1
exit $status
