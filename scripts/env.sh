# shellcheck shell=bash
# Paths of the test dependencies installed by scripts/install-test-deps.sh.
#
#   . scripts/env.sh        # then: cargo test, scripts/broker.sh start, "$MSKGATE_PYTHON" ...
#
# Every variable keeps a value that is already set, so any of them can be overridden from outside:
#   MSKGATE_ROOT         repository root
#   MSKGATE_CACHE        install cache (default ~/.cache/mskgate)
#   MSKGATE_TANSU        tansu 0.6.0 binary built with --features libsql
#   MSKGATE_PYTHON       python of the oracle venv (confluent-kafka >= 2.6.1, aws-msk-iam-sasl-signer-python)
#   MSKGATE_BROKER_WORK  work directory of scripts/broker.sh (default .broker/ at the repository root)
#   MSKGATE_PKI          test PKI made by the fixtures script (default fixtures/pki)
# Sourcing prints nothing and changes nothing but these variables.

MSKGATE_ROOT=${MSKGATE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)}
MSKGATE_CACHE=${MSKGATE_CACHE:-${HOME:-/root}/.cache/mskgate}
if [ -z "${MSKGATE_TANSU:-}" ]; then
  if [ -x "$MSKGATE_CACHE/tansu/bin/tansu" ]; then
    MSKGATE_TANSU=$MSKGATE_CACHE/tansu/bin/tansu
  else
    MSKGATE_TANSU=$(command -v tansu 2>/dev/null || echo "$MSKGATE_CACHE/tansu/bin/tansu")
  fi
fi
MSKGATE_PYTHON=${MSKGATE_PYTHON:-$MSKGATE_CACHE/venv/bin/python}
MSKGATE_BROKER_WORK=${MSKGATE_BROKER_WORK:-$MSKGATE_ROOT/.broker}
MSKGATE_PKI=${MSKGATE_PKI:-$MSKGATE_ROOT/fixtures/pki}
export MSKGATE_ROOT MSKGATE_CACHE MSKGATE_TANSU MSKGATE_PYTHON MSKGATE_BROKER_WORK MSKGATE_PKI
