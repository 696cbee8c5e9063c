package io.hal9.examples.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The players a flood must not hurt: two-player games over WebSocket from {@code 127.0.0.1}, one round every
 * {@code roundEvery}, each round's latency measured from when its moves were due to be sent to when the
 * player received the round's result (corrected for coordinated omission: a stalled server counts for every
 * round it delayed). {@link #interval()} answers the histogram since the previous call, so a test can measure
 * before, during and after an attack.
 */
final class RealPlayers implements AutoCloseable {
    private static final String[] MOVES = {"rock", "paper", "scissors", "lizard", "spock"};

    private final Recorder latencies = new Recorder(TimeUnit.SECONDS.toMicros(60), 3);
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> games = new ArrayList<>();
    /** Rounds whose result did not arrive within 10 s, or a socket that failed. */
    final LongAdder failures = new LongAdder();
    /** Rounds played to their result. */
    final LongAdder rounds = new LongAdder();

    private RealPlayers() {}

    /**
     * Starts {@code pairs} pairs of players; each pair creates a game over HTTP, connects over WebSocket,
     * plays its rounds and starts another game when one ends. Answers once every pair played its first round.
     */
    static RealPlayers start(ApiClient api, String wsUrl, int pairs, Duration roundEvery) {
        RealPlayers p = new RealPlayers();
        java.util.concurrent.CountDownLatch firstRound = new java.util.concurrent.CountDownLatch(pairs);
        for (int g = 0; g < pairs; g++) {
            long offset = roundEvery.toNanos() * g / pairs; // spread the pairs over the round
            int pair = g;
            p.games.add(Thread.ofVirtual()
                    .name("real-pair-" + g)
                    .start(() -> p.pair(api, wsUrl, pair, roundEvery, offset, firstRound)));
        }
        try {
            if (!firstRound.await(30, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new IllegalStateException("the real players did not play a round within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return p;
    }

    private void pair(
            ApiClient api,
            String wsUrl,
            int pair,
            Duration roundEvery,
            long offset,
            java.util.concurrent.CountDownLatch firstRound) {
        for (int game = 0; !stop.get(); game++) {
            WsClient a = null;
            WsClient b = null;
            try { // a game; the next one starts when it ended
                long id = api.createGame(2, 1_000);
                a = WsClient.connect(wsUrl + "?token=" + api.join(id, "real-a" + pair + "-" + game));
                b = WsClient.connect(wsUrl + "?token=" + api.join(id, "real-b" + pair + "-" + game));
                a.next("welcome");
                b.next("welcome");
                if (!play(a, b, roundEvery, offset, firstRound)) {
                    return;
                }
            } catch (AssertionError | RuntimeException e) {
                if (!stop.get()) {
                    failures.increment();
                }
                return;
            } finally {
                for (WsClient c : new WsClient[] {a, b}) {
                    if (c != null) {
                        try {
                            c.close();
                        } catch (RuntimeException e) {
                            // the socket is already gone
                        }
                    }
                }
            }
        }
    }

    /** Plays one game to its end; answers false when it stopped early (stop, or a failure counted). */
    private boolean play(
            WsClient a, WsClient b, Duration roundEvery, long offset, java.util.concurrent.CountDownLatch firstRound) {
        long start = System.nanoTime() + offset;
        for (int round = 1; round <= 1_000; round++) {
            if (stop.get()) {
                return false;
            }
            long due = start + (round - 1) * roundEvery.toNanos();
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait); // pacing to the schedule, not synchronisation
            }
            a.send("{\"type\":\"move\",\"round\":" + round + ",\"move\":\"" + MOVES[round % 5] + "\"}");
            b.send("{\"type\":\"move\",\"round\":" + round + ",\"move\":\"" + MOVES[(round + 1) % 5] + "\"}");
            for (WsClient c : new WsClient[] {a, b}) {
                JsonNode result;
                do {
                    result = c.next("result");
                } while (result.path("round").asInt() < round);
                latencies.recordValue(Math.max(0, (System.nanoTime() - due) / 1_000));
            }
            rounds.increment();
            if (round == 1) {
                firstRound.countDown();
            }
        }
        return true;
    }

    /** Round latencies in microseconds since the previous call (or the start). */
    Histogram interval() {
        return latencies.getIntervalHistogram();
    }

    @Override
    public void close() {
        stop.set(true);
        games.forEach(Attacks::join);
    }
}
