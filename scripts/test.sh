#!/usr/bin/env bash
# Runs the whole test suite with node's built-in runner (called by `npm test`, after setup and build).
#   test/unit/**/*.test.mjs    pure logic, files run in parallel
#   test/packet/**/*.test.mjs  BPF programs run on packets (BPF_PROG_TEST_RUN), files run in parallel
#   test/e2e/**/*.test.mjs     network namespaces, one file at a time
#   test/<other>/**/*.test.mjs (conformance, ...) like e2e: they may create namespaces, one file at a time
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
declare -A totals
status=0
ran=0
failed=()
for suite in "${suites[@]}"; do
  case "$suite" in
    unit|packet) conc=(); timeout=120000 ;;
    # a guest per kernel: about a minute each with KVM, several emulated (test/kernels says what it measured)
    kernels) conc=(--test-concurrency=1); timeout=2700000 ;;
    helpers|fixtures) echo "test: test/$suite holds no suite" >&2; exit 2 ;;
    *) conc=(--test-concurrency=1); timeout=300000 ;;
  esac
  if [ ! -d "test/$suite" ]; then
    [ $# -gt 0 ] && { echo "test: no test/$suite directory" >&2; exit 2; }
    echo "test: no test/$suite directory, skipped"
    continue
  fi
  mapfile -t files < <(find "test/$suite" -type f -name '*.test.mjs' | sort)
  if [ ${#files[@]} -eq 0 ]; then
    echo "test: no test/$suite/**/*.test.mjs, skipped"
    continue
  fi
  echo
  echo "=== $suite (${#files[@]} file(s)) ==="
  start=$SECONDS
  log=$(mktemp)
  node --test "${reporter[@]}" "${conc[@]}" --test-timeout="$timeout" "${files[@]}" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  # The runner's own summary lines ("ℹ pass N", "ℹ fail N", ...), added up over the suites.
  for k in pass fail skipped todo; do
    n=$(grep -E "^ℹ $k [0-9]+$" "$log" | tail -n 1 | awk '{print $3}')
    totals[$k]=$(( ${totals[$k]:-0} + ${n:-0} ))
  done
  rm -f "$log"
  ran=$((ran + 1))
  echo "=== $suite: $([ $rc -eq 0 ] && echo passed || echo "FAILED (exit $rc)") in $((SECONDS - start)) s ==="
  [ $rc -eq 0 ] || { status=1; failed+=("$suite"); }
done

if [ $ran -eq 0 ]; then
  echo "test: no test files found" >&2
  exit 1
fi
echo
if [ $status -eq 0 ]; then echo "all suites passed"; else echo "FAILED suites: ${failed[*]}"; fi
[ "${totals[todo]:-0}" -eq 0 ] || echo "todo (known gaps, listed above): ${totals[todo]}"
echo "test: ${totals[pass]:-0} passed, ${totals[fail]:-0} failed, ${totals[skipped]:-0} skipped"
exit $status
