package io.hal9.pool;

import static io.hal9.pool.ConnectionPoolFixtures.housekeep;
import static io.hal9.pool.ConnectionPoolFixtures.inlineBuilder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.hal9.core.Admission;
import io.hal9.core.RejectedException;
import io.hal9.pool.ConnectionPool.DestroyReason;
import io.hal9.pool.ConnectionPoolFixtures.Conn;
import io.hal9.pool.ConnectionPoolFixtures.FakeFactory;
import io.hal9.pool.ConnectionPoolFixtures.QueueExecutor;
import io.hal9.pool.ConnectionPoolFixtures.RecordingListener;
import io.hal9.testkit.ManualClock;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ConnectionPoolTest {
    private final FakeFactory factory = new FakeFactory();
    private final RecordingListener listener = new RecordingListener();
    private final List<ConnectionPool<?>> pools = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    @AfterEach
    void closeEverything() throws InterruptedException {
        for (Thread t : threads) {
            t.interrupt();
            t.join(5_000);
        }
        pools.forEach(ConnectionPool::close);
    }

    private <C> ConnectionPool<C> track(ConnectionPool<C> pool) {
        pools.add(pool);
        return pool;
    }

    /** A pool of exactly {@code size} connections, all opened inline at build. */
    private ConnectionPool<Conn> fixedPool(String name, int size) {
        return track(inlineBuilder(name, factory)
                .maxConnections(size)
                .minConnections(size)
                .listener(listener)
                .closeTimeout(Duration.ZERO)
                .build());
    }

    /** Starts a thread that acquires, records and hands its lease out; the test decides when it returns. */
    private CompletableFuture<ConnectionLease<Conn>> acquireInBackground(ConnectionPool<Conn> pool, Duration timeout) {
        CompletableFuture<ConnectionLease<Conn>> result = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                result.complete(pool.acquire(timeout));
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        threads.add(t);
        return result;
    }

    // ------------------------------------------------------------------ try and timed acquire

    @Test
    void tryAcquireHandsOutIdleConnectionsAndAnswersNullAtTheLimit() {
        ConnectionPool<Conn> pool = fixedPool("game", 2);

        ConnectionLease<Conn> a = pool.tryAcquire();
        ConnectionLease<Conn> b = pool.tryAcquire();

        assertThat(a).isNotNull();
        assertThat(b).isNotNull();
        assertThat(a.get()).isNotSameAs(b.get());
        assertThat(pool.tryAcquire()).isNull();
        assertThat(pool.stats().inUse()).isEqualTo(2);
        assertThat(pool.stats().idle()).isZero();

        Conn first = a.get();
        a.close();
        ConnectionLease<Conn> again = pool.tryAcquire();
        assertThat(again).isNotNull();
        assertThat(again.get()).isSameAs(first);
        assertThat(factory.createCalls.get()).isEqualTo(2);
        assertThat(pool.stats().acquired()).isEqualTo(3);
        assertThat(listener.acquiredWaits).containsExactly(0L, 0L, 0L);
    }

    @Test
    void tryAcquireNeverOpensInlineButStartsOneBackgroundCreation() {
        QueueExecutor executor = new QueueExecutor();
        ConnectionPool<Conn> pool = track(ConnectionPool.builder("lazy", factory)
                .maxConnections(3)
                .minConnections(0)
                .executor(executor)
                .closeTimeout(Duration.ZERO)
                .build());

        assertThat(pool.tryAcquire()).isNull();
        assertThat(pool.tryAcquire()).isNull();
        assertThat(executor.tasks).hasSize(1);
        assertThat(factory.createCalls.get()).isZero();
        assertThat(pool.stats().creating()).isEqualTo(1);

        assertThat(executor.runAll()).isEqualTo(1);

        ConnectionLease<Conn> lease = pool.tryAcquire();
        assertThat(lease).isNotNull();
        assertThat(factory.createCalls.get()).isEqualTo(1);
        assertThat(executor.tasks).isEmpty();
        lease.close();
    }

    @Test
    void acquireWaitsUntilAConnectionIsReturned() throws Exception {
        ConnectionPool<Conn> pool = fixedPool("game", 1);
        ConnectionLease<Conn> held = pool.acquire();
        Conn c = held.get();

        CompletableFuture<ConnectionLease<Conn>> waiter = acquireInBackground(pool, Duration.ofSeconds(5));
        await().until(() -> pool.stats().pending() == 1);
        assertThat(waiter).isNotDone();
        held.close();

        ConnectionLease<Conn> got = waiter.get(5, TimeUnit.SECONDS);
        assertThat(got.get()).isSameAs(c);
        assertThat(pool.stats().pending()).isZero();
        assertThat(listener.acquiredWaits.get(1)).isPositive();
        got.close();
    }

    @Test
    void waitersAreServedInArrivalOrder() throws Exception {
        ConnectionPool<Conn> pool = fixedPool("fair", 1);
        ConnectionLease<Conn> held = pool.acquire();
        List<Integer> order = new CopyOnWriteArrayList<>();
        List<CompletableFuture<Void>> done = new ArrayList<>();

        for (int i = 0; i < 5; i++) {
            int id = i;
            CompletableFuture<Void> f = new CompletableFuture<>();
            Thread t = Thread.ofPlatform().start(() -> {
                try (ConnectionLease<Conn> lease = pool.acquire(Duration.ofSeconds(5))) {
                    order.add(id);
                    lease.get();
                    f.complete(null);
                } catch (Throwable e) {
                    f.completeExceptionally(e);
                }
            });
            threads.add(t);
            done.add(f);
            int expected = i + 1;
            await().until(() -> pool.stats().pending() == expected);
        }
        held.close();

        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
        assertThat(order).containsExactly(0, 1, 2, 3, 4);
    }

    @Test
    void tryAcquireDoesNotOvertakeWaiters() throws Exception {
        ConnectionPool<Conn> pool = fixedPool("fair", 2);
        ConnectionLease<Conn> a = pool.acquire();
        ConnectionLease<Conn> b = pool.acquire();
        CompletableFuture<ConnectionLease<Conn>> waiter = acquireInBackground(pool, Duration.ofSeconds(5));
        await().until(() -> pool.stats().pending() == 1);

        a.close();
        // The returned connection went straight to the waiter: nothing is idle for a newcomer.
        ConnectionLease<Conn> w = waiter.get(5, TimeUnit.SECONDS);
        assertThat(pool.tryAcquire()).isNull();

        CompletableFuture<ConnectionLease<Conn>> second = acquireInBackground(pool, Duration.ofSeconds(5));
        await().until(() -> pool.stats().pending() == 1);
        // While someone waits, a newcomer is refused even before anything is returned.
        assertThat(pool.tryAcquire()).isNull();
        b.close();
        second.get(5, TimeUnit.SECONDS).close();
        w.close();
        assertThat(pool.tryAcquire()).isNotNull();
    }

    @Test
    void aSpinningTryAcquireNeverTakesAReturnedConnectionFromAWaiter() throws Exception {
        ConnectionPool<Conn> pool = fixedPool("fair", 1);
        AtomicInteger overtakes = new AtomicInteger();
        for (int round = 0; round < 100; round++) {
            ConnectionLease<Conn> held = pool.acquire(Duration.ZERO);
            AtomicBoolean waiterServed = new AtomicBoolean();
            CompletableFuture<ConnectionLease<Conn>> waiter = new CompletableFuture<>();
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    ConnectionLease<Conn> lease = pool.acquire(Duration.ofSeconds(5));
                    waiterServed.set(true);
                    waiter.complete(lease);
                } catch (Throwable e) {
                    waiter.completeExceptionally(e);
                }
            }));
            await().pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(1))
                    .until(() -> pool.stats().pending() == 1);
            // A newcomer spins on tryAcquire while the connection is returned to the waiter.
            CountDownLatch spinning = new CountDownLatch(1);
            CompletableFuture<Void> barger = CompletableFuture.runAsync(() -> {
                while (!waiterServed.get()) {
                    ConnectionLease<Conn> lease = pool.tryAcquire();
                    spinning.countDown();
                    if (lease != null) {
                        overtakes.incrementAndGet();
                        lease.close();
                    }
                }
            });
            assertThat(spinning.await(5, TimeUnit.SECONDS)).isTrue();
            held.close();
            ConnectionLease<Conn> served = waiter.get(5, TimeUnit.SECONDS);
            barger.get(5, TimeUnit.SECONDS); // stops once the waiter is served, before we return it
            served.close();
        }
        assertThat(overtakes.get()).isZero();
    }

    @Test
    void timeoutMessageNamesPoolLimitAndLiveState() throws Exception {
        ConnectionPool<Conn> pool = fixedPool("matchmaking", 2);
        ConnectionLease<Conn> a = pool.acquire();
        ConnectionLease<Conn> b = pool.acquire();
        CompletableFuture<ConnectionLease<Conn>> other = acquireInBackground(pool, Duration.ofSeconds(5));
        await().until(() -> pool.stats().pending() == 1);

        assertThatThrownBy(() -> pool.acquire(Duration.ofMillis(50)))
                .isInstanceOfSatisfying(PoolExhaustedException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Admission.FULL);
                    assertThat(e.component()).isEqualTo("pool 'matchmaking'");
                    assertThat(e.getCause()).isNull();
                })
                .hasMessage("pool 'matchmaking': no connection within 50ms"
                        + " (maxConnections=2, inUse=2, idle=0, waiting=2, creating=0)");

        assertThat(pool.stats().timeouts()).isEqualTo(1);
        assertThat(pool.stats().pending()).isEqualTo(1);
        assertThat(listener.timeouts.get()).isEqualTo(1);
        a.close();
        other.get(5, TimeUnit.SECONDS).close();
        b.close();
        assertThat(pool.stats().idle()).isEqualTo(2);
    }

    @Test
    void zeroTimeoutFailsAtOnceWhenNothingIsIdle() {
        ConnectionPool<Conn> pool = fixedPool("game", 1);
        ConnectionLease<Conn> held = pool.acquire(Duration.ZERO);

        assertThatThrownBy(() -> pool.acquire(Duration.ZERO))
                .isInstanceOf(PoolExhaustedException.class)
                .hasMessageStartingWith("pool 'game': no connection within 0ms (maxConnections=1, inUse=1");
        assertThatThrownBy(() -> pool.acquire(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("pool 'game': timeout must not be negative, was PT-0.001S");
        held.close();
    }

    @Test
    void interruptedWaiterGivesUpWithItsFlagRestored() throws Exception {
        ConnectionPool<Conn> pool = fixedPool("game", 1);
        ConnectionLease<Conn> held = pool.acquire();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicBoolean flagAfter = new AtomicBoolean();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                pool.acquire(Duration.ofSeconds(5)).close();
            } catch (Throwable e) {
                thrown.set(e);
                flagAfter.set(Thread.currentThread().isInterrupted());
            }
        });
        await().until(() -> pool.stats().pending() == 1);

        t.interrupt();
        t.join(5_000);

        assertThat(thrown.get())
                .isInstanceOf(PoolExhaustedException.class)
                .hasMessageStartingWith("pool 'game': interrupted after waiting");
        assertThat(flagAfter).isTrue();
        assertThat(pool.stats().pending()).isZero();
        held.close();
        assertThat(pool.tryAcquire()).isNotNull();
    }

    // ------------------------------------------------------------------ leases

    @Test
    void brokenLeaseIsDestroyedAndReplaced() {
        ConnectionPool<Conn> pool = fixedPool("game", 2);
        ConnectionLease<Conn> lease = pool.acquire();
        Conn broken = lease.get();

        lease.closeBroken();
        lease.close(); // try-with-resources after closeBroken: a no-op

        assertThat(broken.destroyCount.get()).isEqualTo(1);
        assertThat(listener.destroyed).containsExactly(DestroyReason.BROKEN);
        assertThat(factory.createCalls.get()).isEqualTo(3);
        assertThat(factory.live.get()).isEqualTo(2);
        assertThat(pool.stats().idle()).isEqualTo(2);
        assertThat(pool.stats().destroyed()).isEqualTo(1);
        assertThatThrownBy(lease::closeBroken)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already closed");
        assertThatThrownBy(lease::get).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void closingALeaseTwiceIsRefusedAndCorruptsNothing() {
        ConnectionPool<Conn> pool = fixedPool("game", 1);
        ConnectionLease<Conn> first = pool.acquire();
        first.close();

        assertThatThrownBy(first::close)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("pool 'game': this lease was already closed; its connection is no longer yours"
                        + " (close a lease once, and do not use it afterwards)");
        assertThatThrownBy(first::get).isInstanceOf(IllegalStateException.class);

        // The same slot claimed again: the stale lease cannot give the new holder's connection back.
        ConnectionLease<Conn> second = pool.acquire();
        assertThatThrownBy(first::close).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(first::closeBroken).isInstanceOf(IllegalStateException.class);
        assertThat(second.get()).isNotNull();
        assertThat(pool.stats().inUse()).isEqualTo(1);
        assertThat(pool.tryAcquire()).isNull();
        second.close();
        assertThat(pool.stats().idle()).isEqualTo(1);
        assertThat(factory.createCalls.get()).isEqualTo(1);
    }

    @Test
    void racingDoubleCloseLetsExactlyOneThrough() throws Exception {
        ConnectionPool<Conn> pool = fixedPool("game", 1);
        AtomicInteger refused = new AtomicInteger();
        for (int round = 0; round < 200; round++) {
            ConnectionLease<Conn> lease = pool.acquire(Duration.ZERO);
            CyclicBarrier both = new CyclicBarrier(2);
            Runnable closer = () -> {
                try {
                    both.await();
                    lease.close();
                } catch (IllegalStateException e) {
                    refused.incrementAndGet();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
            CompletableFuture<Void> other = CompletableFuture.runAsync(closer);
            closer.run();
            other.get(5, TimeUnit.SECONDS);
            assertThat(pool.stats().idle()).isEqualTo(1);
        }
        assertThat(refused.get()).isEqualTo(200);
        assertThat(pool.stats().acquired()).isEqualTo(200);
        assertThat(factory.createCalls.get()).isEqualTo(1);
    }

    @Test
    void connectionIdleLongerThanTheWindowIsValidatedAndReplacedIfInvalid() {
        ManualClock ticker = new ManualClock();
        ConnectionPool<Conn> pool = track(inlineBuilder("game", factory)
                .maxConnections(2)
                .minConnections(2)
                .validateAfterIdle(Duration.ofSeconds(1))
                .ticker(ticker::read)
                .listener(listener)
                .build());

        ConnectionLease<Conn> fresh = pool.acquire(Duration.ZERO);
        assertThat(factory.validations.get()).isZero(); // idle for less than the window
        fresh.close();

        ticker.advance(Duration.ofSeconds(2));
        Conn stale = factory.all.get(0);
        stale.valid = false;
        ConnectionLease<Conn> lease = pool.tryAcquire();

        assertThat(lease).isNotNull();
        assertThat(lease.get()).isNotSameAs(stale);
        assertThat(lease.get().valid).isTrue();
        assertThat(factory.validations.get()).isPositive();
        assertThat(stale.destroyCount.get()).isEqualTo(1);
        assertThat(listener.destroyed).containsExactly(DestroyReason.INVALID);
        assertThat(factory.live.get()).isEqualTo(2); // replaced to keep minConnections
        lease.close();
    }

    // ------------------------------------------------------------------ creation failures

    @Test
    void creationFailuresBackOffWithoutSpinningAndRecoverWithoutLeakingSlots() {
        ManualClock ticker = new ManualClock();
        factory.failing = true;
        ConnectionPool<Conn> pool = track(inlineBuilder("matchmaking", factory)
                .maxConnections(2)
                .minConnections(1)
                .creationBackoff(Duration.ofMinutes(1), Duration.ofMinutes(4))
                .ticker(ticker::read)
                .listener(listener)
                .build());
        assertThat(factory.createCalls.get()).isEqualTo(1);

        // (Backoff in minutes: the real scheduler's retry never fires during the test; the ticker rules.)
        // Within the backoff, nothing triggers another attempt: not callers, not housekeeping.
        for (int i = 0; i < 1_000; i++) {
            assertThat(pool.tryAcquire()).isNull();
        }
        for (int i = 0; i < 10; i++) {
            housekeep(pool);
        }
        assertThatThrownBy(() -> pool.acquire(Duration.ZERO))
                .isInstanceOf(PoolExhaustedException.class)
                .hasMessage("pool 'matchmaking': no connection within 0ms (maxConnections=2, inUse=0, idle=0,"
                        + " waiting=1, creating=0); creating connections fails: java.io.IOException: backend down"
                        + " (attempt 1)")
                .hasCauseInstanceOf(IOException.class);
        assertThat(factory.createCalls.get()).isEqualTo(1);

        // One attempt per backoff period, the period doubling up to its maximum.
        ticker.advance(Duration.ofMinutes(1));
        housekeep(pool);
        assertThat(factory.createCalls.get()).isEqualTo(2);
        ticker.advance(Duration.ofMinutes(2).minusMillis(1));
        housekeep(pool);
        pool.tryAcquire();
        assertThat(factory.createCalls.get()).isEqualTo(2);
        ticker.advance(Duration.ofMillis(1));
        housekeep(pool);
        assertThat(factory.createCalls.get()).isEqualTo(3);
        ticker.advance(Duration.ofMinutes(4));
        housekeep(pool);
        assertThat(factory.createCalls.get()).isEqualTo(4);
        ticker.advance(Duration.ofMinutes(3));
        housekeep(pool);
        assertThat(factory.createCalls.get()).isEqualTo(4); // capped at 4 min (not 8), not yet due

        factory.failing = false;
        ticker.advance(Duration.ofMinutes(1));
        housekeep(pool);

        assertThat(factory.createCalls.get()).isEqualTo(5);
        assertThat(pool.stats().creationFailures()).isEqualTo(4);
        assertThat(listener.creationFailures).hasSize(4);
        assertThat(pool.stats().created()).isEqualTo(1);
        assertThat(pool.stats().creating()).isZero();
        // No slot was leaked by the failures: the pool still reaches its full size.
        ConnectionLease<Conn> a = pool.acquire(Duration.ZERO);
        ConnectionLease<Conn> b = pool.acquire(Duration.ZERO);
        assertThat(a.get()).isNotSameAs(b.get());
        assertThat(factory.live.get()).isEqualTo(2);
        assertThat(pool.tryAcquire()).isNull();
        a.close();
        b.close();
    }

    @Test
    void waitersKeepWaitingWhileCreationFailsAndAreServedWhenItRecovers() throws Exception {
        factory.failing = true;
        ConnectionPool<Conn> pool = track(ConnectionPool.builder("matchmaking", factory)
                .maxConnections(1)
                .minConnections(0)
                .creationBackoff(Duration.ofMillis(20), Duration.ofMillis(20))
                .closeTimeout(Duration.ofSeconds(5))
                .build());

        CompletableFuture<ConnectionLease<Conn>> waiter = acquireInBackground(pool, Duration.ofSeconds(5));
        await().until(() -> factory.createCalls.get() >= 3);
        assertThat(waiter).isNotDone();
        factory.failing = false;

        ConnectionLease<Conn> lease = waiter.get(5, TimeUnit.SECONDS);
        assertThat(lease.get()).isNotNull();
        lease.close();
        int calls = factory.createCalls.get();
        assertThat(calls).isGreaterThan(3);
        // Bounded: the 20 ms backoff allows some tens of calls in this window, never a spin.
        assertThat(calls).isLessThan(300);
    }

    @Test
    void timedOutWaiterIsToldTheLastCreationFailure() {
        factory.failing = true;
        ConnectionPool<Conn> pool = track(ConnectionPool.builder("matchmaking", factory)
                .maxConnections(1)
                .minConnections(1)
                .creationBackoff(Duration.ofSeconds(10), Duration.ofSeconds(10))
                .closeTimeout(Duration.ofSeconds(5))
                .build());
        await().until(() -> pool.stats().creationFailures() == 1);

        assertThatThrownBy(() -> pool.acquire(Duration.ofMillis(30)))
                .isInstanceOf(PoolExhaustedException.class)
                .hasMessageEndingWith("; creating connections fails: java.io.IOException: backend down (attempt 1)")
                .cause()
                .hasMessage("backend down (attempt 1)");
        assertThat(factory.createCalls.get()).isEqualTo(1);
    }

    // ------------------------------------------------------------------ housekeeping

    @Test
    void idleConnectionsAboveTheMinimumAreEvictedLeastRecentlyUsedFirst() {
        ManualClock ticker = new ManualClock();
        ConnectionPool<Conn> pool = track(inlineBuilder("game", factory)
                .maxConnections(3)
                .minConnections(1)
                .idleTimeout(Duration.ofSeconds(10))
                .maxLifetime(Duration.ZERO)
                .ticker(ticker::read)
                .listener(listener)
                .build());
        ConnectionLease<Conn> a = pool.acquire(Duration.ZERO);
        ConnectionLease<Conn> b = pool.acquire(Duration.ZERO);
        ConnectionLease<Conn> c = pool.acquire(Duration.ZERO);
        Conn hot = a.get();
        a.close();
        b.close();
        c.close();

        ticker.advance(Duration.ofSeconds(5));
        ConnectionLease<Conn> again = pool.tryAcquire();
        assertThat(again).isNotNull();
        assertThat(again.get()).isSameAs(hot);
        again.close();
        ticker.advance(Duration.ofSeconds(6));
        housekeep(pool);

        assertThat(listener.destroyed).containsExactly(DestroyReason.IDLE, DestroyReason.IDLE);
        assertThat(factory.alive()).containsExactly(hot);
        assertThat(pool.stats().idle()).isEqualTo(1);

        ticker.advance(Duration.ofSeconds(60));
        housekeep(pool);
        assertThat(factory.alive()).containsExactly(hot); // never below minConnections
    }

    @Test
    void connectionsPastMaxLifetimeAreReplacedWhenIdleAndWhenReturned() {
        ManualClock ticker = new ManualClock();
        ConnectionPool<Conn> pool = track(inlineBuilder("game", factory)
                .maxConnections(2)
                .minConnections(2)
                .maxLifetime(Duration.ofSeconds(60))
                .idleTimeout(Duration.ZERO)
                .ticker(ticker::read)
                .listener(listener)
                .build());
        ConnectionLease<Conn> held = pool.acquire(Duration.ZERO);
        Conn inUse = held.get();

        ticker.advance(Duration.ofSeconds(61));
        housekeep(pool);

        assertThat(listener.destroyed).containsExactly(DestroyReason.LIFETIME);
        assertThat(inUse.destroyCount.get()).isZero(); // never destroyed while in use
        assertThat(factory.createCalls.get()).isEqualTo(3);

        held.close();

        assertThat(inUse.destroyCount.get()).isEqualTo(1);
        assertThat(listener.destroyed).containsExactly(DestroyReason.LIFETIME, DestroyReason.LIFETIME);
        assertThat(factory.createCalls.get()).isEqualTo(4);
        assertThat(factory.live.get()).isEqualTo(2);
        assertThat(pool.stats().idle()).isEqualTo(2);
    }

    @Test
    void minimumIsFilledInTheBackgroundAtStart() {
        ConnectionPool<Conn> pool = track(ConnectionPool.builder("warm", factory)
                .maxConnections(10)
                .minConnections(6)
                .maxConcurrentCreations(2)
                .build());

        await().until(() -> pool.stats().idle() == 6);
        assertThat(factory.createCalls.get()).isEqualTo(6);
        assertThat(pool.stats().created()).isEqualTo(6);
        assertThat(pool.stats().creating()).isZero();
    }

    @Test
    void scheduledHousekeepingRunsOnTheSharedScheduler() {
        ManualClock ticker = new ManualClock();
        ConnectionPool<Conn> pool = track(ConnectionPool.builder("scheduled", factory)
                .maxConnections(2)
                .minConnections(0)
                .idleTimeout(Duration.ofSeconds(1))
                .housekeepingInterval(Duration.ofMillis(20))
                .ticker(ticker::read)
                .executor(Runnable::run)
                .build());
        pool.acquire(Duration.ZERO).close();
        assertThat(factory.live.get()).isEqualTo(1);

        ticker.advance(Duration.ofSeconds(2));

        await().until(() -> factory.live.get() == 0);
        assertThat(pool.stats().destroyed()).isEqualTo(1);
    }

    // ------------------------------------------------------------------ close

    @Test
    void closeDestroysIdleAtOnceRefusesClaimsAndDestroysInUseOnReturn() throws Exception {
        ConnectionPool<Conn> pool = track(inlineBuilder("game", factory)
                .maxConnections(3)
                .minConnections(3)
                .listener(listener)
                .closeTimeout(Duration.ofSeconds(5))
                .build());
        ConnectionLease<Conn> a = pool.acquire();
        ConnectionLease<Conn> b = pool.acquire();
        CompletableFuture<Void> closing = CompletableFuture.runAsync(pool::close);

        await().until(() -> factory.live.get() == 2);
        assertThat(pool.isClosed()).isTrue();
        assertThat(pool.tryAcquire()).isNull();
        assertThatThrownBy(pool::acquire)
                .isInstanceOfSatisfying(
                        RejectedException.class, e -> assertThat(e.reason()).isEqualTo(Admission.CLOSED))
                .hasMessageStartingWith("pool 'game': closed (");
        assertThat(a.get()).isNotNull(); // still usable until returned
        assertThat(closing).isNotDone(); // waits for the connections in use

        a.close();
        assertThat(factory.live.get()).isEqualTo(1);
        b.closeBroken();

        closing.get(5, TimeUnit.SECONDS);
        assertThat(factory.live.get()).isZero();
        assertThat(factory.doubleDestroys.get()).isZero();
        assertThat(factory.all).allSatisfy(c -> assertThat(c.destroyCount.get()).isEqualTo(1));
        assertThat(listener.destroyed)
                .containsExactlyInAnyOrder(DestroyReason.CLOSED, DestroyReason.CLOSED, DestroyReason.BROKEN);
        pool.close(); // idempotent
        assertThat(factory.createCalls.get()).isEqualTo(3);
    }

    @Test
    void closeWakesWaitersWithClosed() throws Exception {
        ConnectionPool<Conn> pool = fixedPool("game", 1);
        ConnectionLease<Conn> held = pool.acquire();
        CompletableFuture<ConnectionLease<Conn>> waiter = acquireInBackground(pool, Duration.ofSeconds(5));
        await().until(() -> pool.stats().pending() == 1);

        pool.close();

        assertThat(waiter)
                .failsWithin(Duration.ofSeconds(5))
                .withThrowableThat()
                .havingCause()
                .isInstanceOfSatisfying(
                        RejectedException.class, e -> assertThat(e.reason()).isEqualTo(Admission.CLOSED));
        assertThat(pool.stats().pending()).isZero();
        held.close();
        assertThat(factory.live.get()).isZero();
    }

    @Test
    void creationInFlightAtCloseIsDestroyedWhenItCompletes() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        factory.gate = gate;
        factory.entered = entered;
        ConnectionPool<Conn> pool = track(ConnectionPool.builder("game", factory)
                .maxConnections(1)
                .minConnections(1)
                .closeTimeout(Duration.ofSeconds(5))
                .build());
        assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Void> closing = CompletableFuture.runAsync(pool::close);
        await().until(pool::isClosed);
        assertThat(closing).isNotDone();
        gate.countDown();

        closing.get(5, TimeUnit.SECONDS);
        assertThat(factory.all).hasSize(1);
        assertThat(factory.all.get(0).destroyCount.get()).isEqualTo(1);
        assertThat(factory.live.get()).isZero();
    }

    @Test
    void closeGivesUpAfterCloseTimeoutAndDestroysLateReturns() {
        ConnectionPool<Conn> pool = track(inlineBuilder("game", factory)
                .maxConnections(1)
                .minConnections(1)
                .closeTimeout(Duration.ofMillis(20))
                .build());
        ConnectionLease<Conn> leaked = pool.acquire();

        pool.close(); // returns after 20 ms with a WARN

        assertThat(factory.live.get()).isEqualTo(1);
        leaked.close();
        assertThat(factory.live.get()).isZero();
    }
}
