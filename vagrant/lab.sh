#!/usr/bin/env bash
# The VM lab: `npm run lab:vagrant` (as root) boots client, translator and server VMs with Vagrant (libvirt),
# lets Ansible install and configure xlat on the translator, checks translated traffic between the VMs, prints a
# report and destroys the VMs.
#
#   vagrant/lab.sh [--keep] [--require-kvm]    run the lab (--keep: leave the VMs up afterwards)
#   vagrant/lab.sh --down                      destroy a lab left up by --keep
#
# It installs missing Debian packages (vagrant/install-deps.sh), starts virtlogd and libvirtd when nothing runs
# them (and stops them at the end), builds the base box when Vagrant does not have it (vagrant/build-box.sh), and
# packs xlat (vagrant/pack-xlat.sh; `npm run lab:vagrant` builds first). Without /dev/kvm the VMs run under QEMU's
# software emulation: it says so and goes on (slowly), unless --require-kvm.
set -euo pipefail
cd "$(dirname "$0")"
HERE=$(pwd)
REPO=$(cd .. && pwd)

keep=0; down=0; require_kvm=0
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=1 ;;
    --down) down=1 ;;
    --require-kvm) require_kvm=1 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "Error: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done
[ "$(id -u)" -eq 0 ] || { echo "Error: the VM lab runs libvirt and QEMU: run it as root (sudo npm run lab:vagrant)" >&2; exit 1; }

KEPT=$HERE/.vagrant/kept-lab.env
T0=$SECONDS
elapsed() { echo $((SECONDS - T0)); }
say() { printf '\n\033[1m== %s\033[0m  (%s s)\n' "$*" "$(elapsed)"; }

bash "$HERE/install-deps.sh"

# ---- libvirt: use a running one, or start the daemons ourselves (no systemd here) and stop them at the end ----
started_daemons=()
libvirt_ok() { virsh -q -c qemu:///system version >/dev/null 2>&1; }
start_libvirt() {
  libvirt_ok && return 0
  if ! pgrep -x virtlogd >/dev/null; then virtlogd -d && started_daemons+=(virtlogd); fi
  if ! pgrep -x libvirtd >/dev/null; then libvirtd -d && started_daemons+=(libvirtd); fi
  for _ in $(seq 50); do libvirt_ok && return 0; sleep 0.2; done
  return 1
}
stop_started_daemons() {
  local d pid
  for d in "${started_daemons[@]}"; do
    # Only the daemon we started: its pid file (libvirtd/virtlogd -d write one under /run).
    pid=$(cat "/run/$d.pid" 2>/dev/null || true)
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
}
# Until the VMs exist, an exit only has to stop the daemons started here (teardown below takes over then).
trap stop_started_daemons EXIT
if ! start_libvirt; then
  echo "lab:vagrant: libvirt is not available (libvirtd does not answer on qemu:///system): cannot run the VM lab" >&2
  stop_started_daemons
  exit 1
fi

if [ $down -eq 1 ]; then
  [ -f "$KEPT" ] || { echo "lab:vagrant: no kept lab ($KEPT)"; stop_started_daemons; exit 0; }
  set -a; . "$KEPT"; set +a
  vagrant destroy -f || true
  rm -f "$KEPT"
  echo "lab:vagrant: destroyed lab $XLAT_LAB_ID"
  # The daemons the kept lab started (it left them running for its VMs).
  read -r -a kept_daemons <<<"${XLAT_LAB_DAEMONS:-}"
  started_daemons+=("${kept_daemons[@]}")
  stop_started_daemons
  exit 0
fi
[ ! -f "$KEPT" ] || { echo "Error: a kept lab is still up ($(grep XLAT_LAB_ID "$KEPT")): 'vagrant/lab.sh --down' first" >&2; stop_started_daemons; exit 1; }

# ---- KVM, or software emulation ----
if [ -e /dev/kvm ]; then
  # libvirt runs QEMU as libvirt-qemu (group kvm): a root-only /dev/kvm makes KVM fail to initialize.
  chgrp kvm /dev/kvm 2>/dev/null && chmod 0660 /dev/kvm 2>/dev/null || true
  export XLAT_LAB_DRIVER=kvm
  echo "lab:vagrant: KVM available (/dev/kvm)"
else
  if [ $require_kvm -eq 1 ]; then
    echo "lab:vagrant: KVM is not available (no /dev/kvm on this machine): cannot run the VM lab with --require-kvm" >&2
    stop_started_daemons
    exit 1
  fi
  export XLAT_LAB_DRIVER=qemu
  echo "lab:vagrant: KVM is not available (no /dev/kvm): the VMs run under QEMU software emulation (TCG), several times slower"
fi

# ---- box and package ----
if ! vagrant box list 2>/dev/null | grep -q '^xlat/debian12 '; then
  say "building the base box (once)"
  bash "$HERE/build-box.sh"
fi
say "packing xlat"
rm -f "$HERE"/.pack/xlat-*.tgz
export XLAT_LAB_TARBALL
XLAT_LAB_TARBALL=$(bash "$HERE/pack-xlat.sh" "$HERE/.pack" | tail -n 1)
echo "$XLAT_LAB_TARBALL"

# ---- unique names for this run ----
export XLAT_LAB_ID="r$$"
export XLAT_LAB_PORT=$((47100 + ($$ % 400) * 4))
export VAGRANT_DOTFILE_PATH="$HERE/.vagrant/$XLAT_LAB_ID"
export ANSIBLE_FORCE_COLOR=0
LOG=$HERE/.vagrant/$XLAT_LAB_ID.log
mkdir -p "$HERE/.vagrant"
: >"$LOG"
SSHCFG=$HERE/.vagrant/$XLAT_LAB_ID.ssh

teardown() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  if [ $keep -eq 1 ] && [ $rc -eq 0 ]; then
    printf 'XLAT_LAB_ID=%s\nXLAT_LAB_PORT=%s\nVAGRANT_DOTFILE_PATH=%s\nXLAT_LAB_DRIVER=%s\nXLAT_LAB_TARBALL=%s\nXLAT_LAB_DAEMONS="%s"\n' \
      "$XLAT_LAB_ID" "$XLAT_LAB_PORT" "$VAGRANT_DOTFILE_PATH" "$XLAT_LAB_DRIVER" "$XLAT_LAB_TARBALL" "${started_daemons[*]}" >"$KEPT"
    echo "lab:vagrant: VMs kept (lab $XLAT_LAB_ID); ssh: ssh -F $SSHCFG client|translator|server; remove: npm run lab:vagrant -- --down"
    return
  fi
  echo "lab:vagrant: destroying the VMs of lab $XLAT_LAB_ID"
  vagrant destroy -f >>"$LOG" 2>&1
  # Anything vagrant could not remove (an interrupted `up`): domains, volumes, the management network.
  for dom in $(virsh -q -c qemu:///system list --all --name | grep "^xlat-lab-$XLAT_LAB_ID-" || true); do
    virsh -q destroy "$dom" >/dev/null 2>&1; virsh -q undefine "$dom" --remove-all-storage >/dev/null 2>&1
  done
  if virsh -q net-info "xlat-lab-$XLAT_LAB_ID" >/dev/null 2>&1; then
    virsh -q net-destroy "xlat-lab-$XLAT_LAB_ID" >/dev/null 2>&1; virsh -q net-undefine "xlat-lab-$XLAT_LAB_ID" >/dev/null 2>&1
  fi
  rm -rf "$VAGRANT_DOTFILE_PATH" "$SSHCFG"
  stop_started_daemons
  [ $rc -eq 0 ] || echo "lab:vagrant: failed (exit $rc) after $(elapsed) s; full log: $LOG" >&2
}
trap teardown EXIT
trap 'exit 130' INT TERM

say "vagrant up (lab $XLAT_LAB_ID, driver $XLAT_LAB_DRIVER): boot, then Ansible provisions each VM"
t_up=$SECONDS
if ! vagrant up --provider libvirt >>"$LOG" 2>&1; then
  tail -n 40 "$LOG" >&2
  exit 1
fi
up_s=$((SECONDS - t_up))
recap() { grep -A3 'PLAY RECAP' "$1" | grep -E '^(client|translator|server) ' | sed 's/  */ /g' || true; }
echo "vagrant up: $up_s s"
recap "$LOG"
vagrant ssh-config >"$SSHCFG" 2>>"$LOG"
on() { local vm=$1; shift; ssh -F "$SSHCFG" -o LogLevel=ERROR "$vm" "$@"; }

failures=0
results=()
check() { # description, then the command
  local what=$1; shift
  if "$@"; then results+=("ok    $what"); else results+=("FAIL  $what"); failures=$((failures + 1)); fi
}
show() { printf '$ %s\n' "$*"; "$@"; }

say "copying the echo helper (test/helpers/sockets.py) to client and server"
for vm in client server; do scp -q -F "$SSHCFG" -o LogLevel=ERROR "$REPO/test/helpers/sockets.py" "$vm:/tmp/sockets.py"; done

say "ping"
check "SIIT  ping client -> server (2001:db8:1c6:3364:2::)" show on client ping -6 -n -c 3 -i 0.5 -W 3 2001:db8:1c6:3364:2::
check "SIIT  ping server -> client (192.0.2.33)" show on server ping -4 -n -c 3 -i 0.5 -W 3 192.0.2.33
check "NAT64 ping client -> server (64:ff9b::198.51.100.2)" show on client ping -6 -n -c 3 -i 0.5 -W 3 64:ff9b::198.51.100.2

exchange() { # proto server-vm client-vm target port size [listen-port: default port]
  local proto=$1 srv=$2 cli=$3 target=$4 port=$5 size=$6 lport=${7:-$5} rc=0
  on "$srv" "nohup timeout 60 python3 /tmp/sockets.py serve $proto $lport >/tmp/echo-$lport.log 2>&1 </dev/null &"
  for _ in $(seq 40); do on "$srv" "grep -q READY /tmp/echo-$lport.log" && break; sleep 0.5; done
  printf '$ %s: python3 sockets.py client %s %s %s --size %s\n' "$cli" "$proto" "$target" "$port" "$size"
  on "$cli" "python3 /tmp/sockets.py client $proto $target $port --size $size --timeout 10" || rc=$?
  echo "  $srv saw: $(on "$srv" "grep -v READY /tmp/echo-$lport.log | head -n 1")"
  on "$srv" "pkill -f 'sockets.py serve $proto $lport' || true"
  return $rc
}
say "UDP and TCP, both ways"
check "SIIT  UDP client -> server" exchange udp server client 2001:db8:1c6:3364:2:: 5001 1200
check "SIIT  UDP server -> client" exchange udp client server 192.0.2.33 5002 1200
check "SIIT  TCP client -> server (1 MiB)" exchange tcp server client 2001:db8:1c6:3364:2:: 5003 1048576
check "SIIT  TCP server -> client (1 MiB)" exchange tcp client server 192.0.2.33 5004 1048576
check "NAT64 UDP client -> server" exchange udp server client 64:ff9b::198.51.100.2 5005 1200
check "NAT64 TCP client -> server (1 MiB)" exchange tcp server client 64:ff9b::198.51.100.2 5006 1048576
# The static BIB entry (the playbook's) forwards 198.51.100.1#61080 to the client's port 8080.
check "NAT64 TCP server -> client through the static BIB entry (198.51.100.1#61080)" \
  exchange tcp client server 198.51.100.1 61080 65536 8080

say "translator state (fresh xlat processes on the translator VM)"
show on translator sudo xlat siit instance display || true
show on translator sudo xlat nat64 instance display || true
show on translator sudo xlat nat64 session display --tcp || true
show on translator sudo xlat nat64 bib display --udp || true
show on translator sudo xlat siit stats display || true

say "idempotence: provisioning the translator again"
t_prov=$SECONDS
prov_log=$(mktemp)
if vagrant provision translator >"$prov_log" 2>&1; then
  second=$(recap "$prov_log")
  echo "$second ($((SECONDS - t_prov)) s)"
  if echo "$second" | grep -q 'changed=0 '; then results+=("ok    second Ansible run on the translator: changed=0"); else results+=("FAIL  second Ansible run changed something: $second"); failures=$((failures + 1)); fi
else
  tail -n 30 "$prov_log" >&2
  results+=("FAIL  second Ansible run failed"); failures=$((failures + 1))
fi
cat "$prov_log" >>"$LOG"; rm -f "$prov_log"

say "report"
printf '%s\n' "${results[@]}"
echo "driver $XLAT_LAB_DRIVER; vagrant up $up_s s; whole lab $(elapsed) s; log $LOG"
[ $failures -eq 0 ] || { echo "lab:vagrant: $failures check(s) failed" >&2; exit 1; }
echo "lab:vagrant: all checks passed"
