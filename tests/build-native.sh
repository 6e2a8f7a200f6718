#!/usr/bin/env bash
# Builds the C runtime and every native target into OUT, and marks the build complete only when
# all of it succeeded: ./rseqdbg trusts OUT only while the stamp is there.
set -euo pipefail
out="$1"
stamp="$out/.build-complete"
rm -f "$stamp"
make -s -j2 -C "$(dirname "$0")/src/main/c" OUT="$out"
touch "$stamp"
