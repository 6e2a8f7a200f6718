package io.rseqdbg.elf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parsed tables per file identity (device, inode, modification time, size), so that attaching to
 * many processes of one program, or re-reading a load map after each dlopen, parses each file once.
 * A rebuilt file gets a new identity and is read again.
 */
public final class TableCache {

    /** Identifies one version of one file. */
    public record FileIdentity(String device, long inode, long modifiedNanos, long size) {
    }

    private static final TableCache SHARED = new TableCache(256);

    private final Map<FileIdentity, RseqTables> tables;

    public TableCache(int capacity) {
        this.tables = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<FileIdentity, RseqTables> eldest) {
                return size() > capacity;
            }
        };
    }

    /** The cache {@link LoadMap#read(long)} uses. */
    public static TableCache shared() {
        return SHARED;
    }

    /** The tables of {@code file}, read on first use of this identity of it. */
    public RseqTables read(Path file) throws ElfReadException {
        return read(file, identity(file));
    }

    RseqTables read(Path file, FileIdentity identity) throws ElfReadException {
        synchronized (tables) {
            RseqTables cached = tables.get(identity);
            if (cached != null) {
                return cached;
            }
        }
        RseqTables fresh = RseqTables.read(file);
        synchronized (tables) {
            tables.put(identity, fresh);
        }
        return fresh;
    }

    public static FileIdentity identity(Path file) throws ElfReadException {
        try {
            Map<String, Object> a = Files.readAttributes(file, "unix:dev,ino,lastModifiedTime,size");
            long modified = ((FileTime) a.get("lastModifiedTime")).to(java.util.concurrent.TimeUnit.NANOSECONDS);
            return new FileIdentity(Long.toString((Long) a.get("dev")), (Long) a.get("ino"), modified, (Long) a.get("size"));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            throw new ElfReadException(file, "cannot stat: " + e.getClass().getSimpleName());
        }
    }
}
