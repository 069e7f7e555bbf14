#!/usr/bin/env bash
# Compiles every bpf/*.bpf.c into build/bpf/*.bpf.o with BTF, for the running architecture.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build/bpf
arch=$(uname -m)
case "$arch" in
  x86_64) target_arch=x86 ;;
  aarch64) target_arch=arm64 ;;
  *) target_arch=$arch ;;
esac
multiarch=$(gcc -print-multiarch 2>/dev/null || echo "${arch}-linux-gnu")
CLANG=${CLANG:-clang}
for src in bpf/*.bpf.c; do
  obj="build/bpf/$(basename "${src%.c}").o"
  "$CLANG" -g -O2 -target bpf -D__TARGET_ARCH_${target_arch} \
    -I bpf -I "/usr/include/${multiarch}" \
    -Wall -Werror -Wno-unused-function \
    -c "$src" -o "$obj"
  echo "built $obj"
done
