package io.rseqdbg.stepper.replay;

import io.rseqdbg.stepper.SyscallAnswer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * The x86-64 system calls whose result is not a function of the program's input, and what replay
 * does with each. The clock, random bytes, the CPU number and the system's counters are recorded
 * with the bytes the call stored, and replay answers the call itself with them (the kernel never
 * runs it). Process and thread ids come back live: the kernel also writes tids into the program's
 * memory (CLONE_CHILD_SETTID, robust futex lists) and takes ids as arguments (kill, tgkill), so a
 * program shown only recorded ids would signal strangers; replay checks instead that the live ids
 * stand one for one for the recorded ones.
 */
final class AnsweredCalls {

    /** Where an answered call stores its output: argument {@code arg}, {@code length} bytes (-1: the result). */
    private record Store(int arg, int length) {
    }

    private static final Map<Long, List<Store>> ANSWERED = Map.of(
            96L, List.of(new Store(0, 16), new Store(1, 8)),   // gettimeofday(tv, tz)
            99L, List.of(new Store(0, 112)),                    // sysinfo(info): uptime, loads, free memory
            100L, List.of(new Store(0, 32)),                    // times(buf)
            201L, List.of(new Store(0, 8)),                     // time(t)
            228L, List.of(new Store(1, 16)),                    // clock_gettime(clock, tp)
            309L, List.of(new Store(0, 4), new Store(1, 4)),    // getcpu(cpu, node, cache)
            318L, List.of(new Store(0, -1)));                   // getrandom(buf, length, flags)

    /** getpid, fork, vfork, clone, wait4, getppid, getpgrp, setsid, getpgid, getsid, gettid, set_tid_address, clone3. */
    private static final Set<Long> RETURN_IDS = Set.of(39L, 57L, 58L, 56L, 61L, 110L, 111L, 112L, 121L, 124L,
            186L, 218L, 435L);

    private AnsweredCalls() {
    }

    static boolean answered(long number) {
        return ANSWERED.containsKey(number);
    }

    static boolean returnsId(long number) {
        return RETURN_IDS.contains(number);
    }

    /**
     * The bytes an answered call stored, read with {@code memory} (address, length) after it
     * returned; empty for a failed call or one that stored more than {@link TraceFormat#MAX_OUTPUT}
     * (then {@link #complete} says replay cannot answer it).
     */
    static List<SyscallAnswer.Output> outputs(long number, List<Long> args, long result,
                                              BiFunction<Long, Integer, byte[]> memory) {
        List<Store> stores = storesMade(number, args, result);
        if (stores.stream().anyMatch(s -> s.length > TraceFormat.MAX_OUTPUT)) {
            return List.of();
        }
        List<SyscallAnswer.Output> outputs = new ArrayList<>();
        for (Store s : stores) {
            outputs.add(new SyscallAnswer.Output(s.arg, memory.apply(args.get(s.arg), s.length)));
        }
        return outputs;
    }

    /** Whether replay can answer the recorded call {@code c}: everything it stored was recorded. */
    static boolean complete(TraceRecord.Syscall c) {
        return answered(c.number()) && c.outputs().size() == storesMade(c.number(), c.args(), c.result()).size();
    }

    /**
     * Where an answered call that returned {@code result} stored bytes, with their lengths (the
     * result's for getrandom): none when it failed, none through a null pointer.
     */
    private static List<Store> storesMade(long number, List<Long> args, long result) {
        List<Store> made = new ArrayList<>();
        if (failed(result)) {
            return made;
        }
        for (Store s : ANSWERED.getOrDefault(number, List.of())) {
            long length = s.length >= 0 ? s.length : result;
            if (args.size() > s.arg && args.get(s.arg) != 0 && length > 0) {
                made.add(new Store(s.arg, (int) Math.min(length, Integer.MAX_VALUE)));
            }
        }
        return made;
    }

    private static boolean failed(long result) {
        return result < 0 && result >= -4095;
    }
}
