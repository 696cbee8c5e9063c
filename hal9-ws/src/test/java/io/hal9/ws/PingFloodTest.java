package io.hal9.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client that floods pings and never reads (issue 16: answered pong by pong past the send queue, such a flood
 * filled a 1 GiB heap). Pings count against the inbound rate, so a flood over the rate is closed with 1008; a
 * flood under the rate costs one pending pong per session, whatever the client does not read. Both run on one
 * event loop shared with a normal session, which must keep receiving.
 *
 * <p>Memory is measured in this JVM (server and clients): heap used after a full GC before the flood and at its
 * end (while what the flood left is still referenced), and, sampled every 20 ms, the direct memory of Netty's
 * allocators (the sessions' {@code PooledByteBufAllocator.DEFAULT} and the channels' {@code
 * ByteBufAllocator.DEFAULT}, adaptive in Netty 4.2) and of the JDK's direct buffer pool. Bounds: heap +48 MiB,
 * direct +32 MiB; a normal session's messages delayed under 50 ms at the median and under 500 ms at the worst
 * (measured here: +0-1 MiB heap, +0-10 MiB direct; median 0 ms, p99 3-33 ms, max 14-33 ms).
 * Against the code before issue 16, the flood over the rate is never closed and the flood under it gets a pong
 * per ping.
 */
@Timeout(120)
class PingFloodTest extends WsTestSupport {
    private static ResourceLeakDetector.Level leakLevel = ResourceLeakDetector.getLevel();

    /**
     * The module's tests run with paranoid leak detection, which takes a stack trace at every buffer access: about
     * 60 µs per ping on this machine, so the event loop would measure the detector rather than the flood. Sampled
     * detection (the default level) still reports leaks.
     */
    @BeforeAll
    static void sampledLeakDetection() {
        leakLevel = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);
    }

    @AfterAll
    static void restoreLeakDetection() {
        ResourceLeakDetector.setLevel(leakLevel);
    }

    /** Growth of heap (after GC) allowed during a flood. A pong per ping needs hundreds of MiB. */
    static final long HEAP_BOUND = 48L * 1024 * 1024;
    /** Growth of direct memory allowed during a flood (a few allocator chunks). */
    static final long DIRECT_BOUND = 32L * 1024 * 1024;
    /**
     * The median delay of a normal session's messages on the flooded event loop: a loop kept busy by the flood
     * delays every message. The machine these tests share (2 cores, other builds) stalls the whole process now and
     * then, which delays a few consecutive messages: {@link #LATENCY_MAX} bounds those.
     */
    static final Duration LATENCY_MEDIAN = Duration.ofMillis(50);

    static final Duration LATENCY_MAX = Duration.ofMillis(500);

    @Test
    void aClientFloodingPingsOverTheRateIsClosedWith1008AndMemoryStaysBounded() throws Exception {
        WsServer<Msg> server = oneLoopServer(b -> b); // defaults: 200/s, burst 400, 1000 refused in a row
        Ticks ticks = normalSession(server);
        Memory memory = Memory.start();

        Flooder flooder = Flooder.connect(server.port());
        Session<Msg> flooded = handler.nextOpened();
        CompletableFuture<IOException> ended = flooder.floodUntilClosed(Duration.ofSeconds(20));

        assertThat(handler.closeCodeOf(flooded)).isEqualTo(1008);
        assertThat(ended.get(20, TimeUnit.SECONDS))
                .as("the flooder saw its connection closed")
                .isNotNull();
        await().untilAsserted(() -> {
            WsServer.Stats st = server.stats();
            assertThat(st.rateLimitDisconnects()).isEqualTo(1);
            assertThat(st.closedByCode()).containsEntry(1008, 1L);
            // the burst was answered, then maxRateLimitedInRow pings in a row were refused
            assertThat(st.rateLimited()).isGreaterThanOrEqualTo(WsServer.DEFAULT_MAX_RATE_LIMITED_IN_ROW);
            assertThat(st.controlFramesIn())
                    .isGreaterThanOrEqualTo(
                            WsServer.DEFAULT_INBOUND_BURST + (long) WsServer.DEFAULT_MAX_RATE_LIMITED_IN_ROW);
        });
        ticks.runFor(Duration.ofMillis(500)); // and afterwards
        memory.stop();
        ticks.stop();

        System.out.printf(
                "ping flood over the rate: %,d pings sent, closed 1008; %s; normal session %s%n",
                flooder.sent.get(), memory, ticks);
        memory.assertBounded();
        ticks.assertOnTime();
        flooder.close();
    }

    @Test
    void aNonReadingClientPingingUnderTheRateCostsOnePendingPong() throws Exception {
        // a rate no flood from one client reaches on this machine: every ping is admitted
        WsServer<Msg> server = oneLoopServer(
                b -> b.inboundRate(1_000_000).inboundBurst(1_000_000).maxRateLimitedInRow(0));
        Memory memory = Memory.start();
        Ticks ticks = normalSession(server);

        Flooder flooder = Flooder.connect(server.port());
        Session<Msg> flooded = handler.nextOpened();
        // 10,000 pings/s for 4 s: 5 MiB of pongs, far more than the socket buffers take (the client's receive
        // buffer is 16 KiB)
        flooder.floodAtRate(10_000, Duration.ofSeconds(4));
        long sent = flooder.sent.get();
        await().atMost(Duration.ofSeconds(30)).until(() -> server.stats().controlFramesIn() == sent);
        ticks.stop();
        memory.stop(); // the flooder has not read: its pending pong and full socket buffers are still there
        WsServer.Stats st = server.stats();
        System.out.printf(
                "ping flood under the rate: %,d pings, %,d coalesced; %s; normal session %s%n",
                sent, st.pongsCoalesced(), memory, ticks);

        assertThat(flooded.isOpen()).isTrue();
        assertThat(st.rateLimited()).isZero();
        memory.assertBounded();
        ticks.assertOnTime();

        // the client reads at last: it gets every pong written, then the pending one, which answers the last ping
        Flooder.Pongs pongs = flooder.readPongsUntil(sent - 1, Duration.ofSeconds(30));
        assertThat(pongs.last()).isEqualTo(sent - 1);
        assertThat(pongs.count())
                .as("pongs written: one per ping not coalesced")
                .isEqualTo(sent - server.stats().pongsCoalesced());
        assertThat(pongs.count())
                .as("pongs written while the client did not read (socket buffers and the pending one)")
                .isLessThan(sent / 4);
        assertThat(flooded.isOpen()).isTrue();
        flooder.close();
    }

    // ---------------------------------------------------------------- helpers

    private WsServer<Msg> oneLoopServer(java.util.function.UnaryOperator<WsServer.Builder<Msg>> options) {
        // one event loop: the flooder and the normal session share it
        WsServer<Msg> server = options.apply(WsServer.builder("flood", codec, handler)
                        .host("127.0.0.1")
                        .eventLoopThreads(1))
                .build();
        handler.server = server;
        toClose.add(server);
        return server.start();
    }

    /** A normal client that the server sends a timestamped message every 5 ms. */
    private Ticks normalSession(WsServer<Msg> server) {
        TestClient normal = client(server);
        Session<Msg> session = handler.nextOpened();
        Ticks t = new Ticks(normal, session);
        toClose.add(0, t::stop);
        t.start();
        return t;
    }

    static final class Ticks {
        final TestClient client;
        final Session<Msg> session;
        final ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor();
        final List<Long> latenciesNanos = Collections.synchronizedList(new ArrayList<>());
        final AtomicLong sent = new AtomicLong();
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread receiver;

        Ticks(TestClient client, Session<Msg> session) {
            this.client = client;
            this.session = session;
            this.receiver = Thread.ofPlatform().daemon().name("ticks").unstarted(this::receive);
        }

        void start() {
            // warm up the path (and the JSON parsing of the receiver) so that the first ticks measure the server
            for (int i = 0; i < 50; i++) {
                session.trySend(Msg.of("warm", i));
                parse(client.nextText());
            }
            sender.scheduleAtFixedRate(
                    () -> {
                        if (session.trySend(Msg.of("tick", System.nanoTime())).isAccepted()) {
                            sent.incrementAndGet();
                        }
                    },
                    0,
                    5,
                    TimeUnit.MILLISECONDS);
            receiver.start();
        }

        private void receive() {
            while (running.get()) {
                try {
                    String t = client.texts.poll(100, TimeUnit.MILLISECONDS);
                    if (t != null) {
                        latenciesNanos.add(System.nanoTime() - parse(t).n());
                    }
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        /** Keeps ticking for {@code d} more (waits until that many more ticks were received). */
        void runFor(Duration d) {
            int target = latenciesNanos.size() + (int) (d.toMillis() / 5);
            await().atMost(Duration.ofSeconds(10)).until(() -> latenciesNanos.size() >= target);
        }

        void stop() throws InterruptedException {
            sender.shutdownNow();
            sender.awaitTermination(5, TimeUnit.SECONDS);
            // everything sent arrives, then the receiver stops
            await().atMost(Duration.ofSeconds(10)).until(() -> latenciesNanos.size() >= sent.get());
            running.set(false);
            receiver.join(5_000);
        }

        long maxMillis() {
            synchronized (latenciesNanos) {
                return latenciesNanos.stream().mapToLong(Long::longValue).max().orElse(0) / 1_000_000;
            }
        }

        long percentileMillis(double p) {
            synchronized (latenciesNanos) {
                long[] sorted = latenciesNanos.stream()
                        .mapToLong(Long::longValue)
                        .sorted()
                        .toArray();
                return sorted.length == 0
                        ? 0
                        : sorted[(int) Math.min(sorted.length - 1, sorted.length * p)] / 1_000_000;
            }
        }

        void assertOnTime() {
            assertThat(latenciesNanos.size())
                    .as("ticks received")
                    .isGreaterThan(100)
                    .isEqualTo((int) sent.get());
            assertThat(percentileMillis(0.5)).as("median tick delay, ms").isLessThan(LATENCY_MEDIAN.toMillis());
            assertThat(maxMillis()).as("latest tick, ms").isLessThan(LATENCY_MAX.toMillis());
        }

        @Override
        public String toString() {
            return latenciesNanos.size() + " messages, p50 " + percentileMillis(0.5) + " ms, p99 "
                    + percentileMillis(0.99) + " ms, max " + maxMillis() + " ms";
        }
    }

    /**
     * Direct memory sampled every 20 ms (peaks kept); heap measured after a full GC before the flood and at its
     * end, while what the flood left is still referenced (forcing GCs during the flood would stall the event
     * loop it measures).
     */
    static final class Memory {
        final long heapBase = heapAfterGc();
        final long allocatorsBase = allocatorsDirect();
        final long jdkBase = jdkDirect();
        final AtomicLong allocatorsPeak = new AtomicLong(allocatorsBase);
        final AtomicLong jdkPeak = new AtomicLong(jdkBase);
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread sampler = Thread.ofPlatform().daemon().name("memory").unstarted(this::sample);
        long heapEnd;

        static Memory start() {
            Memory m = new Memory();
            m.sampler.start();
            return m;
        }

        private void sample() {
            while (running.get()) {
                allocatorsPeak.accumulateAndGet(allocatorsDirect(), Math::max);
                jdkPeak.accumulateAndGet(jdkDirect(), Math::max);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // a sampling period
            }
        }

        void stop() throws InterruptedException {
            running.set(false);
            sampler.join(10_000);
            heapEnd = heapAfterGc();
        }

        void assertBounded() {
            assertThat(heapEnd - heapBase).as("heap growth after GC").isLessThan(HEAP_BOUND);
            assertThat(allocatorsPeak.get() - allocatorsBase)
                    .as("Netty allocators' direct memory growth")
                    .isLessThan(DIRECT_BOUND);
            assertThat(jdkPeak.get() - jdkBase).as("JDK direct buffers growth").isLessThan(DIRECT_BOUND);
        }

        static long heapAfterGc() {
            System.gc();
            return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        }

        static long allocatorsDirect() {
            long pooled = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
            ByteBufAllocator channels = ByteBufAllocator.DEFAULT;
            if (channels != PooledByteBufAllocator.DEFAULT && channels instanceof ByteBufAllocatorMetricProvider p) {
                pooled += p.metric().usedDirectMemory();
            }
            return pooled;
        }

        static long jdkDirect() {
            for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
                if (b.getName().equals("direct")) {
                    return b.getMemoryUsed();
                }
            }
            return 0;
        }

        @Override
        public String toString() {
            long mib = 1024 * 1024;
            return "heap after GC +" + (heapEnd - heapBase) / mib + " MiB at the end, allocators' direct +"
                    + (allocatorsPeak.get() - allocatorsBase) / mib + " MiB, JDK direct +"
                    + (jdkPeak.get() - jdkBase) / mib + " MiB at the peak";
        }
    }

    /**
     * A raw client on a plain socket: handshakes, then writes masked pings of the largest payload (125 bytes,
     * starting with an 8-byte sequence number).
     */
    static final class Flooder implements AutoCloseable {
        static final int PAYLOAD = 125;
        static final int FRAME = 2 + 4 + PAYLOAD;
        final Socket socket;
        final OutputStream out;
        final InputStream in;
        final AtomicLong sent = new AtomicLong();

        private Flooder(Socket socket) throws IOException {
            this.socket = socket;
            this.out = socket.getOutputStream();
            this.in = socket.getInputStream();
        }

        static Flooder connect(int port) throws IOException {
            Socket s = new Socket();
            s.setReceiveBufferSize(16 * 1024); // a window that fills at once: the server's writes back up
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            s.setSoTimeout(30_000);
            Flooder f = new Flooder(s);
            f.out.write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
                            + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                            + "Sec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            f.out.flush();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                int b = f.in.read();
                if (b < 0) {
                    throw new IOException("closed during the handshake: " + head);
                }
                head.write(b);
            }
            assertThat(head.toString(StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 101");
            return f;
        }

        /** Pings numbered from {@link #sent}, {@code count} of them in one buffer. */
        private byte[] pings(int count) {
            ByteBuffer b = ByteBuffer.allocate(count * FRAME);
            for (int i = 0; i < count; i++) {
                long seq = sent.get() + i;
                int mask = 0x5a3c96e1;
                b.put((byte) 0x89).put((byte) (0x80 | PAYLOAD)).putInt(mask);
                long masked = seq ^ (((long) mask << 32) | (mask & 0xffffffffL));
                b.putLong(masked);
                for (int k = 8; k < PAYLOAD; k++) {
                    b.put((byte) ('p' ^ (mask >>> (8 * (3 - k % 4)))));
                }
            }
            return b.array();
        }

        /** Floods on another thread at full speed; completes with the write failure when the server closes. */
        CompletableFuture<IOException> floodUntilClosed(Duration max) {
            CompletableFuture<IOException> ended = new CompletableFuture<>();
            Thread.ofPlatform().daemon().name("flooder").start(() -> {
                long deadline = System.nanoTime() + max.toNanos();
                try {
                    while (System.nanoTime() < deadline) {
                        out.write(pings(4096));
                        sent.addAndGet(4096);
                    }
                    ended.complete(null);
                } catch (IOException e) {
                    ended.complete(e);
                }
            });
            return ended;
        }

        /** Floods from this thread at {@code perSecond}, in slices of 10 ms, for {@code duration}. */
        void floodAtRate(int perSecond, Duration duration) throws IOException {
            int perSlice = perSecond / 100;
            long start = System.nanoTime();
            long slices = duration.toMillis() / 10;
            for (long i = 0; i < slices; i++) {
                out.write(pings(perSlice));
                sent.addAndGet(perSlice);
                long next = start + (i + 1) * TimeUnit.MILLISECONDS.toNanos(10);
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait); // pacing the flood, not waiting for the server
                }
            }
        }

        record Pongs(long count, long last) {}

        /** Reads frames until a pong carrying {@code seq}: how many pongs came, and the last one's number. */
        Pongs readPongsUntil(long seq, Duration within) throws IOException {
            socket.setSoTimeout((int) within.toMillis());
            DataInputStream d = new DataInputStream(in);
            long lastPong = -1;
            long count = 0;
            long deadline = System.nanoTime() + within.toNanos();
            while (lastPong != seq && System.nanoTime() < deadline) {
                int b0 = d.readUnsignedByte();
                int len = d.readUnsignedByte() & 0x7f;
                if (len == 126) {
                    len = d.readUnsignedShort();
                } else if (len == 127) {
                    len = (int) d.readLong();
                }
                byte[] payload = new byte[len];
                d.readFully(payload);
                if ((b0 & 0x0f) == 0xA) {
                    assertThat(len).isEqualTo(PAYLOAD);
                    long got = ByteBuffer.wrap(payload).getLong();
                    assertThat(got).as("pongs answer pings in order").isGreaterThan(lastPong);
                    lastPong = got;
                    count++;
                }
            }
            return new Pongs(count, lastPong);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
