#!/usr/bin/env bash
# Runs every fuzz target of fuzz/ for a short time; fails if any target finds a crash.
#
#   scripts/fuzz-smoke.sh [SECONDS_PER_TARGET] [TARGET...]
#
# SECONDS_PER_TARGET defaults to $FUZZ_SECONDS or 20. Installs cargo-fuzz when missing.
# With a nightly toolchain installed the targets run under AddressSanitizer on nightly;
# otherwise on the default (stable) toolchain without a sanitizer. FUZZ_SANITIZER
# (none, address, ...) and FUZZ_TOOLCHAIN (stable, nightly, ...) override the choice.
#
# New inputs found during the run go to a temporary directory, not to fuzz/corpus, so the
# committed corpus only changes by hand. Crash inputs are left in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-${FUZZ_SECONDS:-20}}"
shift || true
if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  targets=(parse_response error_response event_stream profile endpoint sigv4 json_roundtrip credentials proxy)
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

if [ -z "${FUZZ_TOOLCHAIN:-}" ]; then
  if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    FUZZ_TOOLCHAIN=nightly
  else
    FUZZ_TOOLCHAIN=stable
  fi
fi
if [ -z "${FUZZ_SANITIZER:-}" ]; then
  if [ "$FUZZ_TOOLCHAIN" = "stable" ]; then FUZZ_SANITIZER=none; else FUZZ_SANITIZER=address; fi
fi
fuzz=(cargo "+$FUZZ_TOOLCHAIN" fuzz)
# Debug assertions on: integer overflow panics count as crashes.
opts=(--fuzz-dir fuzz -s "$FUZZ_SANITIZER" --debug-assertions)

echo "== building the fuzz targets ($FUZZ_TOOLCHAIN, sanitizer $FUZZ_SANITIZER)"
"${fuzz[@]}" build "${opts[@]}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=()
summary=()
start=$SECONDS
for target in "${targets[@]}"; do
  echo "== $target: ${seconds}s"
  mkdir -p "$work/$target"
  log="$work/$target.log"
  status=0
  "${fuzz[@]}" run "${opts[@]}" "$target" "$work/$target" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    >"$log" 2>&1 || status=$?
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true
  if [ "$status" -ne 0 ]; then
    failed+=("$target")
    summary+=("$target: FAILED (exit $status)")
    echo "-- $target failed; the end of its log:"
    tail -n 60 "$log"
  else
    summary+=("$target: ${runs:-?} executions in ${seconds}s")
  fi
done

echo "== summary (total ${SECONDS}s, fuzzing $((SECONDS - start))s)"
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "crash inputs are in fuzz/artifacts/<target>/; replay one with"
  echo "  cargo fuzz run --fuzz-dir fuzz <target> fuzz/artifacts/<target>/<file>"
  exit 1
fi
