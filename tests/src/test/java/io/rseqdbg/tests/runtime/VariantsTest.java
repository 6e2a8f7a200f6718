package io.rseqdbg.tests.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rseqdbg.tests.support.Targets;
import io.rseqdbg.tests.support.Targets.Run;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every build variant of the counter that can run here runs and counts exactly. */
class VariantsTest {

    private static final long OPS_PER_THREAD = 50_000;

    static Stream<String> runnableVariants() {
        return Stream.of("counter", "demo-counter", "counter-nopie", "counter-static",
                "counter-dlopen", "counter-legacy", "counter-noexit", "counter-notable",
                "counter-lld", "counter-relr", "counter-i386");
    }

    static Stream<Arguments> variantsAndRegistrations() {
        return runnableVariants().flatMap(v -> Stream.of(Arguments.of(v, "glibc"),
                Arguments.of(v, "own")));
    }

    @ParameterizedTest(name = "{0} with {1} registration")
    @MethodSource("variantsAndRegistrations")
    void variantCountsExactlyUnderContention(String variant, String registration) {
        Targets.assumeRunnable(variant);
        var launch = Targets.target(variant)
                .args(String.valueOf(Load.THREADS), String.valueOf(OPS_PER_THREAD));
        if (registration.equals("own")) {
            launch.env(Load.GLIBC_TUNABLES, Load.GLIBC_WITHOUT_RSEQ);
        }
        Run run = launch.run().requireExit(0);
        assertEquals(Load.THREADS * OPS_PER_THREAD, run.number("ops"), run.describe());
        assertEquals(registration, run.report().get("rseq"), run.describe());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("runnableVariants")
    void variantRunsWithItsSmallDefaults(String variant) {
        Targets.assumeRunnable(variant);
        Run run = Targets.target(variant).run().requireExit(0);
        long ops = run.number("ops");
        assertTrue(ops > 0 && ops <= 1000, run.describe());
    }

    @Test
    void demoCounterDefaultsToTwoHundredIncrements() {
        Run run = Targets.target("demo-counter").run().requireExit(0);
        assertEquals(200, run.number("ops"), run.describe());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"counter-aarch64", "counter-c2-aarch64"})
    void crossBuiltVariantIsAnAarch64Executable(String variant) throws IOException {
        assertEquals(ElfHeader.EM_AARCH64, ElfHeader.machine(variant));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"bad/abort-inside", "bad/version1", "bad/no-signature",
            "bad/overflow", "bad/exit-inside"})
    void badDescriptorFileIsBuiltAsAnX86_64Executable(String file) throws IOException {
        assertEquals(ElfHeader.EM_X86_64, ElfHeader.machine(file));
    }

    /** Just enough of the ELF header to tell what a build produced. */
    private static final class ElfHeader {
        static final int EM_X86_64 = 62;
        static final int EM_AARCH64 = 183;

        static int machine(String target) throws IOException {
            try (InputStream in = Files.newInputStream(Targets.path(target))) {
                byte[] h = in.readNBytes(20);
                assertTrue(h.length == 20 && h[0] == 0x7f && h[1] == 'E' && h[2] == 'L'
                        && h[3] == 'F', target + " is not an ELF file");
                assertEquals(1, h[5], target + " is not little-endian");
                return (h[18] & 0xff) | (h[19] & 0xff) << 8;   // e_machine
            }
        }
    }
}
