package io.rseqdbg.stepper.replay;

import io.rseqdbg.elf.CriticalSection;
import io.rseqdbg.elf.LoadMap;
import io.rseqdbg.stepper.StepEvent;
import io.rseqdbg.stepper.StepListener;
import io.rseqdbg.stepper.Stepper;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Turns the stepper's events into {@link TraceRecord}s, the same way when recording and when
 * replaying: tids become logical ids (creation order), each event is stamped with its thread's
 * instruction count (counted as the stepper counts: one per step, section entry or step inside),
 * and addresses become module + link-time offset, so that they survive ASLR. A module gets a
 * {@link TraceRecord.Module} (index from 1; 0 means "no module, the offset is the address") the
 * first time it is named.
 */
public final class Stamper implements StepListener {

    private final Supplier<Stepper> stepper;
    private final Consumer<TraceRecord> sink;
    private final Map<Integer, Integer> logical = new HashMap<>();
    private final Map<Integer, Long> counts = new HashMap<>();
    private final Map<Integer, Long> lastPc = new HashMap<>();
    private final Map<String, Integer> modules = new HashMap<>();
    private static final long EXECVE = 59;
    private static final long EXECVEAT = 322;
    private boolean programStarted;

    public Stamper(Supplier<Stepper> stepper, Consumer<TraceRecord> sink) {
        this.stepper = stepper;
        this.sink = sink;
    }

    @Override
    public void on(StepEvent event) {
        if (event instanceof StepEvent.Stepped s) {
            count(s.tid(), s.pc());
        } else if (event instanceof StepEvent.SectionStepped s) {
            count(s.tid(), s.pc());
        } else if (event instanceof StepEvent.SectionEntered e) {
            count(e.tid(), e.pc());
            Address at = address(e.section().start());
            sink.accept(new TraceRecord.Enter(logical(e.tid()), counts.get(e.tid()), at.module, at.offset,
                    stepper.get().cpuOf(e.tid())));
        } else if (event instanceof StepEvent.SectionLeft l) {
            lastPc.put(l.tid(), l.pc());
            Address at = address(l.section().start());
            long pc = at.module == 0 ? l.pc() : l.pc() - (l.section().start() - at.offset);
            sink.accept(new TraceRecord.Leave(logical(l.tid()), counts.getOrDefault(l.tid(), 0L), l.outcome(),
                    at.module, at.offset, pc));
        } else if (event instanceof StepEvent.ThreadStarted t) {
            int id = logical.size();
            logical.putIfAbsent(t.tid(), id);
            Integer parent = t.parent() == 0 ? null : logical.get(t.parent());
            sink.accept(new TraceRecord.ThreadStart(logical(t.tid()), counts.getOrDefault(t.tid(), 0L),
                    parent == null ? -1 : parent));
        } else if (event instanceof StepEvent.ThreadExited t) {
            sink.accept(new TraceRecord.ThreadExit(logical(t.tid()), counts.getOrDefault(t.tid(), 0L)));
        } else if (event instanceof StepEvent.SignalDelivered s) {
            sink.accept(new TraceRecord.Signal(logical(s.tid()), counts.getOrDefault(s.tid(), 0L), s.signal()));
        } else if (event instanceof StepEvent.SyscallReturned c) {
            long number = c.call().number();
            if (!programStarted) {
                // The launcher's calls between rseqdbg's attach and the program's exec are not
                // the program's, nor repeatable (where its wait for the tracer was interrupted).
                programStarted = (number == EXECVE || number == EXECVEAT) && c.call().result() == 0;
                if (!programStarted) {
                    return;
                }
            }
            if (c.call().restarts() || number < 0) {
                // A restarted call is one call to the program, however often a stop interrupted
                // it; number -1 is rt_sigreturn, whose "result" is the interrupted code's own rax
                // restored from the signal frame, whatever it held there.
                return;
            }
            // Stamped before the step over the call is counted: the count replay answers it at.
            sink.accept(new TraceRecord.Syscall(logical(c.tid()), stepper.get().stepsOf(c.tid()), number,
                    c.call().args(), c.call().result(), AnsweredCalls.outputs(number, c.call().args(),
                            c.call().result(), stepper.get()::memory)));
        } else if (event instanceof StepEvent.ProcessExited p) {
            sink.accept(new TraceRecord.Exit(p.status(), p.signal()));
        }
    }

    /** The logical id of {@code tid}, -1 when it never started. */
    public int logical(int tid) {
        return logical.getOrDefault(tid, -1);
    }

    /** The last pc seen for logical thread {@code thread}, or -1. */
    public long lastPc(int thread) {
        for (Map.Entry<Integer, Integer> e : logical.entrySet()) {
            if (e.getValue() == thread) {
                return lastPc.getOrDefault(e.getKey(), -1L);
            }
        }
        return -1;
    }

    /** The stepper's own count, which restarts at the program's exec. */
    private void count(int tid, long pc) {
        counts.put(tid, stepper.get().stepsOf(tid));
        lastPc.put(tid, pc);
    }

    private record Address(int module, long offset) {
    }

    private Address address(long runtime) {
        Optional<LoadMap.Module> m = stepper.get().moduleAt(runtime);
        if (m.isEmpty()) {
            return new Address(0, runtime);
        }
        String path = m.get().file().toString();
        Integer index = modules.get(path);
        if (index == null) {
            index = modules.size() + 1;
            modules.put(path, index);
            sink.accept(new TraceRecord.Module(index, path, fileHash(m.get()), tablesDigest(m.get())));
        }
        return new Address(index, runtime - m.get().bias());
    }

    /** SHA-256 of the module's file: a changed binary is recognised on replay. */
    static String fileHash(LoadMap.Module m) {
        return RecordedModules.sha256(m.file());
    }

    /** SHA-256 of the module's sections at link-time addresses (start, length, abort, exits). */
    static String tablesDigest(LoadMap.Module m) {
        MessageDigest sha = sha256();
        ByteBuffer b = ByteBuffer.allocate(8);
        for (CriticalSection cs : m.criticalSections()) {
            for (long v : new long[] {cs.start() - m.bias(), cs.postCommitOffset(), cs.abort() - m.bias()}) {
                sha.update(b.clear().putLong(v).array());
            }
            for (long exit : cs.exits()) {
                sha.update(b.clear().putLong(exit - m.bias()).array());
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JVM", e);
        }
    }
}
