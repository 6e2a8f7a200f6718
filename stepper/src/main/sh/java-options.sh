# Sourced by ./rseqdbg and make-cds-archive.sh (bash): how rseqdbg runs java for its short commands
# (table, check, --help, --version), which take about as long as the JVM's own start-up. The gdb
# bridge builds the same command line (gdb-bridge/src/main/python/rseqdbg_gdb/tables.py). No
# function here starts a process: each fork costs milliseconds of a run this short.

# A short run: one-level JIT (C2 never pays off in a fraction of a second), the serial collector
# (no GC threads to start), no hsperfdata file; -Xshare:auto and silent cds logging so that a
# missing, stale or foreign class-data archive only means the JVM loads the classes itself.
# The archive was dumped with these options: its garbage collector must be the one used here.
RSEQDBG_SHORT_RUN_OPTIONS=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData
  -Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off)

# rseqdbg_cds_archive JAR JAVA: sets RSEQDBG_CDS_ARCHIVE to the class-data archive of JAR made by
# the JDK whose java executable is JAVA (both real paths, symlinks resolved): beside the jar, named
# after that JDK's home, so that another JDK never meets an archive it cannot use; and
# RSEQDBG_CDS_JVM to that JDK's libjvm.so.
rseqdbg_cds_archive() {
  local jdk="${2%/bin/java}"
  RSEQDBG_CDS_ARCHIVE="${1%/*}/cds/rseqdbg${jdk//[^A-Za-z0-9._-]/_}.jsa"
  RSEQDBG_CDS_JVM="$jdk/lib/server/libjvm.so"
}

# rseqdbg_usable_archive JAR JAVA (real paths): true if the archive exists and is newer than the
# jar and than the JDK's libjvm.so (a jar rebuilt without it, or a JDK upgraded in place, leaves a
# stale archive: the JVM would refuse it silently, skipping it saves that check). Sets
# RSEQDBG_CDS_ARCHIVE.
rseqdbg_usable_archive() {
  rseqdbg_cds_archive "$1" "$2"
  [ -s "$RSEQDBG_CDS_ARCHIVE" ] && [ "$RSEQDBG_CDS_ARCHIVE" -nt "$1" ] \
    && { [ ! -e "$RSEQDBG_CDS_JVM" ] || [ "$RSEQDBG_CDS_ARCHIVE" -nt "$RSEQDBG_CDS_JVM" ]; }
}
