package io.rseqdbg.stepper;

import java.util.Arrays;
import java.util.List;

/**
 * What a system call returns when replay answers it instead of the kernel: {@code result} in the
 * return register, and the bytes the call wrote through its pointer arguments.
 */
public record SyscallAnswer(long number, long result, List<Output> outputs) {

    public SyscallAnswer {
        outputs = List.copyOf(outputs);
    }

    /** Bytes the call stores through its argument number {@code arg} (0-5). */
    public record Output(int arg, byte[] bytes) {

        public Output {
            if (arg < 0 || arg > 5) {
                throw new IllegalArgumentException("argument " + arg + " of a system call");
            }
            bytes = bytes.clone();
        }

        @Override
        public byte[] bytes() {
            return bytes.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Output other && arg == other.arg && Arrays.equals(bytes, other.bytes);
        }

        @Override
        public int hashCode() {
            return 31 * arg + Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "Output[arg=" + arg + ", " + bytes.length + " bytes]";
        }
    }
}
