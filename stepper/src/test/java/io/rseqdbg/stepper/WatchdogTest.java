package io.rseqdbg.stepper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The one watchdog behind the serialized run's block detection (once per arming) and the bound on
 * a section run at full speed (every period), with its real thread: an inferior whose only
 * answer is counting {@link Inferior#wakeUp()} calls.
 */
class WatchdogTest {

    private static final long LIMIT_MILLIS = 40;

    private final AtomicInteger wakeUps = new AtomicInteger();
    private final Inferior inferior = (Inferior) Proxy.newProxyInstance(Inferior.class.getClassLoader(),
            new Class<?>[] {Inferior.class}, (proxy, method, args) -> {
                if (!method.getName().equals("wakeUp")) {
                    throw new UnsupportedOperationException(method.getName());
                }
                wakeUps.incrementAndGet();
                return null;
            });

    @Test
    void oncePerArmingWakesOnceAndSaysSo() throws InterruptedException {
        try (Watchdog w = Watchdog.oncePerArming("test-watchdog", inferior, LIMIT_MILLIS)) {
            w.arm();
            Thread.sleep(LIMIT_MILLIS * 8);
            assertEquals(1, wakeUps.get(), "one wake-up however long the wait");
            assertTrue(w.takeFired());
            assertFalse(w.takeFired(), "taken once");
            w.disarm();
            w.arm();
            Thread.sleep(LIMIT_MILLIS * 4);
            assertEquals(2, wakeUps.get(), "armed again, it wakes again");
        }
    }

    @Test
    void everyPeriodWakesWhileArmedAndNeverWhenDisarmed() throws InterruptedException {
        try (Watchdog w = Watchdog.everyPeriod("test-watchdog", inferior, LIMIT_MILLIS)) {
            w.arm();
            Thread.sleep(LIMIT_MILLIS * 10);
            w.disarm();
            int whileArmed = wakeUps.get();
            assertTrue(whileArmed >= 2 && whileArmed <= 10, "wake-ups in 10 periods: " + whileArmed);
            Thread.sleep(LIMIT_MILLIS * 4);
            assertEquals(whileArmed, wakeUps.get(), "none once disarmed");
        }
    }

    @Test
    void aWaitShorterThanTheLimitWakesNothing() throws InterruptedException {
        try (Watchdog w = Watchdog.oncePerArming("test-watchdog", inferior, 2_000)) {
            for (int i = 0; i < 5; i++) {
                w.arm();
                Thread.sleep(20);
                w.disarm();
            }
            assertEquals(0, wakeUps.get());
            assertFalse(w.takeFired());
        }
    }
}
