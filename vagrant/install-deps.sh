#!/usr/bin/env bash
# Installs, from Debian packages only, what the VM lab needs and is missing: Vagrant with its libvirt provider,
# libvirt and QEMU, Ansible, and the tools vagrant/build-box.sh uses. Prints nothing when all is there.
set -euo pipefail
declare -A need=(
  [vagrant]=vagrant
  [vagrant-libvirt]=vagrant-libvirt
  [libvirt-daemon-system]=libvirt-daemon-system
  [libvirt-clients]=libvirt-clients
  [qemu-system-x86]=qemu-system-x86
  [qemu-utils]=qemu-utils
  [dnsmasq-base]=dnsmasq-base
  [ansible-core]=ansible-core
  [mmdebstrap]=mmdebstrap
  [extlinux]=extlinux
  [fdisk]=fdisk
  [e2fsprogs]=e2fsprogs
  [openssh-client]=openssh-client
)
missing=()
for pkg in "${!need[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Error: missing Debian packages (${missing[*]}) and not root: install them or run as root" >&2
  exit 1
fi
echo "lab:vagrant: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# No recommends: they would pull a desktop's worth of QEMU front ends and firmware.
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
