package io.hal9.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hal9.core.Admission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class BackpressureTest extends WsTestSupport {
    private static final TestClient.Options SMALL_WINDOW =
            TestClient.Options.defaults().withReceiveBuffer(4096);

    @Test
    void aStalledReaderCostsAtMostItsQueueBoundWhileAnotherClientReceivesEverything() {
        long maxBytes = 32 * 1024;
        WsServer<Msg> server = start(b -> b.sendQueueMessages(1000).sendQueueBytes(maxBytes));
        TestClient slow = client(server, SMALL_WINDOW);
        Session<Msg> slowSession = handler.nextOpened();
        TestClient fast = client(server);
        Session<Msg> fastSession = handler.nextOpened();
        slow.reading(false);

        // 1 KiB messages, 10 MiB in all: more than the kernel's socket buffers (4 MiB at most here) can hide
        int total = 10_000;
        String kib = "k".repeat(1000);
        long maxQueued = 0;
        int slowRefused = 0;
        for (int i = 0; i < total; i++) {
            Msg m = new Msg("tick", kib, i);
            assertThat(fastSession.trySend(m)).isEqualTo(Admission.ACCEPTED);
            if (slowSession.trySend(m) == Admission.FULL) {
                slowRefused++;
            }
            maxQueued = Math.max(maxQueued, slowSession.queuedBytes());
            if (i % 16 == 15) {
                // a healthy client keeps up: wait until it has what was sent (16 KiB < its 32 KiB queue)
                int sent = i + 1;
                await().pollInterval(Duration.ofMillis(1)).until(() -> {
                    drainInto(fast);
                    return fastTaken.get() >= sent;
                });
            }
        }
        await().until(() -> {
            drainInto(fast);
            return fastTaken.get() == total;
        });
        assertThat(fastReceived).hasSize(total);
        for (int i = 0; i < total; i++) {
            assertThat(fastReceived.get(i).n()).isEqualTo(i);
        }
        assertThat(maxQueued).isLessThanOrEqualTo(maxBytes);
        assertThat(slowSession.queuedBytes()).isLessThanOrEqualTo(maxBytes);
        assertThat(slowRefused).isPositive();
        WsServer.Stats st = server.stats();
        assertThat(st.droppedByPolicy()).containsEntry(OverflowPolicy.DROP_NEWEST, (long) slowRefused);
        assertThat(st.queuedBytes()).isLessThanOrEqualTo(maxBytes);
        assertThat(slowSession.isOpen()).isTrue();
    }

    private final List<Msg> fastReceived = new ArrayList<>();
    private final AtomicInteger fastTaken = new AtomicInteger();

    private void drainInto(TestClient c) {
        String t;
        while ((t = c.texts.poll()) != null) {
            if (!t.startsWith("{\"hal9\"")) {
                fastReceived.add(parse(t));
                fastTaken.incrementAndGet();
            }
        }
    }

    @Test
    void underPolicyDisconnectAStalledReaderIsClosedWith1008() {
        WsServer<Msg> server = start(
                b -> b.sendQueueMessages(100).sendQueueBytes(16 * 1024).overflowPolicy(OverflowPolicy.DISCONNECT));
        TestClient slow = client(server, SMALL_WINDOW);
        Session<Msg> s = handler.nextOpened();
        slow.reading(false);
        int i = 0;
        while (s.isOpen() && i < 1_000_000) {
            s.trySend(new Msg("tick", "x".repeat(64), i++));
            if (s.queuedMessages() > 0 && i % 100 == 0) {
                // let the event loop drain what it can so that the socket and its buffers fill up
                CompletableFuture<Void> turn = new CompletableFuture<>();
                s.send(new Msg("mark", "", i)).whenComplete((v, e) -> turn.complete(null));
                turn.completeOnTimeout(null, 50, TimeUnit.MILLISECONDS).join();
            }
        }
        assertThat(handler.closeCodeOf(s)).isEqualTo(1008);
        assertThat(s.trySend(Msg.of("late", 1))).isEqualTo(Admission.CLOSED);
        WsServer.Stats st = server.stats();
        assertThat(st.slowConsumerDisconnects()).isEqualTo(1);
        assertThat(st.droppedByPolicy().get(OverflowPolicy.DISCONNECT)).isPositive();
        assertThat(st.closedByCode()).containsEntry(1008, 1L);
        slow.reading(true);
        assertThat(slow.awaitClose(Duration.ofSeconds(10))).isIn(1008, 1006);
    }

    @Test
    void underPolicyDropOldestTheNewestMessagesArrive() {
        WsServer<Msg> server = start(b -> b.sendQueueMessages(100).overflowPolicy(OverflowPolicy.DROP_OLDEST));
        TestClient slow = client(server);
        Session<Msg> s = handler.nextOpened();
        slow.reading(false);
        // 1 KiB messages, 10 MiB in all: more than the socket buffers hold
        int total = 10_000;
        String kib = "y".repeat(1000);
        for (int i = 0; i < total; i++) {
            assertThat(s.trySend(new Msg("tick", kib, i))).isEqualTo(Admission.ACCEPTED);
        }
        await().until(() -> server.stats().droppedByPolicy().get(OverflowPolicy.DROP_OLDEST) > 0);
        await().until(() -> s.queuedMessages() <= 100);
        slow.reading(true);
        long last = -1;
        while (last != total - 1) {
            long n = parse(slow.nextData()).n();
            assertThat(n).isGreaterThan(last); // in order, dropped ones skipped
            last = n;
        }
        assertThat(s.isOpen()).isTrue();
    }

    @Test
    void aReaderThatPausesFor200msAtGameRatesLosesNothingWithTheDefaults() throws Exception {
        WsServer<Msg> server = start(b -> b);
        TestClient c = client(server, SMALL_WINDOW);
        Session<Msg> s = handler.nextOpened();
        // 5,000 messages/s of about 64 bytes of JSON, for one second: 5 messages every millisecond
        int perTick = 5;
        int ticks = 1000;
        AtomicLong next = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        AtomicLong maxQueued = new AtomicLong();
        ScheduledExecutorService producer = Executors.newSingleThreadScheduledExecutor();
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            c.reading(false);
            c.resumeReadingAfter(Duration.ofMillis(200));
            ScheduledFuture<?> task = producer.scheduleAtFixedRate(
                    () -> {
                        for (int k = 0; k < perTick; k++) {
                            long n = next.getAndIncrement();
                            if (n >= (long) perTick * ticks) {
                                done.complete(null);
                                return;
                            }
                            if (s.trySend(new Msg("t", "abcdefghijklmnopqrst", n)) != Admission.ACCEPTED) {
                                refused.incrementAndGet();
                            }
                        }
                        maxQueued.accumulateAndGet(s.queuedMessages(), Math::max);
                    },
                    0,
                    1,
                    TimeUnit.MILLISECONDS);
            done.get(30, TimeUnit.SECONDS);
            task.cancel(false);
        } finally {
            producer.shutdownNow();
        }
        long total = (long) perTick * ticks;
        for (long n = 0; n < total; n++) {
            assertThat(parse(c.nextData()).n()).isEqualTo(n);
        }
        assertThat(refused.get()).isZero();
        assertThat(server.stats().droppedTotal()).isZero();
        assertThat(maxQueued.get())
                .as("the pause backed up into the session's queue")
                .isPositive();
    }
}
