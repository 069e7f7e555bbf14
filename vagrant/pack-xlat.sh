#!/usr/bin/env bash
# Packs xlat for hosts without registry access: `npm pack` of the built checkout, then the same package again
# with its run-time dependencies bundled inside, so `npm install -g --offline TARBALL` needs no network.
# The lab's VMs install this tarball through the Ansible role. (With registry access, the plain `npm pack`
# tarball is enough: `npm install -g xlat-X.Y.Z.tgz` fetches @oclif/core and koffi itself.)
#
#   vagrant/pack-xlat.sh [OUTDIR]      prints the tarball's path on the last line (default OUTDIR vagrant/.pack)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
out=${1:-$REPO/vagrant/.pack}

# Already built (npm run lab:vagrant builds first): packing runs no scripts, so prepack does not build again
# (the second pack, of the staged package, has no scripts/ to build with).
for f in build/bpf/siit.bpf.o build/bpf/nat64.bpf.o dist/commands oclif.manifest.json; do
  [ -e "$f" ] || { echo "Error: $f is missing: run 'npm run build' first" >&2; exit 1; }
done

stage=$(mktemp -d /tmp/xlat-pack.XXXXXX)
trap 'rm -rf "$stage"' EXIT
npm pack --ignore-scripts --silent --pack-destination "$stage" >/dev/null
tgz=$(ls "$stage"/*.tgz)
tar -C "$stage" -xzf "$tgz"
rm -f "$tgz"
# Bundle every run-time dependency (and theirs): npm then installs them from the tarball itself.
(
  cd "$stage/package"
  node -e '
    const fs = require("fs");
    const p = JSON.parse(fs.readFileSync("package.json", "utf8"));
    p.bundleDependencies = Object.keys(p.dependencies ?? {});
    fs.writeFileSync("package.json", JSON.stringify(p, null, 2) + "\n");'
  cp "$REPO/package-lock.json" . 2>/dev/null || true
  npm install --silent --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null
  rm -f package-lock.json
  npm pack --ignore-scripts --silent --pack-destination "$stage" >/dev/null
)
mkdir -p "$out"
name=$(basename "$(ls "$stage"/*.tgz)")
mv "$stage/$name" "$out/$name"
echo "$out/$name"
