package io.rseqdbg.elf;

import io.rseqdbg.elf.internal.Malformed;
import io.rseqdbg.elf.internal.TableReader;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The rseq critical sections of one ELF file, at link-time addresses, with what the kernel would
 * reject in them. Read once per file; {@link LoadMap} moves them to run-time addresses.
 */
public final class RseqTables {

    private final Path file;
    private final Architecture architecture;
    private final boolean is64;
    private final ByteOrder byteOrder;
    private final int elfType;
    private final List<ElfImage.Segment> loadSegments;
    private final List<CriticalSection> criticalSections;
    private final List<ExitPoint> exitPoints;
    private final List<Problem> problems;
    private final CriticalSectionIndex index;

    private RseqTables(ElfImage image, TableReader.Result result) {
        this.file = image.path();
        this.architecture = image.architecture();
        this.is64 = image.is64();
        this.byteOrder = image.byteOrder();
        this.elfType = image.type();
        this.loadSegments = image.loadSegments();
        this.criticalSections = result.criticalSections();
        this.exitPoints = result.exitPoints();
        this.problems = result.problems();
        this.index = new CriticalSectionIndex(criticalSections);
    }

    /**
     * Reads every rseq table of {@code file}.
     *
     * @throws ElfReadException if the file is missing, unreadable, not ELF, or truncated or corrupt
     *     where it matters; the message is one line naming the file and the problem
     */
    public static RseqTables read(Path file) throws ElfReadException {
        ElfImage image = ElfImage.open(file);
        try {
            return new RseqTables(image, TableReader.read(image));
        } catch (Malformed e) {
            throw new ElfReadException(file, e.getMessage());
        } catch (RuntimeException e) {
            // The boundary: nothing but the domain exception leaves the reader.
            throw new ElfReadException(file, "unreadable (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
    }

    public Path file() {
        return file;
    }

    public Architecture architecture() {
        return architecture;
    }

    public boolean is64() {
        return is64;
    }

    public ByteOrder byteOrder() {
        return byteOrder;
    }

    /** True for ET_DYN files (PIE executables, static-pie, shared libraries), which load at a bias. */
    public boolean positionIndependent() {
        return elfType == ElfImage.ET_DYN;
    }

    /** PT_LOAD program headers, for computing the load bias of a mapping. */
    public List<ElfImage.Segment> loadSegments() {
        return loadSegments;
    }

    /** Every critical section, ascending by start address. */
    public List<CriticalSection> criticalSections() {
        return criticalSections;
    }

    public List<ExitPoint> exitPoints() {
        return exitPoints;
    }

    /** What the kernel would kill a thread for, and contradictions in the tables; empty when clean. */
    public List<Problem> problems() {
        return problems;
    }

    /** The critical section whose {@code [start, postCommit)} holds {@code pc} (a link-time address). */
    public Optional<CriticalSection> containing(long pc) {
        return index.containing(pc);
    }
}
