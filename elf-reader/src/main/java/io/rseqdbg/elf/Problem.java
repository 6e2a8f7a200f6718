package io.rseqdbg.elf;

/**
 * Something in a file's rseq tables that would make the kernel kill the thread (SIGSEGV) when it
 * meets the descriptor, or that makes the tables contradict themselves.
 *
 * @param address the descriptor's address, or the table entry's for exit points and pointers
 * @param message one line naming the critical section and what is wrong, with the values found
 */
public record Problem(Kind kind, long address, String message) {

    public enum Kind {
        VERSION("version"),
        FLAGS("flags"),
        OVERFLOW("overflow"),
        ABORT_INSIDE("abort-inside"),
        SIGNATURE("signature"),
        START_NOT_EXECUTABLE("start-not-executable"),
        ABORT_NOT_EXECUTABLE("abort-not-executable"),
        EXIT_UNKNOWN("exit-unknown"),
        EXIT_INSIDE("exit-inside"),
        UNRELOCATED("unrelocated"),
        DANGLING_POINTER("dangling-pointer"),
        TABLE_SIZE("table-size");

        private final String id;

        Kind(String id) {
            this.id = id;
        }

        /** The stable name used in {@code check --json}. */
        public String id() {
            return id;
        }
    }
}
