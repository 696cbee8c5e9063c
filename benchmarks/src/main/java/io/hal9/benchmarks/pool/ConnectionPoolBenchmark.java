package io.hal9.benchmarks.pool;

import io.hal9.pool.ConnectionFactory;
import io.hal9.pool.ConnectionLease;
import io.hal9.pool.ConnectionPool;
import java.time.Duration;
import java.util.NoSuchElementException;
import java.util.concurrent.TimeUnit;
import org.apache.commons.pool2.BasePooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.GenericObjectPool;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import stormpot.Allocator;
import stormpot.BasePoolable;
import stormpot.Pool;
import stormpot.PoolTap;
import stormpot.Slot;
import stormpot.Timeout;

/**
 * The cost of a non-blocking claim and its return on a pool of 4 warm "connections" (small objects),
 * uncontended (1 thread) and with 2 threads, so that a connection is always free: HAL9's {@link
 * ConnectionPool#tryAcquire()} + {@code close()} against Apache Commons Pool2's {@code
 * GenericObjectPool} ({@code borrowObject()} with {@code blockWhenExhausted=false} and a zero
 * {@code maxWait}, JMX off, no eviction thread, otherwise defaults) and Stormpot 4.1 ({@code
 * tryClaim()}, its claim without waiting, on the {@code getThreadSafeTap()} its docs recommend for
 * platform threads, which serves each thread's last slot first; otherwise defaults). Run with {@code -prof gc}: HAL9
 * is expected to allocate 0 B/op once the JIT has inlined the try-with-resources block.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class ConnectionPoolBenchmark {
    static final int CONNECTIONS = 4;

    @Param({"hal9", "commons-pool2", "stormpot"})
    public String impl;

    private Claimer pool;

    @Setup
    public void setUp() throws Exception {
        pool = switch (impl) {
            case "hal9" -> new Hal9();
            case "commons-pool2" -> new CommonsPool2();
            case "stormpot" -> new Stormpot();
            default -> throw new IllegalArgumentException("unknown impl " + impl);
        };
    }

    @TearDown
    public void tearDown() {
        pool.close();
    }

    @Benchmark
    @Threads(1)
    public boolean tryAcquireRelease1Thread(Blackhole bh) {
        return pool.claimAndRelease(bh);
    }

    @Benchmark
    @Threads(2)
    public boolean tryAcquireRelease2Threads(Blackhole bh) {
        return pool.claimAndRelease(bh);
    }

    /** The pooled "connection": small, as the benchmark measures the pool, not the object. */
    static final class Conn {
        long uses;
    }

    /** One pool under test: claim without waiting, touch the object, give it back. */
    interface Claimer {
        /** Returns false if nothing was free (never expected here: 4 connections, at most 2 threads). */
        boolean claimAndRelease(Blackhole bh);

        void close();
    }

    static final class Hal9 implements Claimer {
        private final ConnectionPool<Conn> pool = ConnectionPool.builder("bench", new ConnectionFactory<Conn>() {
                    @Override
                    public Conn create() {
                        return new Conn();
                    }

                    @Override
                    public void destroy(Conn connection) {}
                })
                .maxConnections(CONNECTIONS)
                .minConnections(CONNECTIONS)
                .build();

        Hal9() {
            // Wait for the background fill, so that no claim in the measurement starts a creation.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (pool.stats().idle() < CONNECTIONS) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("pool not filled: " + pool);
                }
                Thread.onSpinWait();
            }
        }

        @Override
        public boolean claimAndRelease(Blackhole bh) {
            try (ConnectionLease<Conn> lease = pool.tryAcquire()) {
                if (lease == null) {
                    return false;
                }
                // Consume the connection, not the lease: a lease handed to the Blackhole would escape
                // and measure an allocation that a real try-with-resources block does not pay.
                bh.consume(lease.get());
                return true;
            }
        }

        @Override
        public void close() {
            pool.close();
        }
    }

    static final class CommonsPool2 implements Claimer {
        private final GenericObjectPool<Conn> pool;

        CommonsPool2() throws Exception {
            GenericObjectPoolConfig<Conn> config = new GenericObjectPoolConfig<>();
            config.setMaxTotal(CONNECTIONS);
            config.setMaxIdle(CONNECTIONS);
            config.setMinIdle(CONNECTIONS);
            config.setBlockWhenExhausted(false);
            config.setMaxWait(Duration.ZERO);
            config.setJmxEnabled(false);
            pool = new GenericObjectPool<>(
                    new BasePooledObjectFactory<>() {
                        @Override
                        public Conn create() {
                            return new Conn();
                        }

                        @Override
                        public PooledObject<Conn> wrap(Conn obj) {
                            return new DefaultPooledObject<>(obj);
                        }
                    },
                    config);
            pool.preparePool();
        }

        @Override
        public boolean claimAndRelease(Blackhole bh) {
            Conn c;
            try {
                c = pool.borrowObject();
            } catch (NoSuchElementException exhausted) {
                return false;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            try {
                bh.consume(c);
            } finally {
                pool.returnObject(c);
            }
            return true;
        }

        @Override
        public void close() {
            pool.close();
        }
    }

    static final class Stormpot implements Claimer {
        private final Pool<StormConn> pool = Pool.from(new Allocator<StormConn>() {
                    @Override
                    public StormConn allocate(Slot slot) {
                        return new StormConn(slot);
                    }

                    @Override
                    public void deallocate(StormConn poolable) {}
                })
                .setSize(CONNECTIONS)
                .build();

        /** The tap Stormpot recommends for platform threads: it caches each thread's last slot. */
        private final PoolTap<StormConn> tap;

        Stormpot() throws InterruptedException {
            // Wait for the background allocation, as for HAL9.
            Timeout wait = new Timeout(10, TimeUnit.SECONDS);
            StormConn[] all = new StormConn[CONNECTIONS];
            for (int i = 0; i < CONNECTIONS; i++) {
                all[i] = pool.claim(wait);
                if (all[i] == null) {
                    throw new IllegalStateException("stormpot pool not filled");
                }
            }
            for (StormConn c : all) {
                c.release();
            }
            tap = pool.getThreadSafeTap();
        }

        @Override
        public boolean claimAndRelease(Blackhole bh) {
            StormConn c = tap.tryClaim(); // Stormpot 4's claim without waiting
            if (c == null) {
                return false;
            }
            try {
                bh.consume(c.conn);
            } finally {
                c.release();
            }
            return true;
        }

        @Override
        public void close() {
            try {
                pool.shutdown().await(new Timeout(10, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static final class StormConn extends BasePoolable {
        final Conn conn = new Conn();

        StormConn(Slot slot) {
            super(slot);
        }
    }
}
