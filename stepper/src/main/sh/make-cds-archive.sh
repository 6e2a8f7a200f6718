#!/usr/bin/env bash
# make-cds-archive.sh JAR [JAVA...]: writes the application class-data archive that ./rseqdbg and
# the gdb bridge use for table and check (java-options.sh), one per JDK: for java on the PATH (what
# ./rseqdbg runs) and each JAVA given (the build passes Maven's own). Run by the stepper module's
# package phase. Never fails the build: without an archive rseqdbg only starts more slowly.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/java-options.sh"
jar="$(readlink -f -- "$1")" || exit 0
shift
dir="$(dirname -- "$jar")/cds"
mkdir -p "$dir" || exit 0

# Training input: a small ELF file with every kind of table (critical sections to name, exit
# points, a pointer array), when gcc can build it, and the JDK's own libjvm.so (none).
specimen=()
sources="$here/../../../../elf-reader/src/test/resources/specimens"
if gcc -O1 -o "$dir/specimen" "$sources/tables.c" >/dev/null 2>&1; then
  specimen=("$dir/specimen")
fi

javas=()
path_java="$(type -P java)" && javas+=("$path_java")
javas+=("$@")
done_archives=" "
for java in "${javas[@]}"; do
  java="$(readlink -f -- "$java")" && [ -x "$java" ] || continue
  rseqdbg_cds_archive "$jar" "$java"
  archive="$RSEQDBG_CDS_ARCHIVE"
  case "$done_archives" in *" $archive "*) continue ;; esac
  done_archives+="$archive "
  training=("${specimen[@]}")
  [ -f "$RSEQDBG_CDS_JVM" ] && training+=("$RSEQDBG_CDS_JVM")
  # Written under another name and renamed when complete: the JVM crashes on a truncated archive.
  partial="$archive.$$.partial"
  rm -f "$partial"
  if "$java" "${RSEQDBG_SHORT_RUN_OPTIONS[@]}" -XX:ArchiveClassesAtExit="$partial" \
       -cp "$jar" io.rseqdbg.cli.CdsTraining "${training[@]}" >/dev/null 2>&1 && [ -s "$partial" ]; then
    mv -f "$partial" "$archive"
  else
    rm -f "$partial"
    echo "rseqdbg build: no class-data archive for $java (start-up will be slower)" >&2
  fi
done
exit 0
