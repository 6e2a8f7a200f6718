#!/usr/bin/env bash
# Makes sure every toolchain the build and the tests use can really compile and link, and
# installs the Debian packages that make a failing one work (as root), or names them (otherwise).
#
# A command being on PATH proves little: gcc-aarch64-linux-gnu installs a compiler whose C
# library (libc6-dev-arm64-cross) is only a Recommends, so `command -v` passes and the first
# #include <asm/...> fails. Each probe below builds what the build builds, on a tiny program.
# gcc-multilib itself conflicts with the cross compiler in Debian, so its parts are installed
# instead, and the Makefile (and this probe) supply the asm/ include link for -m32.
#
# RSEQDBG_NO_INSTALL=1: only name the missing packages, even as root.
set -euo pipefail

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/include-i386"
ln -s /usr/include/x86_64-linux-gnu/asm "$work/include-i386/asm"

cat >"$work/probe.c" <<'EOF'
#include <asm/errno.h>
#include <linux/rseq.h>
#include <pthread.h>
#include <stdio.h>
static void *run(void *arg) { return arg; }
int main(void) {
    pthread_t t;
    pthread_create(&t, 0, run, 0);
    pthread_join(t, 0);
    printf("%d\n", EINVAL + (int)sizeof(struct rseq));
    return 0;
}
EOF
cat >"$work/probe.s" <<'EOF'
    .globl _start
_start:
    .long 0
EOF

# NAME|PACKAGES|COMMAND: the probe passes when COMMAND succeeds in $work.
probes=(
  "x86-64 C|gcc libc6-dev|gcc -pthread -o x86 probe.c"
  "x86-64 static|libc6-dev|gcc -static -pthread -o x86-static probe.c"
  "i386 (-m32)|gcc-12-multilib libc6-dev-i386|gcc -m32 -I include-i386 -pthread -o i386 probe.c"
  "aarch64 cross|gcc-aarch64-linux-gnu libc6-dev-arm64-cross|aarch64-linux-gnu-gcc -pthread -o a64 probe.c"
  "aarch64 static|libc6-dev-arm64-cross|aarch64-linux-gnu-gcc -static -pthread -o a64-static probe.c"
  "lld|lld|gcc -fuse-ld=lld -Wl,--pack-dyn-relocs=relr -pthread -o lld probe.c"
  "RELR (GNU ld)|binutils|gcc -Wl,-z,pack-relative-relocs -pthread -o relr probe.c"
  "s390x binutils|binutils-s390x-linux-gnu|s390x-linux-gnu-as -o s390x.o probe.s && s390x-linux-gnu-ld -o s390x s390x.o"
  "powerpc binutils|binutils-powerpc-linux-gnu|powerpc-linux-gnu-as -o ppc.o probe.s && powerpc-linux-gnu-ld -o ppc ppc.o"
  "gdb|gdb|gdb -nx -batch -ex 'python print(1)'"
  "readelf|binutils|readelf -h x86"
  "strace (AttachRefusedTest's other tracer)|strace|strace -f -o /dev/null ./x86"
)

probe_one() {
  (cd "$work" && eval "$1") >"$work/log" 2>&1
}

# Prints the packages of every failing probe, one per line, and the probes' names on stderr.
failing_packages() {
  local entry name packages cmd
  for entry in "${probes[@]}"; do
    IFS='|' read -r name packages cmd <<<"$entry"
    if ! probe_one "$cmd"; then
      echo "rseqdbg build: toolchain probe '$name' failed: $(tail -n 1 "$work/log")" >&2
      printf '%s\n' $packages
    fi
  done
}

mapfile -t need < <(failing_packages | sort -u)
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ] || [ -n "${RSEQDBG_NO_INSTALL:-}" ]; then
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

mapfile -t still < <(failing_packages | sort -u)
if [ ${#still[@]} -ne 0 ]; then
  echo "rseqdbg build: toolchains still fail after installing; check the packages: ${still[*]}" >&2
  exit 1
fi
