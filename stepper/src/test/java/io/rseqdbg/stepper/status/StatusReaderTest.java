package io.rseqdbg.stepper.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** What status says the kernel does to a stop inside a section, from the area size, flags and release. */
class StatusReaderTest {

    @Test
    void theOriginalAreaAbortsAtEveryStopOnEveryKernel() {
        assertEquals("every-stop", StatusReader.kernelMode(32, 0, "6.18.44-fc").mode());
        assertEquals("every-stop", StatusReader.kernelMode(32, 0, "6.19.0").mode());
        assertEquals("every-stop", StatusReader.kernelMode(32, 0, "7.1.0").mode());
    }

    @Test
    void anExtendedAreaMayNotAbortASingleStepOnReworkedKernels() {
        assertEquals("every-stop", StatusReader.kernelMode(64, 0, "6.18.2").mode());
        assertEquals("not-single-step", StatusReader.kernelMode(64, 0, "6.19.0-rc1").mode());
        assertEquals("not-single-step", StatusReader.kernelMode(64, 0, "7.0.0").mode());
    }

    @Test
    void flagsGetTheThreadKilled() {
        var mode = StatusReader.kernelMode(32, 1, "6.18.44");
        assertEquals("kill", mode.mode());
        assertTrue(mode.explanation().contains("SIGSEGV"), mode.explanation());
    }

    @Test
    void releasesCompareByMajorAndMinor() {
        assertTrue(StatusReader.atLeast("6.19.0", 6, 19));
        assertTrue(StatusReader.atLeast("10.0", 6, 19));
        assertFalse(StatusReader.atLeast("6.9.12", 6, 19));
        assertFalse(StatusReader.atLeast("unknown", 6, 19));
    }
}
