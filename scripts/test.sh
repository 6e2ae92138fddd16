#!/usr/bin/env bash
# The whole test suite: unit tests (pure logic, milliseconds) then integration
# tests against the real kernel, NGINX and DNS tools in throwaway namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export PODNET_STATE_DIR="${PODNET_STATE_DIR:-$(mktemp -d /tmp/podnet-test.XXXXXX)}"
node --test --test-concurrency=2 --test-reporter=spec \
  $(find dist/test/unit -name '*.test.js' | sort) \
  $(find dist/test/integration -name '*.test.js' | sort)
