#!/usr/bin/env bash
# CI's proof that the README works on a new machine (called by .ci/run, as root).
#
# A new machine of this project's kind is a minimal Debian 12 with Node.js 20 and npm, git, python3 and iproute2.
# This script builds exactly that with mmdebstrap (--variant=minbase, from this machine's own apt sources), copies in
# this machine's Node.js and npm, its CA bundle, /etc/npmrc and /etc/resolv.conf, clones the commit under test into
# it, keeps an untouched copy of it as a second root, and, as root in a chroot:
#   root 1:  npm run lab, npm test (the README's two commands), the checkout stays clean, npm pack
#   root 2:  (never sees a compiler) the packed tarball installed with npm install -g, koffi's prebuilt binary,
#            xlat without libbpf.so.1 (one line), a lab run through the installed xlat
# Nothing is cached between runs. The roots and everything mounted in them are removed at the end, also on failure.
#
#   scripts/ci-fresh-root.sh            run it all
#   scripts/ci-fresh-root.sh --keep     leave the roots in place afterwards (for a look inside; unmounted)
#
# The chroot's mounts live in a private mount namespace (unshare), one per step: they never show in this machine's
# mount table and vanish with the step. `ip netns exec` needs the chroot's / to be a mount point (it remounts it
# rslave), so the root is bind-mounted onto itself; /proc, /sys (rbind), /dev (rbind) and a fresh tmpfs /run
# (where `ip netns add` keeps its namespaces) are mounted in it.
set -euo pipefail

SUITE=bookworm
NODE_BIN=/usr/bin/node
NPM_DIR=/usr/lib/node_modules/npm
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
CHROOT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
CLONE=/opt/xlat

log() { printf 'ci: %s\n' "$*"; }
elapsed() { local s=$((SECONDS - $1)); printf '%d min %02d s' $((s / 60)) $((s % 60)); }

# in_root ROOT COMMAND: one step inside a root; run in a private mount namespace (see the header).
in_root() {
  local root=$1 cmd=$2 v env_args
  mount --bind "$root" "$root"
  mount -t proc proc "$root/proc"
  mount --rbind /sys "$root/sys"
  mount --rbind /dev "$root/dev"
  mount -t tmpfs -o mode=0755 tmpfs "$root/run"
  env_args=(HOME=/root USER=root LOGNAME=root PATH="$CHROOT_PATH" LANG=C.UTF-8 TERM="${TERM:-dumb}")
  if [ -f "$root$CA_BUNDLE" ]; then env_args+=(NODE_EXTRA_CA_CERTS="$CA_BUNDLE"); fi
  for v in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
    if [ -n "${!v:-}" ]; then env_args+=("$v=${!v}"); fi
  done
  exec chroot "$root" /usr/bin/env -i "${env_args[@]}" /bin/bash -c "$cmd"
}

# The apt source files this machine uses (one-line .list and deb822 .sources), and the Acquire:: settings that
# make them work here (a mirror's validity window, a proxy): a new machine here has both.
apt_sources() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    if [ -s "$f" ] && grep -Eq '^[[:space:]]*(deb|Types:)' "$f"; then echo "$f"; fi
  done
}
apt_options() {
  apt-config dump | grep -E '^Acquire::(Check-Valid-Until|Check-Date|Max-ValidTime|Retries|https?::Proxy|https?::proxy|ftp::Proxy) ' || true
}

# make_root DIR: a minimal Debian 12 as a new machine of this kind has it, with the commit under test cloned.
make_root() {
  local root=$1 t=$SECONDS src opts=() line
  mapfile -t src < <(apt_sources)
  [ ${#src[@]} -gt 0 ] || { echo "Error: no apt sources in /etc/apt (sources.list, sources.list.d/*.list|*.sources)" >&2; return 1; }
  while IFS= read -r line; do opts+=(--aptopt="$line"); done < <(apt_options)
  ROOTS+=("$root")
  log "mmdebstrap --variant=minbase $SUITE $root (sources: ${src[*]})"
  mmdebstrap --quiet --variant=minbase --include=ca-certificates,git,python3,iproute2 "${opts[@]}" \
    "$SUITE" "$root" "${src[@]}"
  # Node.js 20 and npm as this machine has them (Debian 12's own nodejs is 18)
  install -D -m 0755 "$NODE_BIN" "$root/usr/bin/node"
  mkdir -p "$root/usr/lib/node_modules"
  cp -a "$NPM_DIR" "$root/usr/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/bin/npx"
  # this machine's view of the network: CA bundle (npm's registry may sit behind a TLS proxy), npmrc, resolver
  if [ -f "$CA_BUNDLE" ]; then install -D -m 0644 "$CA_BUNDLE" "$root$CA_BUNDLE"; fi
  if [ -f /etc/npmrc ]; then install -m 0644 /etc/npmrc "$root/etc/npmrc"; fi
  rm -f "$root/etc/resolv.conf"
  cat /etc/resolv.conf > "$root/etc/resolv.conf"
  # the commit under test, as `git clone` gives it
  git clone --quiet --no-checkout "$GIT_DIR" "$root$CLONE"
  git -C "$root$CLONE" checkout --quiet --detach "$COMMIT"
  log "root ready in $(elapsed "$t"): $(du -sm "$root" | cut -f1) MB, node $(chroot "$root" node --version), npm $(chroot "$root" /usr/bin/node /usr/lib/node_modules/npm/bin/npm-cli.js --version), commit ${COMMIT:0:12} in $CLONE"
}

# step ROOT NAME TIMEOUT COMMAND: runs COMMAND (bash, in the clone) inside ROOT; prints its transcript (also kept in
# $LAST_LOG) and a verdict line.
step() {
  local root=$1 name=$2 limit=$3 cmd=$4 t=$SECONDS rc=0 tag
  tag=$(basename "$root")
  LAST_LOG="$WORK/$tag-$(printf '%s' "$name" | tr -c 'a-zA-Z0-9' '-' | cut -c1-40).log"
  log "[$tag] \$ $name"
  timeout --kill-after=10 "$limit" unshare --mount --propagation private bash "$SELF" --in-root "$root" "cd $CLONE && $cmd" \
    2>&1 | tee "$LAST_LOG" || rc=${PIPESTATUS[0]}
  if [ "$rc" -eq 0 ]; then
    log "[$tag] $name: passed in $(elapsed "$t")"
  else
    log "[$tag] $name: FAILED (exit $rc) after $(elapsed "$t")"
  fi
  return "$rc"
}

# no_npm_warnings WHAT: the last step's transcript has no "npm warn" line (nothing a user would have to act on).
no_npm_warnings() {
  if grep -n '^npm warn' "$LAST_LOG"; then
    log "FAILED: $1 printed npm warnings (above)"
    return 1
  fi
  log "$1: no npm warnings"
}

cleanup() {
  local rc=$? root pid link
  set +e
  for root in "${ROOTS[@]}"; do
    # whatever a step left running inside (its mount namespace lives as long as they do)
    for pid in $(ls /proc | grep -E '^[0-9]+$'); do
      link=$(readlink "/proc/$pid/root" 2>/dev/null) || continue
      case "$link" in "$root"|"$root"/*) kill -9 "$pid" 2>/dev/null ;; esac
    done
  done
  sleep 0.5
  if [ "$KEEP" -eq 1 ]; then
    log "kept $WORK"
  elif grep -q " $WORK" /proc/self/mountinfo; then
    # never delete through a mount: that would reach this machine's /dev or /sys
    log "Error: something is still mounted under $WORK; not deleting it" >&2
    rc=1
  else
    rm -rf --one-file-system "$WORK"
  fi
  log "total $(elapsed "$START") (exit $rc)"
  exit $rc
}

# What root 2 runs that needs more than one line.
read -r -d '' KOFFI_CHECK <<'EOS' || true
cd "$(npm root -g)/xlat"
node --input-type=module -e '
  const seen = [];
  const dlopen = process.dlopen;
  process.dlopen = function (m, f, ...r) { seen.push(f); return dlopen.call(this, m, f, ...r); };
  await import("koffi");
  console.log(seen.join(" "));
  if (seen.length !== 1 || !/\/node_modules\/@koromix\/koffi-[^/]+\/[^/]+\/koffi\.node$/.test(seen[0])) process.exit(1);'
EOS
# libbpf1 comes with iproute2 on Debian; elsewhere it may be missing: the CLI then says so in one line
read -r -d '' NO_LIBBPF <<'EOS' || true
lib=$(ldconfig -p | awk '/libbpf\.so\.1 /{print $NF; exit}')
real=$(readlink -f "$lib")
mkdir -p /root/hidden && mv "$lib" "$real" /root/hidden/ && ldconfig
out=$(xlat siit instance status 2>&1); rc=$?
mv /root/hidden/* "$(dirname "$real")"/ && ldconfig
echo "$out"
echo "(exit $rc)"
[ $rc -eq 1 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] && printf '%s\n' "$out" | grep -q '^Error: libbpf.so.1 is missing .*apt install libbpf1'
EOS

main() {
  KEEP=0
  case "${1:-}" in
    --keep) KEEP=1 ;;
    "") ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; return 0 ;;
    *) echo "Error: unknown option '$1' (try --help)" >&2; return 2 ;;
  esac
  START=$SECONDS
  REPO=$(cd "$(dirname "$0")/.." && pwd)
  [ "$(id -u)" -eq 0 ] || { echo "Error: the fresh-root CI builds a Debian root and chroots into it: run it as root" >&2; return 1; }
  local f
  for f in "$NODE_BIN" "$NPM_DIR/bin/npm-cli.js"; do
    [ -e "$f" ] || { echo "Error: $f is missing: this machine's Node.js 20 and npm are what the fresh root gets" >&2; return 1; }
  done
  if ! command -v mmdebstrap >/dev/null 2>&1; then
    log "installing mmdebstrap"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null 2>&1 \
      || { apt-get update -qq && apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null; }
  fi
  COMMIT=$(git -C "$REPO" rev-parse HEAD)
  GIT_DIR=$(git -C "$REPO" rev-parse --path-format=absolute --git-common-dir)
  if [ -n "$(git -C "$REPO" status --porcelain --untracked-files=no)" ]; then
    log "note: the checkout has uncommitted changes; CI tests the commit $COMMIT, not them"
  fi

  WORK=$(mktemp -d /var/tmp/xlat-ci.XXXXXX)
  ROOTS=()
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  # steps run this copy: an edit of the checkout's script during a run cannot reach them
  SELF="$WORK/ci-fresh-root.sh"
  cp "$0" "$SELF"

  # --- root 1: the README's two commands on a new machine; root 2: an untouched copy, for the package ---------
  local R1="$WORK/root1" R2="$WORK/root2" t
  make_root "$R1"
  t=$SECONDS
  cp -a "$R1" "$R2"
  ROOTS+=("$R2")
  log "root2: a copy of root1 as it is now, untouched ($(elapsed "$t"))"
  # test material the suite reads from ../shared when it sits next to the checkout (test/conformance); absent,
  # those tests skip saying why
  if [ -d "$REPO/../shared/conformance" ]; then
    mkdir -p "$R1/opt/shared" && cp -a "$REPO/../shared/conformance" "$R1/opt/shared/"
    log "root1: copied $(cd "$REPO/../shared" && pwd)/conformance to /opt/shared (next to the clone, as in a checkout)"
  fi

  step "$R1" "npm run lab" 600 "npm run lab"
  no_npm_warnings "npm run lab (setup: apt packages, npm ci)"
  step "$R1" "npm test" 1500 "npm test"
  step "$R1" "git status --porcelain (the build leaves the checkout clean)" 60 \
    'out=$(git status --porcelain); [ -z "$out" ] || { echo "$out"; echo "Error: the build changed tracked files or left untracked ones (commit oclif.manifest.json?)"; exit 1; }; echo clean'
  step "$R1" "npm pack" 300 \
    'npm pack --pack-destination /root >/dev/null && t=$(ls /root/xlat-*.tgz) && echo "$t" && tar tzf "$t" | grep -E "^package/(build/bpf/[a-z0-9]+\.bpf\.o|oclif\.manifest\.json|dist/commands/siit/instance/add\.js|bin/run\.js)$"'
  local tarball
  tarball=$(cd "$R1/root" && ls xlat-*.tgz)
  cp "$R1/root/$tarball" "$R2/root/"
  [ "$KEEP" -eq 1 ] || rm -rf --one-file-system "$R1"

  # --- root 2: the packed tarball on a machine without a compiler ----------------------------------------------
  step "$R2" "no compiler here" 30 \
    'for c in clang llc gcc cc; do if command -v $c; then echo "Error: $c is installed"; exit 1; fi; done; echo "no clang, llc, gcc or cc"'
  step "$R2" "npm install -g --ignore-scripts $tarball" 300 "npm install -g --ignore-scripts --no-audit --no-fund /root/$tarball && xlat --version"
  no_npm_warnings "npm install -g"
  step "$R2" "the installed xlat loads koffi's prebuilt binary" 60 "$KOFFI_CHECK"
  step "$R2" "xlat without libbpf.so.1" 60 "$NO_LIBBPF"
  step "$R2" "apt install iputils-ping (the lab pings; libbpf1 and iproute2 are there)" 300 \
    'export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq --no-install-recommends iputils-ping >/dev/null && dpkg-query -W libbpf1 iproute2 iputils-ping'
  step "$R2" "scripts/lab.sh --xlat xlat (a lab through the installed xlat)" 300 'scripts/lab.sh --xlat xlat'
  log "all steps passed"
}

# Everything above is definitions: bash has read them before anything runs, so editing this file during a run
# does not disturb it.
if [ "${1:-}" = "--in-root" ]; then
  in_root "$2" "$3"
fi
main "$@"
exit $?
