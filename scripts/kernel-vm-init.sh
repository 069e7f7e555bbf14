#!/bin/busybox sh
# /init of scripts/kernel-vm.sh's guests: load the modules, put a tmpfs over the host's file system (9p, read-only),
# run the command from the kernel command line in the checkout, print its status, power off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules); do insmod "/mod/$m" || echo "kernel-vm: insmod $m failed"; done

arg() { tr ' ' '\n' </proc/cmdline | sed -n "s/^$1=//p" | base64 -d; }
dir=$(arg xlat.dir)
cmd=$(arg xlat.cmd)

mkdir -p /host /rw /newroot
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=524288,cache=loose hostroot /host || {
  echo "XLAT-GUEST-STATUS=125 (cannot mount the host's file system)"
  poweroff -f
}
mount -t tmpfs -o size=1g tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work /newroot || {
  echo "XLAT-GUEST-STATUS=125 (cannot mount the overlay)"
  poweroff -f
}
for d in proc sys dev; do mount --move "/$d" "/newroot/$d"; done

# The rest runs in the host's root with the host's tools (bash, ip, node).
cat >/newroot/run/kernel-vm-guest <<EOF
#!/bin/bash
mount -t tmpfs tmpfs /run -o mode=0755
mount -t tmpfs tmpfs /tmp -o mode=1777
mount -t bpf bpf /sys/fs/bpf
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
ip link set lo up
export HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
echo "kernel-vm: \$(uname -r) running: \$XLAT_CMD"
cd "\$XLAT_DIR" && bash -c "\$XLAT_CMD"
echo "XLAT-GUEST-STATUS=\$?"
echo o >/proc/sysrq-trigger
sleep 10
EOF
chmod +x /newroot/run/kernel-vm-guest
export XLAT_DIR="$dir" XLAT_CMD="$cmd"
exec switch_root /newroot /run/kernel-vm-guest
