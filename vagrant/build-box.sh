#!/usr/bin/env bash
# Builds the lab's Debian 12 base box from Debian packages alone and adds it to Vagrant (libvirt provider).
# Vagrant Cloud is not needed: mmdebstrap makes the root file system, extlinux makes the disk bootable, and the
# result is packaged the way vagrant-libvirt expects (metadata.json, Vagrantfile, box.img in qcow2).
#
#   vagrant/build-box.sh [--name NAME] [--out DIR] [--node host|none] [--kernel backports|stock] [--force]
#
#   --name NAME   box name for `vagrant box add` (default xlat/debian12)
#   --out DIR     where the .box file is written (default vagrant/.box)
#   --node host   copy this machine's Node.js (node + npm, must be >= 20) into the box (default);
#                 Debian 12's own nodejs is 18.19. A real operator installs Node.js 20 from NodeSource's apt
#                 repository instead: the role's `xlat_nodejs_source: nodesource` does that.
#   --node none   no Node.js in the box (the role then has to bring it)
#   --kernel backports  linux-image-amd64 from bookworm-backports (6.12; default): Debian 12's own 6.1 kernel
#                 rejects xlat's NAT64 tc program in the verifier (seen in this lab), SIIT loads on both
#   --kernel stock      Debian 12's own kernel (6.1), to reproduce that
#   --force       rebuild and re-add even if the box is already known to Vagrant
#
# What is in the box: linux-image-amd64 booted by extlinux (console on ttyS0, classic eth0 names),
# systemd with systemd-networkd (DHCP on eth0, the Vagrant management network), openssh-server, sudo, a `vagrant`
# user with Vagrant's well-known insecure key (Vagrant replaces it on first boot), python3 and python3-apt for
# Ansible, and xlat's run-time packages (libbpf1, iproute2) plus tools for the lab's checks (iputils-ping, socat,
# tcpdump), so that nothing has to be downloaded inside the VMs.
set -euo pipefail
cd "$(dirname "$0")"
HERE=$(pwd)

name=xlat/debian12
out=$HERE/.box
node=host
kernel=backports
force=0
while [ $# -gt 0 ]; do
  case "$1" in
    --name) shift; name=${1:?--name needs a value} ;;
    --out) shift; out=${1:?--out needs a value} ;;
    --node) shift; node=${1:?--node needs host or none} ;;
    --kernel) shift; kernel=${1:?--kernel needs backports or stock} ;;
    --force) force=1 ;;
    -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "Error: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done
case "$node" in host|none) ;; *) echo "Error: --node must be host or none" >&2; exit 2 ;; esac
case "$kernel" in backports|stock) ;; *) echo "Error: --kernel must be backports or stock" >&2; exit 2 ;; esac
[ "$(id -u)" -eq 0 ] || { echo "Error: building the box needs root (loop devices, mount, chroot): run it with sudo" >&2; exit 1; }

if [ $force -eq 0 ] && vagrant box list 2>/dev/null | grep -q "^$name "; then
  echo "build-box: $name is already added (vagrant box list); --force rebuilds it"
  exit 0
fi

for tool in mmdebstrap extlinux sfdisk mkfs.ext4 qemu-img losetup vagrant; do
  command -v "$tool" >/dev/null 2>&1 || { echo "Error: $tool is missing (run vagrant/install-deps.sh)" >&2; exit 1; }
done
MBR=/usr/lib/EXTLINUX/mbr.bin
[ -f "$MBR" ] || { echo "Error: $MBR is missing (Debian package extlinux)" >&2; exit 1; }
VAGRANT_PUB=$(find /usr/share/rubygems-integration /usr/lib/ruby /opt/vagrant -path '*vagrant-*/keys/vagrant.pub' 2>/dev/null | head -n 1 || true)
[ -n "$VAGRANT_PUB" ] || { echo "Error: Vagrant's insecure public key (keys/vagrant.pub) was not found" >&2; exit 1; }

if [ "$node" = host ]; then
  NODE_BIN=$(command -v node || true)
  NPM_DIR=$(dirname "$(dirname "$(readlink -f "$(command -v npm || echo /nonexistent)")")")
  [ -n "$NODE_BIN" ] && [ -f "$NPM_DIR/package.json" ] || { echo "Error: --node host needs node and npm on this machine" >&2; exit 1; }
  major=$("$NODE_BIN" -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 20 ] || { echo "Error: this machine's Node.js is $("$NODE_BIN" --version); xlat needs >= 20" >&2; exit 1; }
fi

# The machine's own Debian mirrors (deb822 or one-line sources), so the build uses what apt here uses.
mirrors() {
  local uris
  uris=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null; awk '$1=="deb"{print $2}' /etc/apt/sources.list 2>/dev/null || true)
  local main sec
  main=$(echo "$uris" | grep -v security | grep -m1 '/debian/\?$' || echo http://deb.debian.org/debian)
  sec=$(echo "$uris" | grep -m1 'debian-security' || echo http://deb.debian.org/debian-security)
  echo "deb $main bookworm main"
  echo "deb $main bookworm-updates main"
  echo "deb $sec bookworm-security main"
  [ "$kernel" = stock ] || echo "deb $main bookworm-backports main"
}

work=$(mktemp -d /var/tmp/xlat-box.XXXXXX)
loop=""
cleanup() {
  set +e
  mountpoint -q "$work/mnt" && umount "$work/mnt"
  [ -n "$loop" ] && losetup -d "$loop"
  rm -rf "$work"
}
trap cleanup EXIT

start=$SECONDS
kernel_pkg=linux-image-amd64
[ "$kernel" = stock ] || kernel_pkg=linux-image-amd64/bookworm-backports
packages=(
  "$kernel_pkg" initramfs-tools systemd systemd-sysv udev dbus
  openssh-server sudo python3 python3-apt ca-certificates netbase
  iproute2 libbpf1 iputils-ping socat tcpdump procps less
)
echo "build-box: mmdebstrap bookworm (${#packages[@]} packages, $kernel kernel) -> root file system"
mapfile -t sources < <(mirrors)
# Into a plain directory: every change below is made there, and the file system is made from it at the end
# (mkfs.ext4 -d), so nothing stays mounted on a loop device while the box is put together.
R=$work/rootfs
mmdebstrap --quiet --variant=minbase --include="$(IFS=,; echo "${packages[*]}")" \
  --customize-hook='echo xlat-box > "$1/etc/hostname"' \
  bookworm "$R" "${sources[@]}"
kver=$(basename "$(ls -d "$R"/lib/modules/* | sort -V | tail -n 1)")
[ -f "$R/boot/vmlinuz-$kver" ] && [ -f "$R/boot/initrd.img-$kver" ] || { echo "Error: no kernel/initrd for $kver in the root" >&2; exit 1; }
mkdir -p "$R/boot/extlinux"
cat >"$R/boot/extlinux/extlinux.conf" <<EOF
DEFAULT debian
TIMEOUT 1
LABEL debian
  LINUX /boot/vmlinuz-$kver
  INITRD /boot/initrd.img-$kver
  APPEND root=LABEL=root ro quiet console=tty0 console=ttyS0,115200 net.ifnames=0 biosdevname=0
EOF

echo 'LABEL=root / ext4 errors=remount-ro 0 1' >"$R/etc/fstab"
printf '127.0.0.1 localhost\n127.0.1.1 xlat-box\n::1 localhost ip6-localhost ip6-loopback\n' >"$R/etc/hosts"

# The first NIC is Vagrant's management network (DHCP). Other NICs are left to the playbook.
cat >"$R/etc/systemd/network/10-eth0.network" <<'EOF'
[Match]
Name=eth0

[Network]
DHCP=ipv4
IPv6AcceptRA=no
EOF
chroot "$R" systemctl enable --quiet systemd-networkd.service systemd-networkd-wait-online.service ssh.service
# A server's boot: no graphical target, no periodic jobs competing with the lab (they cost much under emulation).
chroot "$R" systemctl set-default --quiet multi-user.target
for unit in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer; do
  [ -e "$R/lib/systemd/system/$unit" ] && chroot "$R" systemctl mask --quiet "$unit"
done
# Wait only for the management NIC at boot, not for the lab NICs the playbook configures later.
mkdir -p "$R/etc/systemd/system/systemd-networkd-wait-online.service.d"
printf '[Service]\nExecStart=\nExecStart=/lib/systemd/systemd-networkd-wait-online --interface=eth0 --timeout=60\n' \
  >"$R/etc/systemd/system/systemd-networkd-wait-online.service.d/eth0.conf"

# The vagrant user: passwordless sudo and Vagrant's insecure key (replaced by `vagrant up` on first boot).
chroot "$R" useradd --create-home --shell /bin/bash --user-group vagrant
echo 'vagrant:vagrant' | chroot "$R" chpasswd
echo 'vagrant ALL=(ALL) NOPASSWD: ALL' >"$R/etc/sudoers.d/vagrant"
chmod 0440 "$R/etc/sudoers.d/vagrant"
install -d -m 0700 -o 1000 -g 1000 "$R/home/vagrant/.ssh"
install -m 0600 -o 1000 -g 1000 "$VAGRANT_PUB" "$R/home/vagrant/.ssh/authorized_keys"
[ "$(chroot "$R" id -u vagrant)" = 1000 ] || { echo "Error: vagrant's uid is not 1000" >&2; exit 1; }
printf 'UseDNS no\n' >"$R/etc/ssh/sshd_config.d/vagrant.conf"
# Every VM made from the box must get its own host keys and machine id.
rm -f "$R"/etc/ssh/ssh_host_*
mkdir -p "$R/etc/systemd/system/ssh.service.d"
printf '[Service]\nExecStartPre=\nExecStartPre=/usr/bin/ssh-keygen -A\nExecStartPre=/usr/sbin/sshd -t\n' \
  >"$R/etc/systemd/system/ssh.service.d/hostkeys.conf"
: >"$R/etc/machine-id"
rm -f "$R/var/lib/dbus/machine-id"

if [ "$node" = host ]; then
  echo "build-box: Node.js $("$NODE_BIN" --version) and npm $(npm --version) from this machine -> /usr/local"
  install -m 0755 "$NODE_BIN" "$R/usr/local/bin/node"
  mkdir -p "$R/usr/local/lib/node_modules"
  cp -a "$NPM_DIR" "$R/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$R/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$R/usr/local/bin/npx"
  chroot "$R" /usr/local/bin/node --version >/dev/null
fi

chroot "$R" apt-get clean
rm -rf "$R"/var/lib/apt/lists/* "$R"/tmp/* "$R"/var/log/*.log

echo "build-box: disk image (8 GiB sparse, one ext4 partition made from the root, extlinux)"
img=$work/disk.raw
truncate -s 8G "$img"
printf 'label: dos\nstart=2048, type=83, bootable\n' | sfdisk --quiet "$img"
# No udev here to create partition nodes: map the partition itself through an offset loop device.
loop=$(losetup --find --show --offset $((2048 * 512)) "$img")
# syslinux 6.04 reads ext4 without the 64bit and metadata_csum_seed features.
mkfs.ext4 -q -L root -O ^64bit,^metadata_csum_seed -d "$R" "$loop"
mkdir -p "$work/mnt"
mount "$loop" "$work/mnt"
extlinux --install "$work/mnt/boot/extlinux" >/dev/null
umount "$work/mnt"
# What the VMs depend on must be in the image itself.
for f in /etc/sudoers.d/vagrant /home/vagrant/.ssh/authorized_keys /etc/systemd/network/10-eth0.network \
         /etc/systemd/system/ssh.service.d/hostkeys.conf /boot/extlinux/ldlinux.sys /usr/local/bin/node; do
  [ "$node" = none ] && [ "$f" = /usr/local/bin/node ] && continue
  debugfs -R "stat $f" "$loop" 2>/dev/null | grep -q '^Inode:' || { echo "Error: $f is missing from the image" >&2; exit 1; }
done
losetup -d "$loop"; loop=""
rm -rf "$R"
dd if="$MBR" of="$img" bs=440 count=1 conv=notrunc status=none

echo "build-box: qcow2 and box metadata"
mkdir -p "$work/box"
qemu-img convert -c -O qcow2 "$img" "$work/box/box.img"
rm -f "$img"
cat >"$work/box/metadata.json" <<'EOF'
{"provider": "libvirt", "format": "qcow2", "virtual_size": 8}
EOF
cat >"$work/box/Vagrantfile" <<'EOF'
# Defaults of the xlat lab's Debian 12 box (built by vagrant/build-box.sh).
Vagrant.configure("2") do |config|
  config.vm.synced_folder ".", "/vagrant", disabled: true
  config.vm.provider :libvirt do |libvirt|
    libvirt.disk_bus = "virtio"
    libvirt.nic_model_type = "virtio"
  end
end
EOF
mkdir -p "$out"
box=$out/debian12-xlat.box
tar -C "$work/box" -czf "$box" metadata.json Vagrantfile box.img
vagrant box add --force --name "$name" "$box" >/dev/null
# vagrant-libvirt keeps each box's image as a base volume in the storage pool and reuses it by name: drop those of
# the previous build (unless a VM still uses them) so that new VMs start from this one.
if virsh -q -c qemu:///system version >/dev/null 2>&1; then
  for vol in $(virsh -q vol-list default 2>/dev/null | awk '{print $1}' | grep "^${name//\//-VAGRANTSLASH-}_vagrant_box_image" || true); do
    virsh -q vol-delete "$vol" --pool default >/dev/null 2>&1 && echo "build-box: removed the previous base volume $vol"
  done
fi
echo "build-box: added $name ($(du -h "$box" | cut -f1), kernel $kver) in $((SECONDS - start)) s"
