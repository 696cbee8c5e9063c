package io.hal9.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
@SuppressWarnings("try") // resources whose close() throws InterruptedException, on purpose
class CloserTest {

    private final List<String> closed = new CopyOnWriteArrayList<>();

    private AutoCloseable named(String name) {
        return new AutoCloseable() {
            @Override
            public void close() {
                closed.add(name);
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }

    private AutoCloseable failing(String name, Exception failure) {
        return new AutoCloseable() {
            @Override
            public void close() throws Exception {
                closed.add(name);
                throw failure;
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }

    @Test
    void registerReturnsItsArgumentAndCloseRunsInReverseRegistrationOrder() {
        Closer closer = Closer.create("server");
        AutoCloseable pool = named("pool");
        assertThat(closer.register(pool)).isSameAs(pool);
        closer.register(named("batcher"));
        closer.register(named("ws"));
        closer.register(() -> closed.add("listener"), "stop the listener");

        closer.close();

        assertThat(closed).containsExactly("listener", "ws", "batcher", "pool");
        assertThat(closer.isClosed()).isTrue();
    }

    @Test
    void everyResourceIsClosedWhenSomeFailAndTheFailuresComeTogether() {
        Closer closer = Closer.create("server");
        IllegalStateException first = new IllegalStateException("batcher sink down");
        IOException second = new IOException("socket gone");
        closer.register(named("pool"));
        closer.register(failing("batcher", second));
        closer.register(named("limiter"));
        closer.register(failing("ws", first));

        assertThatThrownBy(closer::close)
                .isInstanceOf(CloseFailedException.class)
                .isInstanceOf(Hal9Exception.class)
                .hasMessage("closer 'server': 2 of 4 resources failed to close; the first, ws, threw "
                        + "java.lang.IllegalStateException: batcher sink down")
                .hasCause(first)
                .satisfies(e -> {
                    assertThat(e.getSuppressed()).containsExactly(second);
                    assertThat(((CloseFailedException) e).failures()).isEqualTo(2);
                });
        assertThat(closed).containsExactly("ws", "limiter", "batcher", "pool");
    }

    @Test
    void theFailureMessageUsesTheDescriptionGivenAtRegistration() {
        Closer closer = Closer.create("server");
        closer.register(
                () -> {
                    throw new IllegalStateException("busy");
                },
                "drain the HTTP port");
        assertThatThrownBy(closer::close)
                .hasMessage("closer 'server': 1 of 1 resources failed to close; the first, drain the HTTP port,"
                        + " threw java.lang.IllegalStateException: busy");
    }

    @Test
    void anInterruptedCloseRestoresTheFlagAfterTheOthersClosedInFull() throws Exception {
        Closer closer = Closer.create("server");
        AtomicBoolean interruptedDuringLaterClose = new AtomicBoolean(true);
        closer.register(
                () -> interruptedDuringLaterClose.set(Thread.currentThread().isInterrupted()));
        InterruptedException interrupted = new InterruptedException("waiting for the flush");
        closer.register(failing("batcher", interrupted));

        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicBoolean flagAfter = new AtomicBoolean();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                closer.close();
            } catch (RuntimeException e) {
                thrown.set(e);
            }
            flagAfter.set(Thread.currentThread().isInterrupted());
        });
        t.join();

        assertThat(thrown.get()).isInstanceOf(CloseFailedException.class).hasCause(interrupted);
        assertThat(flagAfter).isTrue();
        assertThat(interruptedDuringLaterClose)
                .as("the next resource closed with the flag clear")
                .isFalse();
    }

    @Test
    void closeIsIdempotent() {
        Closer closer = Closer.create("server");
        AtomicInteger closes = new AtomicInteger();
        closer.register(closes::incrementAndGet);
        closer.register(failing("ws", new IllegalStateException("once")));

        assertThatThrownBy(closer::close).isInstanceOf(CloseFailedException.class);
        closer.close(); // nothing left to close, and the failure is not thrown again
        assertThat(closes).hasValue(1);
    }

    @Test
    void aResourceThatClosesTheCloserAgainDoesNotDeadlock() {
        Closer closer = Closer.create("server");
        closer.register(named("pool"));
        closer.register(closer::close);
        closer.close();
        assertThat(closed).containsExactly("pool");
    }

    @Test
    void registerAfterCloseClosesTheResourceAtOnceAndThrows() {
        Closer closer = Closer.create("server");
        closer.close();
        AtomicBoolean late = new AtomicBoolean();
        assertThatThrownBy(() -> closer.register(() -> late.set(true), "late cache"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("closer 'server': closed; late cache, registered after close(), was closed at once");
        assertThat(late).isTrue();
    }

    @Test
    void aFailureToCloseALateResourceIsSuppressedInTheRefusal() {
        Closer closer = Closer.create("server");
        closer.close();
        IOException boom = new IOException("boom");
        assertThatThrownBy(() -> closer.register(failing("late", boom)))
                .isInstanceOf(IllegalStateException.class)
                .satisfies(e -> assertThat(e.getSuppressed()).containsExactly(boom));
    }

    @Test
    void aResourceRegisteredWhileClosingIsClosedAtOnce() throws Exception {
        Closer closer = Closer.create("server");
        CountDownLatch closing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        closer.register(() -> {
            closing.countDown();
            release.await();
        });
        CompletableFuture<Void> first = CompletableFuture.runAsync(closer::close);
        assertThat(closing.await(5, TimeUnit.SECONDS)).isTrue();

        AtomicBoolean late = new AtomicBoolean();
        assertThatThrownBy(() -> closer.register(() -> late.set(true))).isInstanceOf(IllegalStateException.class);
        assertThat(late).isTrue();
        release.countDown();
        first.get(5, TimeUnit.SECONDS);
    }

    @Test
    void aSecondCloseWaitsUntilTheFirstHasClosedEverything() throws Exception {
        Closer closer = Closer.create("server");
        CountDownLatch closing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean finished = new AtomicBoolean();
        closer.register(() -> finished.set(true));
        closer.register(() -> {
            closing.countDown();
            release.await();
        });
        CompletableFuture<Void> first = CompletableFuture.runAsync(closer::close);
        assertThat(closing.await(5, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> second = CompletableFuture.runAsync(closer::close);
        // the second caller waits for the first: it cannot have returned before the release
        await().during(java.time.Duration.ofMillis(100)).until(() -> !second.isDone());
        release.countDown();
        second.get(5, TimeUnit.SECONDS);
        assertThat(finished)
                .as("everything was closed when the second close() returned")
                .isTrue();
        first.get(5, TimeUnit.SECONDS);
    }

    @Test
    void concurrentRegistrationsAndOneCloseLoseNoResource() throws Exception {
        int threads = 8;
        int perThread = 500;
        Closer closer = Closer.create("server");
        AtomicInteger closes = new AtomicInteger();
        AtomicInteger registered = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        CyclicBarrier start = new CyclicBarrier(threads + 1);
        List<Thread> workers = new CopyOnWriteArrayList<>();
        for (int t = 0; t < threads; t++) {
            workers.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
                for (int i = 0; i < perThread; i++) {
                    try {
                        closer.register(closes::incrementAndGet);
                        registered.incrementAndGet();
                    } catch (IllegalStateException e) {
                        refused.incrementAndGet();
                    }
                }
            }));
        }
        start.await();
        closer.close();
        for (Thread w : workers) {
            w.join();
        }
        // registered before close(): closed by it; after: closed at once by register
        assertThat(registered.get() + refused.get()).isEqualTo(threads * perThread);
        assertThat(closes).hasValue(threads * perThread);
    }

    @Test
    void theNameIsValidated() {
        assertThatThrownBy(() -> Closer.create(""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("closer");
    }
}
