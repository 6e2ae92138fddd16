#!/usr/bin/env bash
# The main job: install, bring a cluster up with the built-in example and send
# a request through every layer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec ./podnet demo "$@"
