#!/usr/bin/env bash
# Installs what `npm run bench` needs beyond scripts/setup.sh, only what is missing (Debian/Ubuntu, as root):
# iperf3 (TCP/UDP end to end), netsniff-ng (trafgen: small-packet generator), tayga (the userspace NAT64
# compared against), hyperfine (cold starts) and GNU time (peak RSS of the CLI).
set -euo pipefail
need=()
have() { command -v "$1" >/dev/null 2>&1; }
have iperf3 || need+=(iperf3)
have trafgen || need+=(netsniff-ng)
have tayga || [ -x /usr/sbin/tayga ] || need+=(tayga)
have hyperfine || need+=(hyperfine)
[ -x /usr/bin/time ] || need+=(time)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "bench: missing packages (${need[*]}) and not root: install them or run as root" >&2
  exit 1
fi
echo "bench: installing ${need[*]}"
# The packages' own services (tayga, iperf3) must not start: the bench runs them itself.
bash "$(dirname "$0")/../scripts/apt-install-no-start.sh" "${need[@]}"
