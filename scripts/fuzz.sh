#!/usr/bin/env bash
# Run every cargo-fuzz target in fuzz/ for a set time and print a table of what ran.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]   campaign: default 60 s per target; new inputs are kept in
#                                          $MSKGATE_FUZZ_WORK/<target> (default target/fuzz-work), so
#                                          campaigns accumulate; the committed corpus is only read
#   scripts/fuzz.sh --ci [SECONDS]         short check: each target SECONDS (default 5) from the
#                                          committed corpus only, scratch inputs thrown away
#   scripts/fuzz.sh --list                 the targets
#   MSKGATE_FUZZ_TARGETS="a b" scripts/fuzz.sh 30    only these targets
#   MSKGATE_FUZZ_RUNS=N scripts/fuzz.sh 3600  stop each target after N executions (or the time,
#                                          whichever comes first): campaigns towards a count
#   MSKGATE_FUZZ_TIMEOUT=600 scripts/fuzz.sh 3600   libFuzzer's per-input timeout in seconds (default
#                                          10; also the bound for "slow-unit" reports); raise it for
#                                          campaigns that may be paused (SIGSTOP) while the machine
#                                          is needed, or every pause is a "timeout"
#   MSKGATE_FUZZ_SANITIZER=none scripts/fuzz.sh 600  no AddressSanitizer (libFuzzer's coverage and
#                                          panic detection stay; for long campaigns, where ASan's
#                                          slowdown costs executions); built in target/fuzz-none
#
# Prints: target, executions, seconds, execs/s, crashes, corpus size; exits 1 if any target crashed
# (the input is saved under fuzz/artifacts/<target>/ — turn it into a regression test in the crate
# that owns the parser, see docs/reliability.md), 2 on a build or usage error.
#
# Targets: those of fuzz/ (`cargo fuzz list`), the runtime's included: fuzz/ builds mskgate-runtime
# without its `kafka` feature, so no librdkafka (whose configure fails under the sanitizer flags).
#
# Toolchain: nightly when rustup has it (as docs/fuzzing.md says); otherwise the pinned stable
# toolchain with RUSTC_BOOTSTRAP=1, which accepts the sanitizer flags cargo-fuzz passes.
# cargo-fuzz comes from scripts/install-ci-tools.sh --fuzz (crates.io, cached in ~/.cache/mskgate).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${MSKGATE_CACHE:-${HOME:-/root}/.cache/mskgate}
CARGO_FUZZ=$CACHE/cargo-fuzz/bin/cargo-fuzz
WORK=${MSKGATE_FUZZ_WORK:-$ROOT/target/fuzz-work}

say() { printf 'fuzz: %s\n' "$*" >&2; }
die() { printf 'fuzz: error: %s\n' "$*" >&2; exit 2; }

ci=false
list=false
case "${1:-}" in
  --ci) ci=true; shift ;;
  --list) list=true; shift ;;
  -h|--help) sed -n '2,30p' "${BASH_SOURCE[0]}"; exit 0 ;;
esac
secs=${1:-$($ci && echo 5 || echo 60)}
[[ "$secs" =~ ^[0-9]+$ && "$secs" -gt 0 ]] || die "SECONDS_PER_TARGET must be a positive integer, not '$secs'"

[ -x "$CARGO_FUZZ" ] || bash "$ROOT/scripts/install-ci-tools.sh" --fuzz >&2 || die "could not install cargo-fuzz"

cd "$ROOT/fuzz"
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  toolchain=(+nightly)
  toolchain_name=nightly
else
  export RUSTC_BOOTSTRAP=1
  toolchain=()
  toolchain_name="$(rustc --version) with RUSTC_BOOTSTRAP=1"
fi
# cargo-fuzz runs as a cargo subcommand: `cargo +nightly fuzz …` finds it on PATH.
export PATH="$CACHE/cargo-fuzz/bin:$PATH"

mapfile -t all < <(cargo "${toolchain[@]}" fuzz list)
[ ${#all[@]} -gt 0 ] || die "cargo fuzz list found no targets"
if $list; then printf '%s\n' "${all[@]}"; exit 0; fi
if [ -n "${MSKGATE_FUZZ_TARGETS:-}" ]; then read -r -a targets <<<"$MSKGATE_FUZZ_TARGETS"; else targets=("${all[@]}"); fi

sanitizer=${MSKGATE_FUZZ_SANITIZER:-address}
case "$sanitizer" in
  address) fuzz_flags=(--debug-assertions) ;;
  none) fuzz_flags=(--debug-assertions -s none --target-dir "$ROOT/target/fuzz-none") ;;
  *) die "MSKGATE_FUZZ_SANITIZER is address or none, not '$sanitizer'" ;;
esac
unit_timeout=${MSKGATE_FUZZ_TIMEOUT:-10}
[[ "$unit_timeout" =~ ^[0-9]+$ && "$unit_timeout" -gt 0 ]] \
  || die "MSKGATE_FUZZ_TIMEOUT must be a positive integer, not '$unit_timeout'"
run_limit=()
if [ -n "${MSKGATE_FUZZ_RUNS:-}" ]; then
  [[ "$MSKGATE_FUZZ_RUNS" =~ ^[0-9]+$ && "$MSKGATE_FUZZ_RUNS" -gt 0 ]] \
    || die "MSKGATE_FUZZ_RUNS must be a positive integer, not '$MSKGATE_FUZZ_RUNS'"
  run_limit=(-runs="$MSKGATE_FUZZ_RUNS")
fi
say "toolchain: $toolchain_name; $(cargo-fuzz --version); ${#targets[@]} targets, ${secs}s each$($ci && echo ' (CI mode: committed corpus only)')"
started=$SECONDS
say "building (release, debug assertions, sanitizer: $sanitizer)"
build_log=$(mktemp)
if [ -n "${MSKGATE_FUZZ_TARGETS:-}" ]; then
  for t in "${targets[@]}"; do
    cargo "${toolchain[@]}" fuzz build "${fuzz_flags[@]}" "$t" >>"$build_log" 2>&1 \
      || { tail -40 "$build_log" >&2; die "build of $t failed"; }
  done
else
  cargo "${toolchain[@]}" fuzz build "${fuzz_flags[@]}" >"$build_log" 2>&1 \
    || { tail -40 "$build_log" >&2; die "build failed"; }
fi
rm -f "$build_log"
build_secs=$((SECONDS - started))
say "built in ${build_secs}s"

rows=()
crashed=0
total_execs=0
for t in "${targets[@]}"; do
  [ -d "corpus/$t" ] || die "no committed corpus at fuzz/corpus/$t"
  if $ci; then
    scratch=$(mktemp -d)
  else
    scratch=$WORK/$t
    mkdir -p "$scratch"
  fi
  mkdir -p "artifacts/$t"
  before=$(find "artifacts/$t" -type f | wc -l)
  log=$(mktemp)
  t0=$SECONDS
  set +e
  cargo "${toolchain[@]}" fuzz run "${fuzz_flags[@]}" "$t" "$scratch" "corpus/$t" -- \
    -max_total_time="$secs" -print_final_stats=1 -timeout="$unit_timeout" -report_slow_units="$unit_timeout" -rss_limit_mb=4096 "${run_limit[@]}" >"$log" 2>&1
  rc=$?
  set -e
  took=$((SECONDS - t0))
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  [ -n "$execs" ] || execs=$(grep -o 'Done [0-9]* runs' "$log" | grep -o '[0-9]*' | tail -1)
  execs=${execs:-0}
  after=$(find "artifacts/$t" -type f | wc -l)
  crashes=$((after - before))
  if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then
    # libFuzzer failed without leaving an input (e.g. the target did not start): show why.
    tail -30 "$log" >&2
    die "$t: cargo fuzz run exited $rc without a crash artifact"
  fi
  if [ "$crashes" -gt 0 ]; then
    crashed=1
    say "$t: CRASH — input saved in fuzz/artifacts/$t/; libFuzzer's report:"
    grep -E 'panicked|ERROR|SUMMARY|Test unit written|Base64' "$log" | head -20 >&2
  fi
  corpus=$(find "$scratch" "corpus/$t" -type f | wc -l)
  rate=$((execs / (took > 0 ? took : 1)))
  rows+=("$(printf '%-24s %12s %8s %10s %8s %8s' "$t" "$execs" "$took" "$rate" "$crashes" "$corpus")")
  total_execs=$((total_execs + execs))
  $ci && rm -rf "$scratch"
  rm -f "$log"
done

printf '%-24s %12s %8s %10s %8s %8s\n' target executions seconds execs/s crashes corpus
printf '%s\n' "${rows[@]}"
printf '%-24s %12s %8s\n' total "$total_execs" "$((SECONDS - started - build_secs))"
say "finished in $((SECONDS - started))s (build ${build_secs}s)"
exit "$crashed"
