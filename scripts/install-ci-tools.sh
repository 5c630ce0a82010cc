#!/usr/bin/env bash
# Install the cargo subcommands CI and scripts/fuzz.sh use, from crates.io, into the cache.
# Idempotent: a tool already at the pinned version is reused and only its version printed.
#
#   scripts/install-ci-tools.sh            cargo-deny (what .ci/run needs)
#   scripts/install-ci-tools.sh --fuzz     cargo-deny and cargo-fuzz (scripts/fuzz.sh)
#
# Installs into $MSKGATE_CACHE (default ~/.cache/mskgate):
#   * cargo-deny  $CARGO_DENY_VERSION  -> $MSKGATE_CACHE/cargo-deny/bin/cargo-deny  (~5-10 min cold on 2 cores)
#   * cargo-fuzz  $CARGO_FUZZ_VERSION  -> $MSKGATE_CACHE/cargo-fuzz/bin/cargo-fuzz  (~2 min cold)
# Prints the binaries' paths on the last lines; callers run them by path (no PATH change needed).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${MSKGATE_CACHE:-${HOME:-/root}/.cache/mskgate}
CARGO_DENY_VERSION=0.20.2
CARGO_FUZZ_VERSION=0.13.2

say() { printf 'install-ci-tools: %s\n' "$*"; }
die() { printf 'install-ci-tools: error: %s\n' "$*" >&2; exit 1; }

# install NAME VERSION: cargo install NAME@VERSION --locked into $CACHE/NAME unless it is there already.
install() {
  local name=$1 version=$2 root=$CACHE/$1 bin=$CACHE/$1/bin/$1 have
  have=$("$bin" "${name#cargo-}" --version 2>/dev/null || true)
  case "$have" in
    *" $version"*) say "$name: $bin is $have" ; return ;;
  esac
  command -v cargo >/dev/null || die "$name: cargo not found; install Rust first"
  say "$name: installing $name $version into $root${have:+ (found: $have)}"
  local started=$SECONDS
  # From the repository, so the pinned toolchain (rust-toolchain.toml) builds it.
  (cd "$ROOT" && cargo install "$name" --version "$version" --locked --root "$root") \
    || die "$name: cargo install failed (see the output above)"
  have=$("$bin" "${name#cargo-}" --version 2>/dev/null) || die "$name: $bin was installed but does not run"
  say "$name: built in $((SECONDS - started))s: $have"
}

install cargo-deny "$CARGO_DENY_VERSION"
if [ "${1:-}" = "--fuzz" ]; then
  install cargo-fuzz "$CARGO_FUZZ_VERSION"
fi
say "done"
say "  CARGO_DENY=$CACHE/cargo-deny/bin/cargo-deny"
[ "${1:-}" = "--fuzz" ] && say "  CARGO_FUZZ=$CACHE/cargo-fuzz/bin/cargo-fuzz"
exit 0
