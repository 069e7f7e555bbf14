#!/usr/bin/env bash
# A live SIIT lab in network namespaces:   n6 (IPv6 only) -- j (xlat SIIT) -- n4 (IPv4 only)
# `npm run lab` (setup + build first) creates it, attaches the translator in j, shows real traffic both ways,
# prints the instance and its counters, and removes everything.
#
#   scripts/lab.sh [--hook xdp|tc|auto] [--keep]     run the demo (--keep: leave the lab up afterwards)
#   scripts/lab.sh --xlat PATH                       drive an installed xlat (e.g. from npm install -g) instead of
#                                                    this checkout's build (bin/run.js); needs no build
#   scripts/lab.sh --down                            remove every kept lab (namespaces xlat-lab-*)
#   npm run lab -- --keep --hook tc                  the same through npm
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)

hook=auto
keep=0
down=0
xlat_cmd=
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=1 ;;
    --down) down=1 ;;
    --hook) shift; hook=${1:-} ;;
    --hook=*) hook=${1#--hook=} ;;
    --xlat) shift; xlat_cmd=${1:-}; [ -n "$xlat_cmd" ] || { echo "Error: --xlat needs a path" >&2; exit 2; } ;;
    --xlat=*) xlat_cmd=${1#--xlat=} ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "Error: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done
case "$hook" in xdp|tc|auto) ;; *) echo "Error: --hook must be xdp, tc or auto" >&2; exit 2 ;; esac
if [ "$(id -u)" -ne 0 ]; then
  echo "Error: the lab creates network namespaces and loads BPF programs: run it as root (sudo)" >&2
  exit 1
fi

lab_namespaces() { ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^xlat-lab-' || true; }

remove_ns() {
  local ns=$1 p
  for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
  ip netns del "$ns" 2>/dev/null || true
}

if [ $down -eq 1 ]; then
  found=0
  for ns in $(lab_namespaces); do remove_ns "$ns"; echo "removed namespace $ns"; found=1; done
  [ $found -eq 1 ] || echo "no lab namespaces (xlat-lab-*) to remove"
  exit 0
fi

if [ -n "$xlat_cmd" ]; then
  command -v "$xlat_cmd" >/dev/null 2>&1 || { echo "Error: --xlat $xlat_cmd: no such command" >&2; exit 1; }
  XLAT=("$(command -v "$xlat_cmd")")
else
  for f in build/bpf/siit.bpf.o dist/commands bin/run.js; do
    [ -e "$f" ] || { echo "Error: $f is missing: run 'npm run build' (or 'npm run lab', which builds first)" >&2; exit 1; }
  done
  XLAT=(node "$REPO/bin/run.js")
fi

PREFIX="xlat-lab-$$"
N6="$PREFIX-n6"; J="$PREFIX-j"; N4="$PREFIX-n4"
SOCK="$REPO/test/helpers/sockets.py"

teardown() {
  local rc=$?
  set +e
  if [ $keep -eq 1 ] && [ $rc -eq 0 ]; then return; fi
  for ns in "$N6" "$J" "$N4"; do remove_ns "$ns"; done
  if [ $rc -ne 0 ]; then echo "lab: failed (exit $rc), namespaces removed" >&2; else echo "lab: removed $N6 $J $N4"; fi
}
trap teardown EXIT
trap 'exit 130' INT TERM

failures=0
# a traffic step that fails is reported, and the demo goes on so the counters show what happened
try() { "$@" || { echo "!! FAILED (exit $?): $*" >&2; failures=$((failures + 1)); }; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

step "creating namespaces $N6 -- $J -- $N4"
eval "$(node test/helpers/topology.mjs up "$PREFIX")"
cat <<INFO
  $N6: to_jool_v6 $N6_ADDR6/64, routes $POOL6 and default via j
  $J:  to_client_v6 2001:db8:1c0:2:1::/64, to_client_v4 198.51.100.1/24, forwarding on
  $N4: to_jool_v4 $N4_ADDR4/24, route 192.0.2.0/24 via j
  n6 reaches n4 at $N4_AS6 (RFC 6052, pool6 $POOL6); n4 reaches n6 at $N6_AS4
INFO

step "attaching SIIT in $J"
show "${XLAT[@]}" --version
hook_args=()
[ "$hook" = auto ] || hook_args=(--hook "$hook")
show ip netns exec "$J" "${XLAT[@]}" siit instance add --pool6 "$POOL6" "${hook_args[@]}"
show ip netns exec "$J" "${XLAT[@]}" siit instance status

step "ping -6 from n6 to n4 ($N4_AS6)"
try show ip netns exec "$N6" ping -6 -n -c 3 -i 0.2 -W 2 "$N4_AS6"

step "ping from n4 to n6 ($N6_AS4)"
try show ip netns exec "$N4" ping -4 -n -c 3 -i 0.2 -W 2 "$N6_AS4"

exchange() { # proto server-ns client-ns target size
  local proto=$1 srv=$2 cli=$3 target=$4 size=$5 port=$((40000 + RANDOM % 20000)) pid rc=0
  local log; log=$(mktemp)
  timeout 30 ip netns exec "$srv" python3 "$SOCK" serve "$proto" "$port" >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 50); do grep -q READY "$log" && break; sleep 0.1; done
  printf '$ ip netns exec %s python3 sockets.py client %s %s %s --size %s\n' "$cli" "$proto" "$target" "$port" "$size"
  timeout 30 ip netns exec "$cli" python3 "$SOCK" client "$proto" "$target" "$port" --size "$size" --timeout 5 || rc=$?
  sleep 0.2
  echo "  listener in $srv saw: $(grep -v READY "$log" | head -1)"
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
  rm -f "$log"
  return $rc
}

step "UDP and TCP echo over the translator"
try exchange udp "$N4" "$N6" "$N4_AS6" 1200
try exchange udp "$N6" "$N4" "$N6_AS4" 1200
try exchange tcp "$N4" "$N6" "$N4_AS6" 1048576
try exchange tcp "$N6" "$N4" "$N6_AS4" 1048576

step "the instance and its counters, from fresh processes"
show ip netns exec "$J" "${XLAT[@]}" siit instance display
show ip netns exec "$J" "${XLAT[@]}" siit stats display


if [ $failures -gt 0 ]; then
  echo
  echo "lab: $failures traffic step(s) failed; all counters:" >&2
  ip netns exec "$J" "${XLAT[@]}" siit stats display --all >&2 || true
  exit 1
fi

if [ $keep -eq 1 ]; then
  cat <<EOF2

The lab stays up. Try:
  sudo ip netns exec $N6 ping -6 $N4_AS6
  sudo ip netns exec $N4 ping $N6_AS4
  sudo ip netns exec $J ${XLAT[*]} siit stats display
  sudo ${XLAT[*]} siit instance display -n $J
  sudo ip netns exec $J tcpdump -ni to_client_v4          (IPv4 side of the translator)
  sudo ip netns exec $N6 bash                             (a shell on the IPv6-only host)
Remove it with:
  sudo $REPO/scripts/lab.sh --down
EOF2
fi
