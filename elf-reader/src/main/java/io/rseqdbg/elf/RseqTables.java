package io.rseqdbg.elf;

import io.rseqdbg.elf.internal.Hex;
import io.rseqdbg.elf.internal.Malformed;
import io.rseqdbg.elf.internal.Symbols;
import io.rseqdbg.elf.internal.TableReader;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;

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
    private final Supplier<Symbols> symbols;

    private RseqTables(ElfImage image, TableReader.Result result, Supplier<Symbols> symbols) {
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
        this.symbols = symbols;
    }

    /**
     * Reads every rseq table of {@code file}.
     *
     * @throws ElfReadException if the file is missing, unreadable, not ELF, or truncated or corrupt
     *     where it matters; the message is one line naming the file and the problem
     */
    public static RseqTables read(Path file) throws ElfReadException {
        return read(ElfImage.open(file));
    }

    /** Reads every rseq table of an image already opened (for the fuzz tests: one from memory). */
    static RseqTables read(ElfImage image) throws ElfReadException {
        Path file = image.path();
        try {
            // Symbols are read on first use (here only if the file has critical sections to name)
            // and kept: the stepper names every traced address with them.
            Supplier<Symbols> symbols = Symbols.lazy(image);
            return new RseqTables(image, TableReader.read(image, symbols), symbols);
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

    /**
     * The name of a link-time address in this file: {@code symbol+offset} (decimal offset, like
     * {@link CriticalSection#name()}), {@code symbol} at its first byte, or, where no symbol of
     * {@code .symtab}/{@code .dynsym} holds it, {@code file+0xADDRESS} with the link-time address
     * (what {@code addr2line -e file} and {@code nm} use).
     */
    public String nameOf(long address) {
        String name = symbolOf(address);
        return name != null ? name : file.getFileName() + "+" + Hex.of(address);
    }

    /** The link-time address of the code or data symbol {@code name} ({@code .symtab}, else {@code .dynsym}). */
    public OptionalLong symbolAddress(String name) {
        return symbols.get().addressOf(name);
    }

    /** {@code symbol+offset} of a link-time address, or null where no symbol holds it. */
    public String symbolOf(long address) {
        return symbols.get().nameOf(address);
    }
}
