#!/usr/bin/env bash
# Install everything the mskgate test suite needs. Idempotent: a second run only checks and prints.
#
#   scripts/install-test-deps.sh          then   . scripts/env.sh   (or let the tests find the cache)
#
# Installs:
#   * Debian packages: stunnel4 and openssl (the broker's TLS terminator and readiness probe), plus the
#     headers rdkafka-sys compiles against (libssl-dev, zlib1g-dev, pkg-config, build-essential).
#     `apt-get update` runs only when something is missing.
#   * tansu 0.6.0 built with `--features libsql` (sqlite storage; the default build has no storage engine)
#     into $MSKGATE_CACHE/tansu. A binary already at ~/.cache/tansu/bin/tansu (version 0.6.0, libsql) is
#     linked instead of rebuilt, and a `cargo install tansu` already running is waited for. A cold build
#     takes ~15-20 min on 2 cores. MSKGATE_TANSU_FEATURES (default "libsql") adds features, e.g.
#     "libsql,dynostore" for the memory:// benchmark broker.
#   * A Python venv at $MSKGATE_CACHE/venv with confluent-kafka >= 2.6.1, AWS's official MSK IAM signer
#     aws-msk-iam-sasl-signer-python (with botocore) (oracle scripts), moto[server] (the AWS emulator the
#     mskgate-auth `load` tests run STS and Secrets Manager against), and aws-lambda-powertools[parser] (the
#     oracle that validates mskgate-runtime's Lambda Kafka events with Powertools' pydantic models).
# Environment: MSKGATE_CACHE (default ~/.cache/mskgate), MSKGATE_TANSU_FEATURES, MSKGATE_TANSU_WAIT_SECS (how
# long to wait for a running tansu build, default 3600).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${MSKGATE_CACHE:-${HOME:-/root}/.cache/mskgate}
TANSU_VERSION=0.6.0
TANSU_FEATURES=${MSKGATE_TANSU_FEATURES:-libsql}
TANSU_ROOT=$CACHE/tansu
TANSU_BIN=$TANSU_ROOT/bin/tansu
SHARED_TANSU=${HOME:-/root}/.cache/tansu/bin/tansu
VENV=$CACHE/venv
CONFLUENT_MIN=2.6.1
MSK_SIGNER=aws-msk-iam-sasl-signer-python==1.0.2
POWERTOOLS='aws-lambda-powertools[parser]'

say() { printf 'install-test-deps: %s\n' "$*"; }
die() { printf 'install-test-deps: error: %s\n' "$*" >&2; exit 1; }

# --- Debian packages ---------------------------------------------------------------------------------------
apt_packages() {
  local want=(stunnel4 openssl libssl-dev zlib1g-dev pkg-config build-essential) missing=() p
  for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    say "apt: ${want[*]} already installed"
    return
  fi
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "apt packages missing (${missing[*]}) and not root; install them as root"
    sudo=(sudo)
  fi
  say "apt: installing ${missing[*]}"
  "${sudo[@]}" apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" \
    || die "apt-get install ${missing[*]} failed"
}

# --- tansu ---------------------------------------------------------------------------------------------------
# usable BIN: prints nothing, succeeds when BIN is tansu $TANSU_VERSION with every feature in $TANSU_FEATURES.
usable() {
  local bin=$1 version engines f
  [ -x "$bin" ] || return 1
  version=$("$bin" --version 2>/dev/null) || return 1
  [ "$version" = "tansu $TANSU_VERSION" ] || return 1
  engines=$("$bin" --help 2>/dev/null | grep -i '^storage engines:' || true)
  for f in ${TANSU_FEATURES//,/ }; do
    case "$engines" in *"$f"*) ;; *) return 1 ;; esac
  done
}

wait_for_running_build() {
  # Another `cargo install tansu` (e.g. started by a previous run of this script or by hand) is building: wait for
  # it instead of compiling twice on a small machine.
  local waited=0 limit=${MSKGATE_TANSU_WAIT_SECS:-3600}
  while pgrep -f 'cargo install tansu' >/dev/null 2>&1; do
    [ $waited -eq 0 ] && say "tansu: a 'cargo install tansu' is already running; waiting for it (up to ${limit}s)"
    [ $waited -ge "$limit" ] && die "tansu: the running 'cargo install tansu' did not finish within ${limit}s"
    sleep 10
    waited=$((waited + 10))
  done
}

tansu() {
  if usable "$TANSU_BIN"; then
    say "tansu: $TANSU_BIN is tansu $TANSU_VERSION with $TANSU_FEATURES"
    return
  fi
  usable "$SHARED_TANSU" || wait_for_running_build
  if usable "$SHARED_TANSU"; then
    mkdir -p "$TANSU_ROOT/bin"
    ln -sfn "$SHARED_TANSU" "$TANSU_BIN"
    say "tansu: linked $TANSU_BIN -> $SHARED_TANSU (tansu $TANSU_VERSION with $TANSU_FEATURES)"
    return
  fi
  command -v cargo >/dev/null || die "tansu: cargo not found; install Rust first"
  say "tansu: building tansu $TANSU_VERSION --features $TANSU_FEATURES into $TANSU_ROOT (~15-20 min on 2 cores)"
  local started=$SECONDS
  # Run from the repository so the pinned toolchain (rust-toolchain.toml) builds it.
  (cd "$ROOT" && cargo install tansu --version "$TANSU_VERSION" --locked --features "$TANSU_FEATURES" \
      --root "$TANSU_ROOT") || die "tansu: cargo install failed (see the output above)"
  usable "$TANSU_BIN" \
    || die "tansu: $TANSU_BIN was built but does not report tansu $TANSU_VERSION with storage engines $TANSU_FEATURES"
  say "tansu: built in $((SECONDS - started))s"
}

# --- Python venv ------------------------------------------------------------------------------------------
venv_ok() {
  [ -x "$VENV/bin/python" ] && "$VENV/bin/python" - "$CONFLUENT_MIN" <<'PY' 2>/dev/null
import sys
import confluent_kafka
import aws_msk_iam_sasl_signer
import moto.server
import aws_lambda_powertools.utilities.parser.models
want = tuple(int(x) for x in sys.argv[1].split("."))
have = tuple(int(x) for x in confluent_kafka.libversion()[0].split(".")[:3])
sys.exit(0 if have >= want else 1)
PY
}

venv() {
  if ! venv_ok; then
    local py
    py=$(command -v python3) || die "venv: python3 not found"
    say "venv: creating $VENV with confluent-kafka>=$CONFLUENT_MIN, $MSK_SIGNER, moto[server] and $POWERTOOLS"
    "$py" -m venv "$VENV" || die "venv: '$py -m venv $VENV' failed (Debian: apt-get install python3-venv)"
    "$VENV/bin/python" -m pip install --quiet --upgrade "confluent-kafka>=$CONFLUENT_MIN" \
      || die "venv: pip install confluent-kafka>=$CONFLUENT_MIN failed"
    "$VENV/bin/python" -m pip install --quiet "$MSK_SIGNER" || die "venv: pip install $MSK_SIGNER failed"
    "$VENV/bin/python" -m pip install --quiet 'moto[server]' || die "venv: pip install moto[server] failed"
    "$VENV/bin/python" -m pip install --quiet "$POWERTOOLS" || die "venv: pip install $POWERTOOLS failed"
    venv_ok || die "venv: after installing, $VENV lacks $MSK_SIGNER, moto or $POWERTOOLS, or bundles a librdkafka older than $CONFLUENT_MIN"
  fi
  # cfn-lint (PyPI): what the validator benchmark (crates/validator/benches/validate.rs) compares with.
  "$VENV/bin/python" -c 'import cfnlint' 2>/dev/null || "$VENV/bin/python" -m pip install --quiet cfn-lint \
    || die "venv: pip install cfn-lint failed"
  say "venv: $VENV/bin/python, confluent-kafka $("$VENV/bin/python" -c \
    'import confluent_kafka as c; print(c.version(), "(librdkafka", c.libversion()[0] + ")")')"
  say "venv: $("$VENV/bin/python" -c \
    'import importlib.metadata as m; print("aws-msk-iam-sasl-signer-python", m.version("aws-msk-iam-sasl-signer-python"))')"
}

apt_packages
tansu
venv
say "stunnel: $(stunnel -version 2>&1 | grep -m1 -o 'stunnel [0-9.]*')"
say "openssl: $(openssl version)"
say "done; the tests find these by themselves, or run: . scripts/env.sh"
say "  MSKGATE_TANSU=$TANSU_BIN"
say "  MSKGATE_PYTHON=$VENV/bin/python"
