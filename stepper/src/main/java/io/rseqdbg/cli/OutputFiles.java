package io.rseqdbg.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Files rseqdbg writes at a path the user names ({@code trace export}'s output): never through a
 * symbolic link (one planted in a shared directory such as /tmp would send the bytes to another
 * file), and never over an existing file unless asked ({@code --force}).
 */
final class OutputFiles {

    private OutputFiles() {
    }

    /** @throws UsageException with one line saying why the file cannot be written */
    static OutputStream create(Path file, boolean force, String flagHint) {
        try {
            if (!force) {
                // O_CREAT|O_EXCL: fails on any existing name, a symbolic link included, and never follows one
                return Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            }
            if (Files.isSymbolicLink(file)) {
                throw new UsageException(file + " is a symbolic link: not written through (remove it, or name"
                        + " another file)");
            }
            // O_NOFOLLOW as well: a link planted between the check and the open is refused, not followed
            return Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        } catch (FileAlreadyExistsException e) {
            if (Files.isSymbolicLink(file)) {
                throw new UsageException(file + " is a symbolic link: not written through (remove it, or name"
                        + " another file)");
            }
            throw new UsageException(file + " exists: not overwritten (give " + flagHint + " to replace it)");
        } catch (java.nio.file.NoSuchFileException e) {
            throw new UsageException("cannot write " + file + ": its directory does not exist");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new UsageException("cannot write " + file + ": permission denied");
        } catch (FileSystemException e) {
            String reason = e.getReason() == null ? e.getMessage() : e.getReason();
            if (Files.isSymbolicLink(file)) {
                reason = "it is a symbolic link: not written through";
            }
            throw new UsageException("cannot write " + file + ": " + reason);
        } catch (IOException e) {
            throw new UsageException("cannot write " + file + ": " + e.getMessage());
        }
    }
}
