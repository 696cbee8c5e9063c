package io.hal9.examples.server;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Pairs of players that move over HTTP as fast as the server lets them, each on a virtual thread,
 * recording every move the server acknowledged (202) and counting every refusal by its error code.
 * A fault test compares {@link #acked()} with {@link #storedActions}.
 */
final class MovePlayers implements AutoCloseable {
    /** One acknowledged move: a player moves once per round of a game. */
    record Ack(long game, long player, int round) {}

    private static final String[] MOVES = {"rock", "paper", "scissors", "lizard", "spock"};

    private final Set<Ack> acked = ConcurrentHashMap.newKeySet();
    private final Map<String, LongAdder> refusals = new ConcurrentHashMap<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong connectionErrors = new AtomicLong();
    private final List<CompletableFuture<Void>> players = new ArrayList<>();
    /** Every player as (game, player, token), to play on after a restart. */
    private final List<Seat> seats = new ArrayList<>();

    private record Seat(long game, long player, String token) {}

    private final boolean keepGoingOnConnectionErrors;

    private MovePlayers(boolean keepGoingOnConnectionErrors) {
        this.keepGoingOnConnectionErrors = keepGoingOnConnectionErrors;
    }

    /**
     * Creates {@code games} two-player games of many rounds and starts their players.
     *
     * @param keepGoingOnConnectionErrors false: a player stops at its first connection error (the
     *     server is gone); true: it goes on trying (the server comes back)
     */
    static MovePlayers start(ApiClient api, int games, boolean keepGoingOnConnectionErrors) {
        MovePlayers p = new MovePlayers(keepGoingOnConnectionErrors);
        for (int g = 0; g < games; g++) {
            long id = api.createGame(2, 1_000);
            for (String token : List.of(api.join(id, "a" + g), api.join(id, "b" + g))) {
                long player = Long.parseLong(token.split("\\.")[1]);
                p.seats.add(new Seat(id, player, token));
            }
        }
        p.seats.forEach(seat -> p.startPlaying(api, seat));
        return p;
    }

    /**
     * The same players, with the tokens they hold, playing on against {@code api} (a restarted server):
     * a new set of players whose acknowledgements start empty.
     */
    MovePlayers playOn(ApiClient api) {
        MovePlayers p = new MovePlayers(keepGoingOnConnectionErrors);
        p.seats.addAll(seats);
        p.seats.forEach(seat -> p.startPlaying(api, seat));
        return p;
    }

    /** The acknowledgements and refusals of several sets of players (already stopped), as one. */
    static MovePlayers union(List<MovePlayers> sets) {
        MovePlayers u = new MovePlayers(false);
        for (MovePlayers p : sets) {
            u.acked.addAll(p.acked);
            u.seats.addAll(p.seats);
            p.refusals.forEach((k, v) ->
                    u.refusals.computeIfAbsent(k, x -> new LongAdder()).add(v.sum()));
        }
        return u;
    }

    private void startPlaying(ApiClient api, Seat seat) {
        players.add(CompletableFuture.runAsync(
                () -> play(api, seat.game(), seat.player(), seat.token()),
                command -> Thread.ofVirtual().start(command)));
    }

    private void play(ApiClient api, long game, long player, String token) {
        int i = (int) player;
        while (!stop.get()) {
            ApiClient.Reply r;
            try {
                r = api.post("/api/games/" + game + "/moves", "{\"move\":\"" + MOVES[i % 5] + "\"}", token);
            } catch (RuntimeException e) {
                connectionErrors.incrementAndGet();
                if (!keepGoingOnConnectionErrors) {
                    return;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // pacing, not synchronisation
                continue;
            }
            if (r.status() == 202) {
                acked.add(new Ack(game, player, r.body().get("round").asInt()));
                i++;
            } else if (r.status() == 409 && r.error().equals("already_moved")) {
                Thread.onSpinWait(); // waiting for the other player's move
            } else {
                refusals.computeIfAbsent(r.status() + " " + r.error(), k -> new LongAdder())
                        .increment();
                if (r.status() != 503) {
                    return; // the game is over for this player
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // backpressure: pace the retries
            }
        }
    }

    Set<Ack> acked() {
        return acked;
    }

    /** Refusals so far by {@code "<status> <error>"}. */
    Map<String, Long> refusals() {
        Map<String, Long> out = new java.util.TreeMap<>();
        refusals.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    int playerCount() {
        return Math.max(players.size(), seats.size());
    }

    /** Stops every player and waits for their last request. */
    @Override
    public void close() {
        stop.set(true);
        CompletableFuture.allOf(players.toArray(CompletableFuture[]::new))
                .orTimeout(60, TimeUnit.SECONDS)
                .join();
    }

    /** Every row of {@code actions}, as acknowledged-move keys (a list: duplicates would show). */
    static List<Ack> storedActions(Connection c) throws SQLException {
        List<Ack> out = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT game_id, player_id, round FROM actions")) {
            while (rs.next()) {
                out.add(new Ack(rs.getLong(1), rs.getLong(2), rs.getInt(3)));
            }
        }
        return out;
    }
}
