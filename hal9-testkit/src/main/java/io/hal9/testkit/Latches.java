package io.hal9.testkit;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Waiting on a {@link CountDownLatch} from code that cannot throw checked exceptions (a thread's
 * {@code Runnable}, a lambda), so that a test thread blocks on a signal instead of sleeping.
 *
 * <p>Thread safety: stateless.
 */
public final class Latches {
    private Latches() {}

    /**
     * Waits until {@code latch} reaches zero; throws {@link IllegalStateException} if it does not within
     * {@code timeout}, or if the thread is interrupted (its interrupt status is restored), so a test that
     * never gets its signal fails instead of hanging.
     */
    public static void await(CountDownLatch latch, Duration timeout) {
        try {
            if (!latch.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new IllegalStateException("latch not released within " + timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
