package io.hal9.pool;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/** Test doubles shared by the ConnectionPool tests. */
final class ConnectionPoolFixtures {
    private ConnectionPoolFixtures() {}

    /** A pooled "connection" that knows whether someone holds it and how often it was destroyed. */
    static final class Conn {
        final int id;
        final AtomicBoolean held = new AtomicBoolean();
        final AtomicInteger destroyCount = new AtomicInteger();
        volatile boolean valid = true;

        Conn(int id) {
            this.id = id;
        }

        @Override
        public String toString() {
            return "Conn#" + id;
        }
    }

    /** Counts live objects, the most ever alive at once, and every call; can fail or block on demand. */
    static final class FakeFactory implements ConnectionFactory<Conn> {
        final AtomicInteger createCalls = new AtomicInteger();
        final AtomicInteger live = new AtomicInteger();
        final AtomicInteger maxLive = new AtomicInteger();
        final AtomicInteger validations = new AtomicInteger();
        final AtomicInteger doubleDestroys = new AtomicInteger();
        final List<Conn> all = new CopyOnWriteArrayList<>();
        volatile boolean failing;

        /** Percentage of create() calls that fail at random (0: none). */
        volatile int failurePercent;

        volatile @Nullable CountDownLatch gate;
        volatile @Nullable CountDownLatch entered;

        @Override
        public Conn create() throws Exception {
            int n = createCalls.incrementAndGet();
            CountDownLatch in = entered;
            if (in != null) {
                in.countDown();
            }
            CountDownLatch g = gate;
            if (g != null) {
                g.await();
            }
            if (failing || ThreadLocalRandom.current().nextInt(100) < failurePercent) {
                throw new IOException("backend down (attempt " + n + ")");
            }
            Conn c = new Conn(n);
            maxLive.accumulateAndGet(live.incrementAndGet(), Math::max);
            all.add(c);
            return c;
        }

        @Override
        public void destroy(Conn connection) {
            if (connection.destroyCount.incrementAndGet() != 1) {
                doubleDestroys.incrementAndGet();
            }
            live.decrementAndGet();
        }

        @Override
        public boolean validate(Conn connection) {
            validations.incrementAndGet();
            return connection.valid;
        }

        /** Connections created and not (yet) destroyed. */
        List<Conn> alive() {
            List<Conn> out = new ArrayList<>();
            for (Conn c : all) {
                if (c.destroyCount.get() == 0) {
                    out.add(c);
                }
            }
            return out;
        }
    }

    /** An executor that only queues; the test runs the tasks when it wants. */
    static final class QueueExecutor implements Executor {
        final BlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();

        @Override
        public void execute(Runnable command) {
            tasks.add(command);
        }

        int runAll() {
            int n = 0;
            for (Runnable r = tasks.poll(); r != null; r = tasks.poll()) {
                r.run();
                n++;
            }
            return n;
        }
    }

    /** Records every listener call. */
    static final class RecordingListener implements ConnectionPoolListener {
        final AtomicInteger created = new AtomicInteger();
        final List<Throwable> creationFailures = new CopyOnWriteArrayList<>();
        final List<ConnectionPool.DestroyReason> destroyed = new CopyOnWriteArrayList<>();
        final AtomicInteger timeouts = new AtomicInteger();
        final List<Long> acquiredWaits = new CopyOnWriteArrayList<>();

        @Override
        public void onCreated() {
            created.incrementAndGet();
        }

        @Override
        public void onCreationFailed(Throwable failure) {
            creationFailures.add(failure);
        }

        @Override
        public void onDestroyed(ConnectionPool.DestroyReason reason) {
            destroyed.add(reason);
        }

        @Override
        public void onTimeout() {
            timeouts.incrementAndGet();
        }

        @Override
        public void onAcquired(long waitNanos) {
            acquiredWaits.add(waitNanos);
        }
    }

    /** Runs the pool's housekeeping now, as the shared scheduler would. */
    static void housekeep(ConnectionPool<?> pool) {
        ((ConnectionPoolImpl<?>) pool).housekeep();
    }

    /** A builder for tests: runs creations inline, housekeeping only when the test asks. */
    static ConnectionPool.Builder<Conn> inlineBuilder(String name, FakeFactory factory) {
        return ConnectionPool.builder(name, factory).executor(Runnable::run).housekeepingInterval(Duration.ofHours(1));
    }
}
