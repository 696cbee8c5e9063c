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
    private final List<WsClient> clients = new ArrayList<>();
    /** Rounds whose result did not arrive within 10 s, or a socket that failed. */
    final LongAdder failures = new LongAdder();
    /** Rounds played to their result. */
    final LongAdder rounds = new LongAdder();

    private RealPlayers() {}

    /** Creates {@code games} games over HTTP, connects their players and starts playing. */
    static RealPlayers start(ApiClient api, String wsUrl, int games, Duration roundEvery) {
        RealPlayers p = new RealPlayers();
        for (int g = 0; g < games; g++) {
            long id = api.createGame(2, 1_000);
            WsClient a = WsClient.connect(wsUrl + "?token=" + api.join(id, "real-a" + g));
            WsClient b = WsClient.connect(wsUrl + "?token=" + api.join(id, "real-b" + g));
            a.next("welcome");
            b.next("welcome");
            p.clients.add(a);
            p.clients.add(b);
            long offset = roundEvery.toNanos() * g / games; // spread the games over the round
            p.games.add(Thread.ofVirtual().name("real-game-" + id).start(() -> p.play(a, b, roundEvery, offset)));
        }
        return p;
    }

    private void play(WsClient a, WsClient b, Duration roundEvery, long offset) {
        long start = System.nanoTime() + offset;
        for (int round = 1; round <= 1_000 && !stop.get(); round++) {
            long due = start + (round - 1) * roundEvery.toNanos();
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait); // pacing to the schedule, not synchronisation
            }
            try {
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
            } catch (AssertionError | RuntimeException e) {
                if (!stop.get()) {
                    failures.increment();
                }
                return;
            }
        }
    }

    /** Round latencies in microseconds since the previous call (or the start). */
    Histogram interval() {
        return latencies.getIntervalHistogram();
    }

    @Override
    public void close() {
        stop.set(true);
        games.forEach(Attacks::join);
        for (WsClient c : clients) {
            try {
                c.close();
            } catch (RuntimeException e) {
                // the socket is already gone
            }
        }
    }
}
