#!/usr/bin/env bash
# Installs what xlat needs to build, test and run on Debian 12 (what CI proves on a fresh root): only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=()
have() { command -v "$1" >/dev/null 2>&1; }
have clang || need_pkgs+=(clang)
# the lint suite checks the C against .clang-format
have clang-format || need_pkgs+=(clang-format)
have llc || need_pkgs+=(llvm)
[ -f /usr/include/bpf/bpf_helpers.h ] || need_pkgs+=(libbpf-dev)
ldconfig -p 2>/dev/null | grep -q 'libbpf.so.1 ' || need_pkgs+=(libbpf1)
[ -f /usr/include/linux/bpf.h ] || need_pkgs+=(linux-libc-dev)
[ -d /usr/include/x86_64-linux-gnu/asm ] || [ -d "/usr/include/$(uname -m)-linux-gnu/asm" ] || need_pkgs+=(linux-libc-dev)
have ip || need_pkgs+=(iproute2)
have tc || need_pkgs+=(iproute2)
have ping || need_pkgs+=(iputils-ping)
have ethtool || need_pkgs+=(ethtool)
# the end-to-end tests drive real clients: traceroute (UDP, ICMP and TCP probes)
have traceroute || need_pkgs+=(traceroute)
have python3 || need_pkgs+=(python3)
have sysctl || need_pkgs+=(procps)   # the conformance corpus's setup commands run sysctl -w
have curl || need_pkgs+=(curl)  # the metrics test scrapes with a real HTTP client
have bpftool || need_pkgs+=(bpftool)  # the fault tests check by id that a deleted namespace leaves no program or map

if [ ${#need_pkgs[@]} -gt 0 ]; then
  mapfile -t need_pkgs < <(printf '%s\n' "${need_pkgs[@]}" | awk '!seen[$0]++')
  if [ "$(id -u)" -ne 0 ]; then
    echo "Error: missing packages (${need_pkgs[*]}) and not root: install them or run as root" >&2
    exit 1
  fi
  echo "setup: installing ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

if [ ! -d node_modules/@oclif/core ] || [ ! -d node_modules/koffi ] || [ ! -d node_modules/typescript ]; then
  echo "setup: installing npm dependencies"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
fi

# The kernel suite (test/kernels) boots the oldest kernels xlat supports in QEMU (scripts/kernel-vm.sh). With KVM a
# guest takes well under a minute; emulated (no /dev/kvm) it takes minutes, too slow for every machine's `npm test`:
# there qemu and the kernels are installed only when asked (XLAT_KERNELS=1), and the suite says what is missing.
if [ -e /dev/kvm ] || [ "${XLAT_KERNELS:-}" = 1 ]; then
  if ! have qemu-system-x86_64; then
    [ "$(id -u)" -eq 0 ] || { echo "Error: qemu-system-x86 is missing and not root: install it or run as root" >&2; exit 1; }
    echo "setup: installing qemu-system-x86 (the kernel suite's guests)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends qemu-system-x86 >/dev/null 2>&1 ||
      { apt-get update -qq && apt-get install -y -qq --no-install-recommends qemu-system-x86 >/dev/null; }
  fi
  # Downloads once (Debian's kernel through apt, Ubuntu's from its archive): a failure leaves the suite to say so.
  if [ "$(id -u)" -eq 0 ]; then
    bash scripts/kernel-vm.sh prepare || echo "setup: warning: kernels not prepared: the kernel suite will skip them"
  fi
fi
