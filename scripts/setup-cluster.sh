#!/usr/bin/env bash
# Installs what the cluster lab (`npm run lab:cluster`) and its test (test/cluster) need besides scripts/setup.sh:
# FRR (Debian package frr: zebra, bgpd, bfdd, vtysh). The lab runs FRR's daemons itself, one set per network
# namespace; the system service is never started, not even by the package's installation. Only what is missing.
set -euo pipefail

have_frr() {
  for d in zebra bgpd bfdd; do [ -x "/usr/lib/frr/$d" ] || return 1; done
  command -v vtysh >/dev/null 2>&1 && id frr >/dev/null 2>&1
}
have_frr && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "setup-cluster: FRR (Debian package frr) is missing and not root: the cluster lab and its test will say so" >&2
  exit 0
fi
echo "setup-cluster: installing frr"
bash "$(dirname "$0")/apt-install-no-start.sh" frr
have_frr || { echo "Error: frr was installed but its zebra, bgpd, bfdd or vtysh is still missing" >&2; exit 1; }
