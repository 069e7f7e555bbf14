#!/usr/bin/env bash
# Runs the whole test suite with node's built-in runner (called by `npm test`, after setup and build).
#   test/unit/**/*.test.mjs    pure logic, files run in parallel
#   test/packet/**/*.test.mjs  BPF programs run on packets (BPF_PROG_TEST_RUN), files run in parallel
#   test/e2e/**/*.test.mjs     network namespaces, one file at a time
#   test/<other>/**/*.test.mjs (conformance, ...) like e2e: they may create namespaces, one file at a time
# All suites: two lanes at once (unit, packet, e2e | the others), each suite's transcript printed when it ends.
# Kernel-level tests skip themselves (with the reason) when not root or when the build is missing.
# Usage: scripts/test.sh [SUITE]...   (SUITE = a directory under test/; default: all of them, unit first)
set -uo pipefail
cd "$(dirname "$0")/.."

suites=("$@")
if [ ${#suites[@]} -eq 0 ]; then
  suites=(unit packet e2e)
  for d in test/*/; do
    d=$(basename "$d")
    case "$d" in unit|packet|e2e|helpers|fixtures) ;; *) suites+=("$d") ;; esac
  done
fi

# Namespaces left behind by an earlier run that was killed hard (names carry the creator's pid).
if [ "$(id -u)" -eq 0 ] && command -v ip >/dev/null 2>&1; then
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^xlt-[0-9]+-' || true); do
    pid=${ns#xlt-}; pid=${pid%%-*}
    if [ ! -d "/proc/$pid" ]; then
      for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
      ip netns del "$ns" 2>/dev/null && echo "test: removed stale namespace $ns"
    fi
  done
fi

reporter=(--test-reporter=spec)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# run_suite SUITE: runs one suite; its transcript goes to $work/SUITE.log, printed whole when it ends (two lanes may
# run at once: a suite's lines stay together), and its exit code to $work/SUITE.rc.
run_suite() {
  local suite=$1 conc timeout start rc files log=$work/$1.log
  case "$suite" in
    unit|packet) conc=(); timeout=120000 ;;
    # a guest per kernel: about a minute each with KVM, several emulated (test/kernels says what it measured)
    kernels) conc=(--test-concurrency=1); timeout=2700000 ;;
    # files that wait for real timeouts and other processes, slower while the other lane runs
    *) conc=(--test-concurrency=1); timeout=600000 ;;
  esac
  mapfile -t files < <(find "test/$suite" -type f -name '*.test.mjs' | sort)
  start=$SECONDS
  {
    echo
    echo "=== $suite (${#files[@]} file(s)) ==="
    node --test "${reporter[@]}" "${conc[@]}" --test-timeout="$timeout" "${files[@]}" 2>&1
    rc=$?
    echo "=== $suite: $([ $rc -eq 0 ] && echo passed || echo "FAILED (exit $rc)") in $((SECONDS - start)) s ==="
    echo "$rc" > "$work/$suite.rc"
  } > "$log"
  flock "$work/print.lock" cat "$log"
}

runnable=()
for suite in "${suites[@]}"; do
  case "$suite" in
    helpers|fixtures) echo "test: test/$suite holds no suite" >&2; exit 2 ;;
  esac
  if [ ! -d "test/$suite" ]; then
    [ $# -gt 0 ] && { echo "test: no test/$suite directory" >&2; exit 2; }
    echo "test: no test/$suite directory, skipped"
    continue
  fi
  if [ -z "$(find "test/$suite" -type f -name '*.test.mjs' | head -n 1)" ]; then
    echo "test: no test/$suite/**/*.test.mjs, skipped"
    continue
  fi
  runnable+=("$suite")
done

# Two lanes when the whole suite runs (XLAT_TEST_LANES=1 for one): unit, packet and e2e in one, every other suite
# in the other. Most of the time goes to waiting (timeouts, sleeps, other processes), so two lanes on this
# 2-core machine class take about 60% of the time of one (CI's npm test has 25 minutes).
lane1=() lane2=()
for suite in "${runnable[@]}"; do
  case "$suite" in
    unit|packet|e2e) lane1+=("$suite") ;;
    *) lane2+=("$suite") ;;
  esac
done
if [ $# -gt 0 ] || [ "${XLAT_TEST_LANES:-2}" = 1 ]; then
  for suite in "${runnable[@]}"; do run_suite "$suite"; done
else
  (for suite in "${lane1[@]}"; do run_suite "$suite"; done) &
  l1=$!
  (for suite in "${lane2[@]}"; do run_suite "$suite"; done) &
  l2=$!
  wait "$l1" "$l2"
fi

declare -A totals
status=0
ran=0
failed=()
for suite in "${runnable[@]}"; do
  ran=$((ran + 1))
  # The runner's own summary lines ("ℹ pass N", "ℹ fail N", ...), added up over the suites.
  for k in pass fail skipped todo; do
    n=$(grep -E "^ℹ $k [0-9]+$" "$work/$suite.log" 2>/dev/null | tail -n 1 | awk '{print $3}')
    totals[$k]=$(( ${totals[$k]:-0} + ${n:-0} ))
  done
  rc=$(cat "$work/$suite.rc" 2>/dev/null || echo 1)
  [ "$rc" -eq 0 ] || { status=1; failed+=("$suite"); }
done

if [ $ran -eq 0 ]; then
  echo "test: no test files found" >&2
  exit 1
fi
echo
if [ $status -eq 0 ]; then echo "all suites passed"; else
  # Each failure again, briefly, at the end: with two lanes a failed suite's transcript may be printed long before the
  # last lines, which are all a CI log's reader may get. Its location, name and the first lines of its error.
  for suite in "${failed[@]}"; do
    echo "--- $suite: failures (the whole transcript is above)"
    awk '/^✖ failing tests:/ {on = 1; next}
      on && /^test at / {print; n = 0; next}
      on && /^✖ / {print; n = 3; next}
      on && n > 0 && !/^ *at / && NF {print; n--}' "$work/$suite.log" | head -n 40
  done
  echo "FAILED suites: ${failed[*]}"
fi
[ "${totals[todo]:-0}" -eq 0 ] || echo "todo (known gaps, listed above): ${totals[todo]}"
echo "test: ${totals[pass]:-0} passed, ${totals[fail]:-0} failed, ${totals[skipped]:-0} skipped"
exit $status
