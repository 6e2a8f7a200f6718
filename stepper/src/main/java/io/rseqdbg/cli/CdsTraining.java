package io.rseqdbg.cli;

import java.io.OutputStream;
import java.io.PrintStream;

/**
 * The training run of the build's class-data archive (stepper/src/main/sh/make-cds-archive.sh):
 * runs {@code table} and {@code check}, with and without {@code --json}, and {@code --help}, on the
 * given files, output discarded, so that the JVM's {@code -XX:ArchiveClassesAtExit} records every
 * class the short commands load. Not a user command.
 */
public final class CdsTraining {

    private CdsTraining() {
    }

    public static void main(String[] files) {
        PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream());
        for (String command : new String[] {"table", "check"}) {
            for (boolean json : new boolean[] {false, true}) {
                String[] args = new String[files.length + (json ? 2 : 1)];
                args[0] = command;
                if (json) {
                    args[1] = "--json";
                }
                System.arraycopy(files, 0, args, args.length - files.length, files.length);
                Main.run(args, nowhere, nowhere);
            }
        }
        Main.run(new String[] {"--help"}, nowhere, nowhere);
        Main.run(new String[] {"table", "--help"}, nowhere, nowhere);
        Main.run(new String[] {"table", "/nonexistent/rseqdbg-cds-training"}, nowhere, nowhere);
    }
}
