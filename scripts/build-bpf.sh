#!/usr/bin/env bash
# Compiles every bpf/*/*.bpf.c (one object per translator) into build/bpf/*.bpf.o with BTF, for the running architecture.
#
# The programs see only kernel UAPI headers (linux-libc-dev: linux/, asm/, asm-generic/), libbpf's bpf/ headers and
# their own bpf/*.h; never a C library's. Every build checks that with the compiler's dependency list and fails
# naming the header that crept in: glibc headers under -target bpf select 32-bit stubs that a new machine lacks.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build/bpf
arch=$(uname -m)
case "$arch" in
  x86_64) target_arch=x86 ;;
  aarch64) target_arch=arm64 ;;
  *) target_arch=$arch ;;
esac
# asm/ lives in the multiarch directory on Debian; gcc is not needed to find it
case "$arch" in
  x86_64) multiarch=x86_64-linux-gnu ;;
  aarch64) multiarch=aarch64-linux-gnu ;;
  *) multiarch=$(gcc -print-multiarch 2>/dev/null || echo "${arch}-linux-gnu") ;;
esac
CLANG=${CLANG:-clang}
command -v "$CLANG" >/dev/null || { echo "Error: $CLANG not found: run 'npm run setup' (installs clang, llvm, libbpf-dev)" >&2; exit 1; }
resource=$("$CLANG" -print-resource-dir)
allowed="^(bpf/|/usr/include/linux/|/usr/include/asm-generic/|/usr/include/${multiarch}/asm/|/usr/include/bpf/|${resource}/include/)"
for src in bpf/*/*.bpf.c; do
  name=$(basename "${src%.c}")
  obj="build/bpf/$name.o"
  dep="build/bpf/$name.d"
  "$CLANG" -g -O2 -target bpf -D__TARGET_ARCH_${target_arch} \
    -I bpf -idirafter "/usr/include/${multiarch}" \
    -Wall -Werror -Wno-unused-function \
    -MD -MF "$dep" \
    -c "$src" -o "$obj"
  # one path per line, no continuation marks, no target
  stray=$(sed -e 's/^[^:]*://' -e 's/\\$//' "$dep" | tr ' ' '\n' | sed '/^$/d' | grep -Ev "$allowed" || true)
  if [ -n "$stray" ]; then
    rm -f "$obj"
    echo "Error: $src includes headers outside the kernel UAPI and libbpf: $(echo $stray)" >&2
    exit 1
  fi
  echo "built $obj"
done
