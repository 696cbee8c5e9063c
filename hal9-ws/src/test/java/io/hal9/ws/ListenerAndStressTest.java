package io.hal9.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.hal9.core.Admission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ListenerAndStressTest extends WsTestSupport {

    /** Counts every callback by name. */
    static final class CountingListener implements WsServerListener {
        final Map<String, LongAdder> calls = new ConcurrentHashMap<>();

        private void count(String what) {
            calls.computeIfAbsent(what, k -> new LongAdder()).increment();
        }

        long get(String what) {
            LongAdder a = calls.get(what);
            return a == null ? 0 : a.sum();
        }

        @Override
        public void opened() {
            count("opened");
        }

        @Override
        public void closed(int code) {
            count("closed-" + code);
        }

        @Override
        public void dropped(OverflowPolicy policy) {
            count("dropped-" + policy);
        }

        @Override
        public void handshakeRejected(String reason) {
            count("rejected-" + reason);
        }

        @Override
        public void decodeError() {
            count("decodeError");
        }

        @Override
        public void rateLimited() {
            count("rateLimited");
        }
    }

    @Test
    void theListenerHearsOpensClosesRejectionsDecodeErrorsAndDrops() {
        CountingListener listener = new CountingListener();
        WsServer<Msg> server = start(b -> b.listener(listener)
                .maxConnections(1)
                .sendQueueMessages(1)
                .inboundRate(1)
                .inboundBurst(1));
        TestClient c = client(server);
        Session<Msg> s = handler.nextOpened();
        assertThatThrownBy(() -> client(server)).isInstanceOf(TestClient.Rejected.class);
        c.sendText("garbage"); // takes the only token, then fails to decode
        c.sendText("over the rate");
        await().until(() -> listener.get("decodeError") == 1 && listener.get("rateLimited") == 1);
        c.reading(false);
        int full = 0;
        for (int i = 0; i < 100_000 && full == 0; i++) {
            if (s.trySend(Msg.of("x", i)) == Admission.FULL) {
                full++;
            }
        }
        assertThat(full).isEqualTo(1);
        c.reading(true);
        c.sendClose(1000, "");
        await().until(() -> listener.get("closed-1000") == 1);
        assertThat(listener.get("opened")).isEqualTo(1);
        assertThat(listener.get("rejected-connection-limit")).isEqualTo(1);
        assertThat(listener.get("dropped-DROP_NEWEST")).isPositive();
        assertThat(server.stats().droppedByPolicy().get(OverflowPolicy.DROP_NEWEST))
                .isEqualTo(listener.get("dropped-DROP_NEWEST"));
    }

    @Test
    void manyThreadsSendingToOneSessionKeepEachThreadsOrderAndLoseNothingAccepted() throws Exception {
        long seed = System.nanoTime();
        int threads = 4;
        int perThread = 5_000;
        WsServer<Msg> server = start(b -> b.sendQueueMessages(1 << 20).sendQueueBytes(1L << 30));
        TestClient c = client(server);
        Session<Msg> s = handler.nextOpened();
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<Integer>> results = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                String name = "t" + t;
                results.add(pool.submit(() -> {
                    start.await();
                    int accepted = 0;
                    for (int i = 0; i < perThread; i++) {
                        if (s.trySend(new Msg(name, "", i)) == Admission.ACCEPTED) {
                            accepted++;
                        }
                    }
                    return accepted;
                }));
            }
            int accepted = 0;
            for (Future<Integer> f : results) {
                accepted += f.get(30, TimeUnit.SECONDS);
            }
            assertThat(accepted).as("seed %d", seed).isEqualTo(threads * perThread);
        } finally {
            pool.shutdownNow();
        }
        Map<String, Long> last = new ConcurrentHashMap<>();
        for (int i = 0; i < threads * perThread; i++) {
            Msg m = parse(c.nextData());
            long prev = last.getOrDefault(m.type(), -1L);
            assertThat(m.n()).as("order of %s, seed %d", m.type(), seed).isEqualTo(prev + 1);
            last.put(m.type(), m.n());
        }
        await().untilAsserted(() -> assertThat(s.queuedMessages()).isZero());
        assertThat(s.queuedBytes()).isZero();
        assertThat(server.stats().queuedMessages()).isZero();
        assertThat(server.stats().messagesOut()).isEqualTo((long) threads * perThread);
    }
}
