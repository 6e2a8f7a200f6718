package io.rseqdbg.elf.internal;

import io.rseqdbg.elf.Architecture;
import io.rseqdbg.elf.CriticalSection;
import io.rseqdbg.elf.ElfImage;
import io.rseqdbg.elf.ExitPoint;
import io.rseqdbg.elf.Problem;
import io.rseqdbg.elf.Problem.Kind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the kernel checks when it finds a thread's rseq_cs pointing at a descriptor (kernel/rseq.c,
 * rseq_get_rseq_cs and rseq_validate_cs): version 0, no flags, no overflow of start_ip +
 * post_commit_offset, abort_ip outside the critical section, and the registered signature in the
 * 4 bytes before abort_ip. Any failure kills the thread with SIGSEGV. Beyond the kernel: start and
 * abort must be code, and every exit point must belong to a critical section and leave it.
 */
final class KernelChecks {

    private final ElfImage image;
    private final AddressSpace memory;
    private final long addressLimit;

    KernelChecks(ElfImage image, AddressSpace memory) {
        this.image = image;
        this.memory = memory;
        // A 32-bit process's addresses end at 4 GiB: a larger value can never be a user address.
        this.addressLimit = image.is64() ? -1L : 0xffffffffL;
    }

    List<Problem> descriptor(CriticalSection cs) {
        List<Problem> out = new ArrayList<>();
        if (cs.version() != 0) {
            out.add(problem(Kind.VERSION, cs, who(cs) + ": version " + Integer.toUnsignedString(cs.version())
                    + ", the kernel accepts only 0"));
        }
        if (cs.flags() != 0) {
            out.add(problem(Kind.FLAGS, cs, who(cs) + ": flags " + Hex.of(cs.flags() & 0xffffffffL)
                    + ", the kernel rejects any flag in a descriptor"));
        }
        long end = cs.start() + cs.postCommitOffset();
        boolean overflow = Long.compareUnsigned(end, cs.start()) < 0 || Long.compareUnsigned(end, addressLimit) > 0
                || Long.compareUnsigned(cs.start(), addressLimit) > 0 || Long.compareUnsigned(cs.abort(), addressLimit) > 0;
        if (overflow) {
            out.add(problem(Kind.OVERFLOW, cs, who(cs) + ": start_ip " + Hex.of(cs.start()) + " + post_commit_offset "
                    + Hex.of(cs.postCommitOffset()) + " overflows the address space"));
        } else if (Long.compareUnsigned(cs.abort() - cs.start(), cs.postCommitOffset()) < 0) {
            // The kernel's own test; it runs only once the range is known not to overflow.
            out.add(problem(Kind.ABORT_INSIDE, cs, who(cs) + ": abort_ip " + Hex.of(cs.abort()) + " lies inside ["
                    + Hex.of(cs.start()) + ", " + Hex.of(end) + ")"));
        }
        if (image.architecture().hasKnownSignature()) {
            signature(cs, out);
        }
        if (!memory.executable(cs.start())) {
            out.add(problem(Kind.START_NOT_EXECUTABLE, cs, who(cs) + ": start_ip " + Hex.of(cs.start())
                    + " is not in an executable segment"));
        }
        if (!memory.executable(cs.abort())) {
            out.add(problem(Kind.ABORT_NOT_EXECUTABLE, cs, who(cs) + ": abort_ip " + Hex.of(cs.abort())
                    + " is not in an executable segment"));
        }
        return out;
    }

    private void signature(CriticalSection cs, List<Problem> out) {
        Architecture arch = image.architecture();
        byte[] expected = arch.signatureBytes(image.byteOrder());
        byte[] found = memory.read(cs.abort() - 4, 4);
        if (found == null) {
            out.add(problem(Kind.SIGNATURE, cs, who(cs) + ": the 4 bytes before abort_ip " + Hex.of(cs.abort())
                    + " are not in the file's image; expected the " + arch + " signature " + Hex.bytes(expected)));
        } else if (!Arrays.equals(found, expected)) {
            out.add(problem(Kind.SIGNATURE, cs, who(cs) + ": the 4 bytes before abort_ip " + Hex.of(cs.abort()) + " are "
                    + Hex.bytes(found) + ", expected the " + arch + " signature " + Hex.bytes(expected)));
        }
    }

    List<Problem> exitPoints(List<ExitPoint> exits, List<CriticalSection> sections) {
        Map<Long, List<CriticalSection>> byStart = new HashMap<>();
        sections.forEach(cs -> byStart.computeIfAbsent(cs.start(), k -> new ArrayList<>()).add(cs));
        List<Problem> out = new ArrayList<>();
        for (ExitPoint e : exits) {
            List<CriticalSection> owners = byStart.get(e.start());
            if (owners == null) {
                out.add(new Problem(Kind.EXIT_UNKNOWN, e.entry(), who(e) + ": start_ip " + Hex.of(e.start())
                        + " is not the start of any critical section"));
                continue;
            }
            for (CriticalSection cs : owners) {
                if (cs.contains(e.exit())) {
                    out.add(new Problem(Kind.EXIT_INSIDE, e.entry(), who(e) + " lies inside " + cs.name() + " ["
                            + Hex.of(cs.start()) + ", " + Hex.of(cs.postCommit()) + ")"));
                }
            }
        }
        return out;
    }

    private static String who(ExitPoint e) {
        return "exit point " + Hex.of(e.exit()) + " (entry " + Hex.of(e.entry()) + ")";
    }

    private static String who(CriticalSection cs) {
        return cs.name() + " (descriptor " + Hex.of(cs.descriptor()) + ")";
    }

    private static Problem problem(Kind kind, CriticalSection cs, String message) {
        return new Problem(kind, cs.descriptor(), message);
    }
}
