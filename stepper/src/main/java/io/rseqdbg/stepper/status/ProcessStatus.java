package io.rseqdbg.stepper.status;

import io.rseqdbg.elf.Problem;
import java.util.List;

/**
 * What {@code rseqdbg status} saw of a live process: its threads' rseq areas and where they are,
 * what the kernel does to a stop inside a critical section, and the modules' tables and problems.
 *
 * @param pid             the process
 * @param command         its name (comm)
 * @param executable      /proc/PID/exe, or null when unreadable
 * @param kernel          the kernel release (uname -r)
 * @param tracedBy        the process already tracing it, or null
 * @param attached        true when read under ptrace (attach, read, detach); false: /proc only
 * @param stoppedMillis   how long its threads were stopped by the read (0 when not attached)
 * @param featureSize     the kernel's AT_RSEQ_FEATURE_SIZE from /proc/PID/auxv, 0 when absent
 * @param glibc           glibc's own registration ({@code __rseq_offset}, {@code __rseq_size}), or null
 * @param threads         one per thread, ascending by tid
 * @param modules         mapped ELF files with rseq tables
 * @param modulesWithout  how many mapped ELF files have no rseq tables
 * @param unreadable      mapped files that look like ELF but could not be read
 * @param unseen          what could not be seen, one phrase each (empty when everything was)
 */
public record ProcessStatus(int pid, String command, String executable, String kernel, TracedBy tracedBy,
                            boolean attached, double stoppedMillis, int featureSize, Glibc glibc,
                            List<ThreadStatus> threads, List<ModuleStatus> modules, int modulesWithout,
                            List<Unreadable> unreadable, List<String> unseen) {

    /** The tracer of a traced process: TracerPid is its tracing thread, {@code pid} its process. */
    public record TracedBy(int pid, int tid, String command) {
    }

    /**
     * glibc's registration: {@code __rseq_offset} from the thread pointer, {@code __rseq_size}
     * (0: glibc registered nothing, e.g. {@code GLIBC_TUNABLES=glibc.pthread.rseq=0}).
     */
    public record Glibc(String module, long offset, long size) {
        public boolean registers() {
            return size > 0;
        }
    }

    /**
     * One thread.
     *
     * @param affinity Cpus_allowed_list, e.g. "0-3"
     * @param lastCpu  the CPU it last ran on (/proc stat field 39), -1 when unknown
     * @param pc       its pc, or null when not seen (a running thread read through /proc)
     * @param pcName   {@code symbol+offset} of the pc, or null
     * @param area     its rseq area, or null when it has none or it was not seen ({@link #areaSeen})
     * @param areaSeen false when the area could not be seen (/proc only)
     * @param inside   the critical section it is inside right now, or null
     * @param atAbortOf the critical section whose abort handler the pc is at (just aborted: a stop
     *                  inside aborts it, the attach's own included), or null
     */
    public record ThreadStatus(int tid, String name, char state, String affinity, int lastCpu, Long pc,
                               String pcName, Area area, boolean areaSeen, Inside inside, String atAbortOf) {
    }

    /**
     * A thread's {@code struct rseq}: registration (PTRACE_GET_RSEQ_CONFIGURATION) and contents.
     *
     * @param flags       the area's own flags field (the kernel refuses any bit set)
     * @param nodeId      node_id (offset 20) when the kernel and the area size provide it, else null
     * @param mmCid       mm_cid (offset 24) likewise
     * @param rseqCsName  {@code symbol+offset} of the live descriptor's start_ip, or null
     */
    public record Area(long address, int size, int signature, int registrationFlags, int cpuIdStart, int cpuId,
                       long rseqCs, String rseqCsName, int flags, Integer nodeId, Integer mmCid, Owner owner,
                       KernelMode kernel) {
    }

    /**
     * Who registered an area.
     *
     * @param kind  {@code glibc} (glibc's area in the thread's TLS), {@code runtime} (the bundled
     *              rseqdbg runtime's own), {@code library} (a variable of a mapped file), {@code unknown}
     * @param where where it lies, in words: "thread pointer + __rseq_offset (-160)", "own_area in counter"
     */
    public record Owner(String kind, String where) {
    }

    /**
     * What the kernel does to a stop of this thread inside a critical section.
     *
     * @param mode        {@code every-stop} (any ptrace stop, signal, preemption or migration aborts
     *                    it on resume), {@code not-single-step} (reworked kernels with an extended
     *                    area: a single-step trap may not abort; signals, preemption and migration
     *                    do) or {@code kill} (flags set in the area: SIGSEGV at the next section)
     * @param explanation the same in words
     */
    public record KernelMode(String mode, String explanation) {
    }

    /**
     * The critical section a thread is inside.
     *
     * @param how {@code table} (the pc is in a table's section) or {@code rseq_cs} (the live
     *            descriptor's range holds the pc: code without a table)
     */
    public record Inside(String name, long start, long postCommit, long abort, String how) {
    }

    /** A mapped ELF file with rseq tables, its critical sections and what {@code check} finds. */
    public record ModuleStatus(String file, long bias, String architecture, int criticalSections,
                               List<Problem> problems) {
    }

    public record Unreadable(String file, String problem) {
    }
}
