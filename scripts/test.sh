#!/usr/bin/env bash
# The whole mskgate test suite on this machine, from a fresh clone:
#   1. installs what the tests need (apt packages, the tansu broker, Python oracles) — idempotent;
#   2. runs every test of every crate, including the end-to-end tests against real brokers on loopback.
# Usage: scripts/test.sh [extra cargo test arguments]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-test-deps.sh
# shellcheck source=scripts/env.sh
. scripts/env.sh
cargo test --workspace --locked --no-fail-fast "$@"
