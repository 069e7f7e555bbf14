#!/usr/bin/env bash
# Runs a command of this checkout under another kernel: the oldest ones xlat supports, as distributions ship them.
# The objects must load (and translate) on kernels >= 5.15; this machine's kernel says nothing about Debian 12's own
# 6.1 or Ubuntu 22.04's 5.15, whose verifiers are older and stricter.
#
#   scripts/kernel-vm.sh list                     the kernels, and whether each is prepared
#   scripts/kernel-vm.sh prepare NAME...          fetch and unpack (once; kept in $XLAT_KERNEL_CACHE)
#   scripts/kernel-vm.sh run NAME -- COMMAND...   boot NAME (KVM, or emulated without it), run COMMAND (bash -c) as root in this checkout,
#                                                 print its output, exit with its status
#
# The guest sees this machine's file system read-only through 9p with a tmpfs over it (overlayfs), so it runs the
# very node, xlat build and tests that are here; nothing it writes reaches this machine. It has no network device:
# its traffic stays in its own namespaces. Kernel packages are checked: Debian's by apt's signatures (the kernel a
# new Debian 12 machine installs, linux-image-amd64's dependency), Ubuntu's release kernel by the SHA-256 below.
set -euo pipefail
cd "$(dirname "$0")/.."
CHECKOUT=$PWD
CACHE=${XLAT_KERNEL_CACHE:-/var/cache/xlat/kernels}
UBUNTU=http://archive.ubuntu.com/ubuntu/pool/main/l/linux
KERNELS=(debian12 ubuntu2204)
# Modules the guest needs before its root (virtio, 9p, overlayfs) and those the tests use (veth, clsact, cls_bpf).
# sch_netem: the NAT64's delay line for held SYNs (test/kernels/held-syn.mjs). A kernel prepared with another list is
# prepared again.
MODULES=(virtio_pci 9pnet_virtio 9p overlay veth sch_ingress cls_bpf sch_netem)

die() { echo "Error: $*" >&2; exit 1; }
describe() {
  case "$1" in
    debian12) echo "Debian 12's kernel (linux-image-amd64, 6.1)" ;;
    ubuntu2204) echo "Ubuntu 22.04's release kernel (5.15.0-25)" ;;
    *) die "unknown kernel '$1' (known: ${KERNELS[*]})" ;;
  esac
}

# fetch_debs NAME DIR: the kernel's packages into DIR.
fetch_debs() {
  local name=$1 dir=$2 img
  case "$name" in
    debian12)
      img=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
      if [ -z "$img" ]; then
        apt-get update -qq
        img=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
      fi
      [ -n "$img" ] || die "apt knows no linux-image-amd64 (is this Debian 12 with its main archive?)"
      (cd "$dir" && apt-get download -qq "$img" busybox-static) || die "apt-get download $img busybox-static failed"
      ;;
    ubuntu2204)
      (cd "$dir" && apt-get download -qq busybox-static) || die "apt-get download busybox-static failed"
      fetch_checked "$dir" "$UBUNTU/linux-image-unsigned-5.15.0-25-generic_5.15.0-25.25_amd64.deb" \
        ac69df20790c48217eb1386ef81fd10d3f20a4ede4dab81cc107c65d29549fa0
      fetch_checked "$dir" "$UBUNTU/linux-modules-5.15.0-25-generic_5.15.0-25.25_amd64.deb" \
        d0ba4087d9e1d497925b3481d3531fba6c2a852855f8019d73b0b1385aa4da1f
      ;;
  esac
}

fetch_checked() {
  local dir=$1 url=$2 sum=$3 file
  file="$dir/$(basename "$url")"
  if command -v curl >/dev/null 2>&1; then
    curl -fsS --retry 3 -o "$file" "$url" || die "cannot download $url"
  else
    python3 -c 'import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])' "$url" "$file" ||
      die "cannot download $url"
  fi
  echo "$sum  $file" | sha256sum -c --quiet - >/dev/null 2>&1 || die "$(basename "$url"): SHA-256 is not $sum"
}

prepare() {
  local name=$1 out="$CACHE/$1" tmp kver m deps closure=() bb
  describe "$name" >/dev/null
  [ -f "$out/ready" ] && [ "$(cat "$out/ready")" = "${MODULES[*]}" ] && return 0
  [ "$(id -u)" -eq 0 ] || die "preparing a kernel needs root (apt-get download, $CACHE)"
  tmp=$(mktemp -d)
  chmod 755 "$tmp" # apt-get download fetches as _apt
  trap 'rm -rf "$tmp"' RETURN
  echo "kernel-vm: preparing $name: $(describe "$name")"
  fetch_debs "$name" "$tmp"
  mkdir -p "$tmp/root" "$tmp/initrd/"{bin,mod,proc,sys,dev}
  for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$tmp/root"; done
  bb="$tmp/root/bin/busybox"
  [ -x "$bb" ] || die "busybox-static has no /bin/busybox"
  kver=$(ls "$tmp/root/lib/modules" | head -1)
  [ -n "$kver" ] && [ -f "$tmp/root/boot/vmlinuz-$kver" ] || die "no kernel image in the $name packages"
  "$bb" depmod -b "$tmp/root" "$kver"
  # Each wanted module after what it depends on (modules.dep lists a module's dependencies, deepest last).
  for m in "${MODULES[@]}"; do
    deps=$(awk -v m="/$m.ko" 'index($1, m ":") { sub(/:$/, "", $1); line = ""; for (i = NF; i >= 2; i--) line = line $i " "; print line $1; exit }' \
      "$tmp/root/lib/modules/$kver/modules.dep")
    if [ -z "$deps" ]; then
      # built into this kernel (modules.builtin) or absent: the guest then has it or the tests say what fails
      grep -q "/$m.ko" "$tmp/root/lib/modules/$kver/modules.builtin" 2>/dev/null || echo "kernel-vm: $name has no module $m"
      continue
    fi
    for d in $deps; do
      case " ${closure[*]} " in *" $d "*) ;; *) closure+=("$d") ;; esac
    done
  done
  : >"$tmp/initrd/modules"
  for d in "${closure[@]}"; do
    cp "$tmp/root/lib/modules/$kver/$d" "$tmp/initrd/mod/"
    basename "$d" >>"$tmp/initrd/modules"
  done
  cp "$bb" "$tmp/initrd/bin/busybox"
  cp scripts/kernel-vm-init.sh "$tmp/initrd/init"
  chmod +x "$tmp/initrd/init"
  mkdir -p "$out"
  (cd "$tmp/initrd" && find . | "$bb" cpio -o -H newc 2>/dev/null | gzip -1 >"$out/initrd.gz")
  cp "$tmp/root/boot/vmlinuz-$kver" "$out/vmlinuz"
  echo "$kver" >"$out/release"
  echo "${MODULES[*]}" >"$out/ready"
  echo "kernel-vm: $name ready ($kver, ${#closure[@]} modules in its initramfs)"
}

run() {
  local name=$1 out="$CACHE/$1" cmd log status accel
  shift
  [ "${1:-}" = -- ] && shift
  [ $# -gt 0 ] || die "run needs a command after --"
  cmd="$*"
  describe "$name" >/dev/null
  [ -f "$out/ready" ] || die "kernel $name is not prepared (scripts/kernel-vm.sh prepare $name)"
  command -v qemu-system-x86_64 >/dev/null 2>&1 || die "qemu-system-x86_64 is missing (apt-get install qemu-system-x86)"
  # Without KVM (no nested virtualization) the guest is emulated: slower, the same kernel.
  if [ -w /dev/kvm ]; then accel=(-accel kvm -cpu host); else accel=(-accel tcg,thread=multi -cpu max); fi
  # The command travels on the kernel command line, base64 so that no character of it is the kernel's to parse.
  log=$(mktemp)
  trap 'rm -f "$log"' RETURN
  timeout --foreground "${XLAT_KERNEL_VM_TIMEOUT:-900}" qemu-system-x86_64 "${accel[@]}" -smp "$(nproc)" -m "${XLAT_KERNEL_VM_MEM:-2048}" \
    -nodefaults -no-reboot -display none -serial stdio -nic none \
    -kernel "$out/vmlinuz" -initrd "$out/initrd.gz" \
    -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
    -append "console=ttyS0 quiet panic=-1 xlat.dir=$(printf %s "$CHECKOUT" | base64 -w0) xlat.cmd=$(printf %s "$cmd" | base64 -w0)" \
    </dev/null | tr -d '\r' | tee "$log" | grep -v '^XLAT-GUEST-STATUS=' || true
  status=$(sed -n 's/^XLAT-GUEST-STATUS=\([0-9]*\).*/\1/p' "$log" | tail -1)
  [ -n "$status" ] || die "the $name guest stopped without the command's status (boot failure or timeout: output above)"
  return "$status"
}

case "${1:-}" in
  list)
    for k in "${KERNELS[@]}"; do
      if [ -f "$CACHE/$k/ready" ]; then state="prepared, $(cat "$CACHE/$k/release")"; else state="not prepared"; fi
      printf '%-12s %s (%s)\n' "$k" "$(describe "$k")" "$state"
    done
    ;;
  prepare)
    shift
    [ $# -gt 0 ] || set -- "${KERNELS[@]}"
    for k in "$@"; do prepare "$k"; done
    ;;
  run)
    shift
    [ $# -gt 0 ] || die "run needs a kernel name (${KERNELS[*]})"
    run "$@"
    ;;
  *) die "usage: scripts/kernel-vm.sh list | prepare [NAME...] | run NAME -- COMMAND..." ;;
esac
