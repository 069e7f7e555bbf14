#!/usr/bin/env bash
# Installs Debian packages whose services must not start (the lab, the bench and the tests run their daemons
# themselves: FRR, tayga, iperf3), as root. A package's scripts start its service through invoke-rc.d or
# deb-systemd-invoke, which first ask /usr/sbin/policy-rc.d; exit status 101 means "do not start". The file is
# put there for the installation only, and only when there was none. An index too old for the packages is
# refreshed once.
#   scripts/apt-install-no-start.sh PACKAGE...
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 PACKAGE..." >&2; exit 2; }
export DEBIAN_FRONTEND=noninteractive
policy=/usr/sbin/policy-rc.d
ours=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# left by xlat scripts/apt-install-no-start.sh while it installs packages\nexit 101\n' > "$policy"
  chmod 755 "$policy"
  ours=1
fi
cleanup() { if [ "$ours" -eq 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT
apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 ||
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@" >/dev/null; }
