#!/usr/bin/env bash
# Runs the whole test suite with node's built-in runner (called by `npm test`, after setup and build).
#   test/unit/**/*.test.mjs    pure logic, files run in parallel
#   test/packet/**/*.test.mjs  BPF programs run on packets (BPF_PROG_TEST_RUN), files run in parallel
#   test/e2e/**/*.test.mjs     network namespaces, one file at a time
# Kernel-level tests skip themselves (with the reason) when not root or when the build is missing.
# Usage: scripts/test.sh [unit|packet|e2e]...   (default: all three)
set -uo pipefail
cd "$(dirname "$0")/.."

suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(unit packet e2e)

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
status=0
ran=0
failed=()
for suite in "${suites[@]}"; do
  case "$suite" in
    unit|packet) conc=(); timeout=120000 ;;
    e2e) conc=(--test-concurrency=1); timeout=300000 ;;
    *) echo "test: unknown suite '$suite' (unit, packet or e2e)" >&2; exit 2 ;;
  esac
  [ -d "test/$suite" ] || { echo "test: no test/$suite directory, skipped"; continue; }
  mapfile -t files < <(find "test/$suite" -type f -name '*.test.mjs' | sort)
  if [ ${#files[@]} -eq 0 ]; then
    echo "test: no test/$suite/**/*.test.mjs, skipped"
    continue
  fi
  echo
  echo "=== $suite (${#files[@]} file(s)) ==="
  start=$SECONDS
  node --test "${reporter[@]}" "${conc[@]}" --test-timeout="$timeout" "${files[@]}"
  rc=$?
  ran=$((ran + 1))
  echo "=== $suite: $([ $rc -eq 0 ] && echo passed || echo "FAILED (exit $rc)") in $((SECONDS - start)) s ==="
  [ $rc -eq 0 ] || { status=1; failed+=("$suite"); }
done

if [ $ran -eq 0 ]; then
  echo "test: no test files found" >&2
  exit 1
fi
echo
if [ $status -eq 0 ]; then echo "test: all suites passed"; else echo "test: FAILED: ${failed[*]}"; fi
exit $status
