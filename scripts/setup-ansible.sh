#!/usr/bin/env bash
# Installs, from Debian packages, what the Ansible collection's tests (test/ansible) and the Vagrant lab's cheap
# checks (test/vagrant: `vagrant validate`, playbook syntax) need: ansible-core, ansible-lint, yamllint, and vagrant
# with its libvirt plugin. Only what is missing. (The VM lab itself installs the rest: vagrant/install-deps.sh.)
set -euo pipefail
declare -A need=(
  [ansible-core]=ansible-playbook
  [ansible-lint]=ansible-lint
  [yamllint]=yamllint
  [vagrant]=vagrant
)
missing=()
for pkg in "${!need[@]}"; do
  command -v "${need[$pkg]}" >/dev/null 2>&1 || missing+=("$pkg")
done
dpkg-query -W -f='${Status}' vagrant-libvirt 2>/dev/null | grep -q 'install ok installed' || missing+=(vagrant-libvirt)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "setup-ansible: missing ${missing[*]} and not root: the Ansible and Vagrant checks will skip" >&2
  exit 0
fi
echo "setup-ansible: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
