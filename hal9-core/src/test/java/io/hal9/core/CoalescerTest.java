package io.hal9.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class CoalescerTest {
    private static final int CALLERS = 16;

    /** Starts CALLERS virtual threads released together by a barrier, each running {@code call}. */
    private static <R> List<CompletableFuture<R>> concurrently(ThrowingSupplier<R> call) {
        CyclicBarrier start = new CyclicBarrier(CALLERS);
        List<CompletableFuture<R>> results = new ArrayList<>();
        for (int i = 0; i < CALLERS; i++) {
            CompletableFuture<R> result = new CompletableFuture<>();
            Thread.startVirtualThread(() -> {
                try {
                    start.await(5, TimeUnit.SECONDS);
                    result.complete(call.get());
                } catch (Throwable e) {
                    result.completeExceptionally(e);
                }
            });
            results.add(result);
        }
        return results;
    }

    @FunctionalInterface
    interface ThrowingSupplier<R> {
        R get() throws Exception;
    }

    @Test
    void concurrentCallersForOneKeyShareOneComputation() throws Exception {
        Coalescer<String, Integer> coalescer = Coalescer.create("profiles");
        AtomicInteger loads = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);

        List<CompletableFuture<Integer>> results = concurrently(() -> coalescer.join("player-1", key -> {
            loads.incrementAndGet();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return 42;
        }));
        await().until(() -> coalescer.stats().calls() == CALLERS);
        assertThat(coalescer.inFlight()).isEqualTo(1);
        release.countDown();

        for (CompletableFuture<Integer> r : results) {
            assertThat(r.get(5, TimeUnit.SECONDS)).isEqualTo(42);
        }
        assertThat(loads).hasValue(1);
        assertThat(coalescer.stats()).isEqualTo(new Coalescer.Stats(CALLERS, 1, CALLERS - 1, 0, 0));
    }

    @Test
    void asyncLoaderRunsOnceAndItsValueReachesEveryCaller() throws Exception {
        Coalescer<Integer, String> coalescer = Coalescer.create("async");
        CompletableFuture<String> source = new CompletableFuture<>();
        AtomicInteger loads = new AtomicInteger();

        List<CompletableFuture<String>> results = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            results.add(coalescer.get(7, key -> {
                loads.incrementAndGet();
                return source;
            }));
        }
        assertThat(results).allMatch(f -> !f.isDone());
        source.complete("seven");

        assertThat(results).allSatisfy(f -> assertThat(f).isCompletedWithValue("seven"));
        assertThat(loads).hasValue(1);
        assertThat(coalescer.inFlight()).isZero();
    }

    @Test
    void exceptionOfTheSharedComputationReachesEveryCaller() throws Exception {
        Coalescer<String, String> coalescer = Coalescer.create("failing");
        CompletableFuture<String> source = new CompletableFuture<>();
        IllegalStateException boom = new IllegalStateException("database down");

        List<CompletableFuture<String>> results =
                concurrently(() -> coalescer.get("k", key -> source).get(5, TimeUnit.SECONDS));
        await().until(() -> coalescer.stats().calls() == CALLERS);
        source.completeExceptionally(boom);

        for (CompletableFuture<String> r : results) {
            assertThat(r)
                    .failsWithin(5, TimeUnit.SECONDS)
                    .withThrowableOfType(ExecutionException.class)
                    .havingCause()
                    .isInstanceOf(ExecutionException.class)
                    .havingCause()
                    .isSameAs(boom);
        }
        assertThat(coalescer.stats().failures()).isEqualTo(1);
        assertThat(coalescer.inFlight()).isZero();
    }

    @Test
    void loaderThatThrowsFailsEveryWaiterTheSameWay() throws Exception {
        Coalescer<String, String> coalescer = Coalescer.create("throwing");
        CountDownLatch release = new CountDownLatch(1);
        IllegalArgumentException boom = new IllegalArgumentException("bad key");

        List<CompletableFuture<String>> results = concurrently(() -> coalescer.join("k", key -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            throw boom;
        }));
        await().until(() -> coalescer.stats().calls() == CALLERS);
        release.countDown();

        for (CompletableFuture<String> r : results) {
            assertThat(r)
                    .failsWithin(5, TimeUnit.SECONDS)
                    .withThrowableOfType(ExecutionException.class)
                    .havingCause()
                    .isSameAs(boom); // join rethrows the loader's own exception
        }
        assertThat(coalescer.stats().failures()).isEqualTo(1);
        assertThat(coalescer.stats().computations()).isEqualTo(1);
        assertThat(coalescer.inFlight()).isZero();
    }

    @Test
    void synchronousThrowInAnAsyncLoaderFailsTheFutureInsteadOfThrowing() {
        Coalescer<String, String> coalescer = Coalescer.create("sync-throw");
        IllegalStateException boom = new IllegalStateException("boom");

        CompletableFuture<String> f = coalescer.get("k", key -> {
            throw boom;
        });

        assertThatThrownBy(f::join).isInstanceOf(CompletionException.class).hasCause(boom);
        assertThat(coalescer.inFlight()).isZero();
    }

    @Test
    void loaderReturningNullIsAnErrorWithAClearMessage() {
        Coalescer<Integer, String> coalescer = Coalescer.create("nulls");

        CompletableFuture<String> f = coalescer.get(7, key -> null);

        assertThatThrownBy(f::join)
                .isInstanceOf(CompletionException.class)
                .cause()
                .isInstanceOf(Hal9Exception.class)
                .hasMessage("coalescer 'nulls': loader returned null instead of a CompletionStage for key 7");
        assertThatThrownBy(() -> coalescer.join(8, key -> null))
                .isInstanceOf(Hal9Exception.class)
                .hasMessage("coalescer 'nulls': loader returned null for key 8");
        assertThat(coalescer.inFlight()).isZero();
        assertThat(coalescer.stats().failures()).isEqualTo(2);
    }

    @Test
    void keysAreForgottenWhenTheirComputationEnds() {
        Coalescer<Integer, Integer> coalescer = Coalescer.create("many-keys");
        int keys = 10_000;
        List<CompletableFuture<Integer>> pending = new ArrayList<>();

        for (int k = 0; k < keys; k++) {
            if (k % 2 == 0) {
                assertThat(coalescer.join(k, key -> key * 2)).isEqualTo(k * 2);
            } else {
                CompletableFuture<Integer> source = new CompletableFuture<>();
                pending.add(source);
                coalescer.get(k, key -> source);
            }
        }
        assertThat(coalescer.inFlight()).isEqualTo(keys / 2);
        for (int i = pending.size() - 1; i >= 0; i--) {
            if (i % 3 == 0) {
                pending.get(i).completeExceptionally(new IllegalStateException("expected"));
            } else {
                pending.get(i).complete(i);
            }
        }

        assertThat(coalescer.inFlight()).isZero();
        assertThat(coalescer.stats().computations()).isEqualTo(keys);
        assertThat(coalescer.stats().coalesced()).isZero();
    }

    @Test
    void aFinishedKeyIsComputedAgainNotCached() {
        Coalescer<String, Integer> coalescer = Coalescer.create("no-cache");
        AtomicInteger loads = new AtomicInteger();

        assertThat(coalescer.join("k", key -> loads.incrementAndGet())).isEqualTo(1);
        assertThat(coalescer.join("k", key -> loads.incrementAndGet())).isEqualTo(2);

        assertThat(coalescer.stats().computations()).isEqualTo(2);
    }

    @Test
    void distinctKeysRunIndependently() throws Exception {
        Coalescer<String, String> coalescer = Coalescer.create("independent");
        CompletableFuture<String> slow = new CompletableFuture<>();

        CompletableFuture<String> a = coalescer.get("a", key -> slow);
        CompletableFuture<String> b = coalescer.get("b", key -> CompletableFuture.completedFuture("bee"));

        assertThat(b).isCompletedWithValue("bee");
        assertThat(a).isNotDone();
        assertThat(coalescer.inFlight()).isEqualTo(1);
        slow.complete("ay");
        assertThat(a.get(5, TimeUnit.SECONDS)).isEqualTo("ay");
        assertThat(coalescer.stats().coalesced()).isZero();
    }

    @Test
    void cancellingOneCallersFutureDoesNotCancelTheSharedComputation() {
        Coalescer<String, String> coalescer = Coalescer.create("cancel");
        CompletableFuture<String> source = new CompletableFuture<>();

        CompletableFuture<String> first = coalescer.get("k", key -> source);
        CompletableFuture<String> second = coalescer.get("k", key -> source);
        first.cancel(true);

        assertThat(source).isNotCancelled();
        assertThat(coalescer.inFlight()).isEqualTo(1);
        source.complete("v");
        assertThat(second).isCompletedWithValue("v");
        assertThat(first).isCancelled();
    }

    @Test
    void nullValueOfAStageIsPassedOn() {
        Coalescer<String, @Nullable Void> coalescer = Coalescer.create("void");
        CompletableFuture<@Nullable Void> f = coalescer.get("warm", key -> CompletableFuture.completedFuture(null));
        assertThat(f).isCompleted();
        assertThat(f.join()).isNull();
    }

    @Test
    void interruptedJoinRestoresTheFlagAndTheComputationGoesOn() throws Exception {
        Coalescer<String, String> coalescer = Coalescer.create("interrupt");
        CompletableFuture<String> source = new CompletableFuture<>();
        CompletableFuture<String> owner = coalescer.get("k", key -> source);
        AtomicReference<@Nullable Throwable> thrown = new AtomicReference<>();
        AtomicBoolean flagAfter = new AtomicBoolean();

        Thread waiter = Thread.startVirtualThread(() -> {
            try {
                coalescer.join("k", key -> "unused");
            } catch (RuntimeException e) {
                thrown.set(e);
                flagAfter.set(Thread.currentThread().isInterrupted());
            }
        });
        await().until(() -> coalescer.stats().coalesced() == 1);
        waiter.interrupt();
        waiter.join();

        assertThat(thrown.get())
                .isInstanceOf(Hal9Exception.class)
                .hasMessage("coalescer 'interrupt': interrupted while waiting for the computation of key k");
        assertThat(flagAfter).isTrue();
        source.complete("v");
        assertThat(owner).isCompletedWithValue("v");
    }

    @Test
    void nameIsChecked() {
        assertThatThrownBy(() -> Coalescer.create(""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("coalescer name must be 1 to 128 characters and not blank, was ''");
        assertThat(Coalescer.create("ok").name()).isEqualTo("ok");
    }
}
