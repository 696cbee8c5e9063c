package io.hal9.examples;

import io.hal9.core.ActionBatcher;
import io.hal9.core.Admission;
import io.hal9.core.BoundedChannel;
import io.hal9.core.Coalescer;
import io.hal9.core.TaskLimiter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A runnable tour of hal9-core, shaped like a game server's action path: 1,000 games of 4 players
 * play 20 rounds; each player's move runs as a task on a {@link TaskLimiter}, goes through an {@link
 * ActionBatcher} into a (simulated) database that takes one transaction per batch, while scores are
 * aggregated per game by a second batcher, game lookups are coalesced by a {@link Coalescer}, and
 * round results are handed to a broadcaster over a {@link BoundedChannel}.
 *
 * <p>Run it with {@code ./mvnw -pl examples -am -Prun -DskipTests package}. It prints what each
 * component did and exits.
 */
public final class CoreDemo {
    static final int GAMES = 1_000;
    static final int PLAYERS = 4;
    static final int ROUNDS = 20;

    record Move(long gameId, int player, int round, int value) {}

    record Score(long gameId, long points) {}

    private CoreDemo() {}

    public static void main(String[] args) throws Exception {
        long started = System.nanoTime();
        LongAdder transactions = new LongAdder();
        LongAdder rowsWritten = new LongAdder();
        ConcurrentHashMap<Long, Long> scoreTable = new ConcurrentHashMap<>();
        AtomicLong gameLoads = new AtomicLong();

        // Every move is written, many per transaction. The "database" costs 1 ms per transaction.
        ActionBatcher<Move> moves = ActionBatcher.<Move>builder("moves", batch -> {
                    simulateTransaction();
                    transactions.increment();
                    rowsWritten.add(batch.size());
                })
                .maxBatchSize(1_000)
                .maxLinger(Duration.ofMillis(5))
                .build();
        // Scores are aggregated per game while they wait: one row per game per window.
        ActionBatcher<Score> scores = ActionBatcher.<Score>builder("scores", batch -> {
                    simulateTransaction();
                    for (Score s : batch) {
                        scoreTable.merge(s.gameId(), s.points(), Long::sum);
                    }
                })
                .maxLinger(Duration.ofMillis(20))
                .aggregateBy(Score::gameId, (a, b) -> new Score(a.gameId(), a.points() + b.points()))
                .build();
        // Concurrent requests for the same game's rules share one load.
        Coalescer<Long, String> rules = Coalescer.create("rules");
        // Round results go to a broadcaster thread over a bounded channel.
        BoundedChannel<String> results =
                BoundedChannel.<String>builder("results").capacity(1_000).build();
        LongAdder broadcasts = new LongAdder();
        Thread broadcaster = Thread.ofPlatform().name("broadcaster").start(() -> {
            while (true) {
                try {
                    if (results.receive(Duration.ofSeconds(1)) != null) {
                        broadcasts.increment();
                    }
                } catch (io.hal9.core.RejectedException endOfStream) {
                    return;
                }
            }
        });

        LongAdder refusedMoves = new LongAdder();
        try (TaskLimiter players =
                TaskLimiter.builder("players").maxConcurrent(200).build()) {
            for (int round = 0; round < ROUNDS; round++) {
                CountDownLatch roundDone = new CountDownLatch(GAMES * PLAYERS);
                for (long game = 0; game < GAMES; game++) {
                    for (int player = 0; player < PLAYERS; player++) {
                        Move move = new Move(
                                game, player, round, ThreadLocalRandom.current().nextInt(100));
                        players.submit(
                                () -> {
                                    try {
                                        rules.get(
                                                        move.gameId(),
                                                        id -> CompletableFuture.supplyAsync(() -> {
                                                            gameLoads.incrementAndGet();
                                                            return "rules-of-" + id;
                                                        }))
                                                .join();
                                        if (moves.trySubmit(move) != Admission.ACCEPTED) {
                                            refusedMoves.increment();
                                            moves.submit(move, Duration.ofSeconds(5));
                                        }
                                        scores.trySubmit(new Score(move.gameId(), move.value()));
                                        return null;
                                    } finally {
                                        roundDone.countDown();
                                    }
                                },
                                Duration.ofSeconds(10));
                    }
                }
                roundDone.await();
                results.send("round " + round + " resolved for " + GAMES + " games", Duration.ofSeconds(1));
            }
        }
        moves.close();
        scores.close();
        results.close();
        broadcaster.join();

        long totalPoints =
                scoreTable.values().stream().mapToLong(Long::longValue).sum();
        double seconds = (System.nanoTime() - started) / 1e9;
        ActionBatcher.BatcherStats m = moves.stats();
        ActionBatcher.BatcherStats s = scores.stats();
        List<String> lines = List.of(
                String.format(
                        Locale.ROOT,
                        "HAL9 core demo: %d games x %d players x %d rounds in %.2f s",
                        GAMES,
                        PLAYERS,
                        ROUNDS,
                        seconds),
                String.format(
                        Locale.ROOT,
                        "  moves batcher:  %,d moves in %,d transactions (%.0f moves per transaction), %,d waited for room",
                        rowsWritten.sum(),
                        transactions.sum(),
                        rowsWritten.sum() / (double) Math.max(1, transactions.sum()),
                        refusedMoves.sum()),
                String.format(
                        Locale.ROOT,
                        "  scores batcher: %,d contributions merged into %,d rows (%,d games, %,d points in total)",
                        s.accepted(),
                        s.written(),
                        scoreTable.size(),
                        totalPoints),
                String.format(
                        Locale.ROOT,
                        "  coalescer:      %,d rule lookups served by %,d loads",
                        (long) GAMES * PLAYERS * ROUNDS,
                        gameLoads.get()),
                String.format(Locale.ROOT, "  channel:        %,d round results broadcast", broadcasts.sum()),
                String.format(
                        Locale.ROOT,
                        "  nothing lost:   %s",
                        m.written() == (long) GAMES * PLAYERS * ROUNDS && m.deadLettered() == 0 ? "yes" : "NO"));
        lines.forEach(System.out::println);
    }

    private static void simulateTransaction() throws InterruptedException {
        Thread.sleep(1);
    }
}
