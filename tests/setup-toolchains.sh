#!/usr/bin/env bash
# Installs the Debian packages the native targets need, once, on a fresh machine.
# i386 targets need the 32-bit libc and libgcc; aarch64 tables need the cross compiler; the
# lld-linked variants need ld.lld. gcc-multilib itself conflicts with the cross compiler in
# Debian, so its parts are installed instead and the Makefile supplies the asm/ include link.
set -euo pipefail

need=()
command -v aarch64-linux-gnu-gcc >/dev/null || need+=(gcc-aarch64-linux-gnu)
command -v ld.lld >/dev/null || need+=(lld)
dpkg -s gcc-12-multilib >/dev/null 2>&1 || need+=(gcc-12-multilib)
dpkg -s libc6-dev-i386 >/dev/null 2>&1 || need+=(libc6-dev-i386)
command -v gdb >/dev/null || need+=(gdb)
# Big-endian specimens for elf-reader's tests (ELF64 s390x, ELF32 powerpc), assembled and linked only.
command -v s390x-linux-gnu-ld >/dev/null || need+=(binutils-s390x-linux-gnu)
command -v powerpc-linux-gnu-ld >/dev/null || need+=(binutils-powerpc-linux-gnu)
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "rseqdbg build: missing Debian packages: ${need[*]} (run: sudo apt-get install ${need[*]})" >&2
  exit 1
fi
echo "rseqdbg build: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# One at a time: apt refuses some combinations in one transaction on this image.
for pkg in "${need[@]}"; do
  apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null
done
