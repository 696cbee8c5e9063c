package io.hal9.benchmarks.pool;

import io.hal9.pool.Lease;
import io.hal9.pool.ObjectPool;
import io.netty.channel.DefaultEventLoop;
import io.netty.util.Recycler;
import java.util.concurrent.Callable;
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
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import stormpot.Expiration;
import stormpot.Pool;
import stormpot.PoolBuilder;
import stormpot.PoolTap;
import stormpot.Poolable;
import stormpot.Slot;
import stormpot.Timeout;

/**
 * Claim + release of a 1 KiB game-state object ({@code long[128]} and a tick), at 1 and 2 threads: HAL9's
 * {@link ObjectPool} against Apache Commons Pool2 ({@code GenericObjectPool}), Stormpot 4, Netty's {@code
 * Recycler} and plain allocation ({@code new}, the JVM's own answer), all in one run with the same flags.
 *
 * <p>Each cycle claims an object, writes its tick and one array slot, hands it to the {@link Blackhole}
 * (so that {@code new} cannot be scalar-replaced, and every impl pays the same), and releases it; a
 * release resets the tick (HAL9's reset hook, Commons Pool2's {@code passivateObject}, by hand for
 * Stormpot and the Recycler, which have no hook). Anchors are tuned as their own docs and benchmarks
 * recommend: Commons Pool2 without JMX or borrow/return/idle tests; Stormpot without expiration,
 * background expiration or precise leak detection, with its virtual-thread-safe tap on virtual threads;
 * Recycler with its defaults. Stormpot also runs as built with its defaults ({@code stormpot-defaults}):
 * that is the configuration whose figure the pool's issue quotes (about 25 M/s on one thread of these
 * machines, where the tuned pool does over 100 M/s), and the one a team gets from Stormpot's first
 * example. HAL9's pool has no expiration, so the tuned anchor is the like-for-like one.
 *
 * <p>{@code threadKind}: {@code platform} runs the cycles on JMH's own (ordinary) threads; {@code
 * netty-ftl} hands each batch to a Netty event loop ({@link DefaultEventLoop}: a {@code
 * FastThreadLocalThread}, one per JMH thread) and waits for it; {@code virtual} runs each batch on a new
 * virtual thread, as a server with a virtual thread per connection would. Every invocation is a batch of
 * {@value #BATCH} cycles ({@link OperationsPerInvocation}), so scores are per cycle. The batch is large
 * because the hand-off is not free: a smoke run on a busy 2-core VM measured about 60 us per hand-off (a
 * future and two wake-ups), 6 ns per cycle with batches of 10,000, under 1 ns with these. {@code -prof
 * gc}'s {@code gc.alloc.rate.norm} is the allocation per cycle, hand-off included.
 *
 * <p>Note on the Recycler: Netty 4.2's {@code Recycler} pools only on {@code FastThreadLocalThread}s by
 * default; the smoke run saw it allocate a fresh object (about 1 KiB per cycle) on ordinary and virtual
 * threads, so there it measures allocation plus the Recycler's bookkeeping.
 *
 * <p>36 runs (6 impls x 3 thread kinds x 2 thread counts) of 5 s plus a fork each: about 4 minutes.
 * Narrow with {@code -p impl=hal9,netty-recycler -p threadKind=platform}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class ObjectPoolBenchmark {
    /** Cycles per invocation. */
    static final int BATCH = 100_000;

    @Param({"hal9", "commons-pool2", "stormpot", "stormpot-defaults", "netty-recycler", "new"})
    public String impl;

    @Param({"platform", "netty-ftl", "virtual"})
    public String threadKind;

    private Impl pool;

    @Setup
    public void setUp() {
        boolean virtual = threadKind.equals("virtual");
        pool = switch (impl) {
            case "hal9" -> new Hal9();
            case "commons-pool2" -> new CommonsPool2();
            case "stormpot" -> new Stormpot(virtual, false);
            case "stormpot-defaults" -> new Stormpot(virtual, true);
            case "netty-recycler" -> new NettyRecycler();
            case "new" -> new Allocation();
            default -> throw new IllegalArgumentException("unknown impl " + impl);
        };
    }

    @TearDown
    public void tearDown() throws Exception {
        pool.close();
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(BATCH)
    public long claimRelease1Thread(Worker worker, Blackhole bh) throws Exception {
        return worker.run(pool, bh);
    }

    @Benchmark
    @Threads(2)
    @OperationsPerInvocation(BATCH)
    public long claimRelease2Threads(Worker worker, Blackhole bh) throws Exception {
        return worker.run(pool, bh);
    }

    /** Runs a batch on the thread kind under test, on behalf of one JMH thread. */
    @State(Scope.Thread)
    public static class Worker {
        private String kind = "platform";
        private DefaultEventLoop loop;

        @Setup
        public void setUp(ObjectPoolBenchmark benchmark) {
            kind = benchmark.threadKind;
            if (kind.equals("netty-ftl")) {
                loop = new DefaultEventLoop(); // its thread is a FastThreadLocalThread
            }
        }

        @TearDown
        public void tearDown() {
            if (loop != null) {
                loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            }
        }

        long run(Impl pool, Blackhole bh) throws Exception {
            Callable<Long> batch = () -> pool.cycles(BATCH, bh);
            return switch (kind) {
                case "platform" -> batch.call();
                case "netty-ftl" -> loop.submit(batch).get();
                case "virtual" -> onVirtualThread(batch);
                default -> throw new IllegalArgumentException("unknown threadKind " + kind);
            };
        }

        private static long onVirtualThread(Callable<Long> batch) throws Exception {
            long[] result = new long[1];
            Exception[] failure = new Exception[1];
            Thread thread = Thread.ofVirtual().start(() -> {
                try {
                    result[0] = batch.call();
                } catch (Exception e) {
                    failure[0] = e;
                }
            });
            thread.join(); // join is the happens-before edge for result and failure
            if (failure[0] != null) {
                throw failure[0];
            }
            return result[0];
        }
    }

    /** The pooled object: 1 KiB of game state. */
    public static class GameState {
        long tick;
        final long[] data = new long[128];

        /** What a cycle does with a claimed object; returns something to sum. */
        final long use(int i) {
            tick = i;
            data[i & 127] += i;
            return data[0];
        }
    }

    /** One implementation: runs n claim/use/release cycles on the calling thread. */
    abstract static class Impl {
        abstract long cycles(int n, Blackhole bh) throws Exception;

        /** Shuts the pool down (not AutoCloseable: Stormpot's shutdown may be interrupted). */
        void close() throws Exception {}
    }

    static final class Hal9 extends Impl {
        private final ObjectPool<GameState> pool = ObjectPool.builder("bench", GameState::new)
                .reset(s -> s.tick = 0)
                .build();

        @Override
        long cycles(int n, Blackhole bh) {
            long sum = 0;
            for (int i = 0; i < n; i++) {
                try (Lease<GameState> lease = pool.claim()) {
                    GameState s = lease.get();
                    sum += s.use(i);
                    bh.consume(s);
                }
            }
            return sum;
        }

        @Override
        void close() {
            pool.close();
        }
    }

    static final class CommonsPool2 extends Impl {
        private final GenericObjectPool<GameState> pool;

        CommonsPool2() {
            GenericObjectPoolConfig<GameState> config = new GenericObjectPoolConfig<>();
            config.setMaxTotal(64);
            config.setMaxIdle(64);
            config.setJmxEnabled(false);
            config.setTestOnBorrow(false);
            config.setTestOnCreate(false);
            config.setTestOnReturn(false);
            config.setTestWhileIdle(false);
            pool = new GenericObjectPool<>(
                    new BasePooledObjectFactory<>() {
                        @Override
                        public GameState create() {
                            return new GameState();
                        }

                        @Override
                        public PooledObject<GameState> wrap(GameState state) {
                            return new DefaultPooledObject<>(state);
                        }

                        @Override
                        public void passivateObject(PooledObject<GameState> p) {
                            p.getObject().tick = 0;
                        }
                    },
                    config);
        }

        @Override
        long cycles(int n, Blackhole bh) throws Exception {
            long sum = 0;
            for (int i = 0; i < n; i++) {
                GameState s = pool.borrowObject();
                try {
                    sum += s.use(i);
                    bh.consume(s);
                } finally {
                    pool.returnObject(s);
                }
            }
            return sum;
        }

        @Override
        void close() {
            pool.close();
        }
    }

    /**
     * Stormpot tuned ({@code stormpot}) or as its README's first example builds it ({@code
     * stormpot-defaults}: only the size set, so time-spread expiration of 8 to 10 minutes, background
     * expiration and precise leak detection on, claimed through the pool itself).
     */
    static final class Stormpot extends Impl {
        private static final Timeout TIMEOUT = new Timeout(10, TimeUnit.SECONDS);
        private final Pool<StormpotState> pool;
        private final PoolTap<StormpotState> tap;

        Stormpot(boolean virtualThreads, boolean defaults) {
            PoolBuilder<StormpotState> builder = Pool.from(new stormpot.Allocator<StormpotState>() {
                        @Override
                        public StormpotState allocate(Slot slot) {
                            return new StormpotState(slot);
                        }

                        @Override
                        public void deallocate(StormpotState poolable) {}
                    })
                    .setSize(16);
            if (defaults) {
                pool = builder.build();
                tap = pool;
            } else {
                pool = builder.setExpiration(Expiration.never())
                        .setBackgroundExpirationEnabled(false)
                        .setPreciseLeakDetectionEnabled(false)
                        .setOptimizeForReducedMemoryUsage(false)
                        .build();
                tap = virtualThreads ? pool.getVirtualThreadSafeTap() : pool.getThreadSafeTap();
            }
        }

        @Override
        long cycles(int n, Blackhole bh) throws Exception {
            long sum = 0;
            for (int i = 0; i < n; i++) {
                StormpotState s = tap.claim(TIMEOUT);
                try {
                    sum += s.use(i);
                    bh.consume(s);
                } finally {
                    s.tick = 0;
                    s.release();
                }
            }
            return sum;
        }

        @Override
        void close() throws Exception {
            pool.shutdown().await(TIMEOUT);
        }
    }

    /** Stormpot's objects must implement Poolable and know their slot. */
    static final class StormpotState extends GameState implements Poolable {
        private final Slot slot;

        StormpotState(Slot slot) {
            this.slot = slot;
        }

        @Override
        public void release() {
            slot.release(this);
        }
    }

    static final class NettyRecycler extends Impl {
        private final Recycler<RecycledState> recycler = new Recycler<>() {
            @Override
            protected RecycledState newObject(Recycler.Handle<RecycledState> handle) {
                return new RecycledState(handle);
            }
        };

        @Override
        long cycles(int n, Blackhole bh) {
            long sum = 0;
            for (int i = 0; i < n; i++) {
                RecycledState s = recycler.get();
                try {
                    sum += s.use(i);
                    bh.consume(s);
                } finally {
                    s.tick = 0;
                    s.handle.recycle(s);
                }
            }
            return sum;
        }
    }

    /** The Recycler's objects carry their handle. */
    static final class RecycledState extends GameState {
        final Recycler.Handle<RecycledState> handle;

        RecycledState(Recycler.Handle<RecycledState> handle) {
            this.handle = handle;
        }
    }

    static final class Allocation extends Impl {
        @Override
        long cycles(int n, Blackhole bh) {
            long sum = 0;
            for (int i = 0; i < n; i++) {
                GameState s = new GameState();
                sum += s.use(i);
                bh.consume(s);
            }
            return sum;
        }
    }
}
