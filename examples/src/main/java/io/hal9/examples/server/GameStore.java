package io.hal9.examples.server;

import io.hal9.core.JournalCodec;
import io.hal9.examples.game.GameStatus;
import io.hal9.pool.jdbc.CopyRowWriter;
import io.hal9.pool.jdbc.ReadWriteRouter;
import io.hal9.pool.jdbc.StatementBinder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Every SQL statement of the server, each with bind parameters only. Writes go to the primary,
 * reads through the router (a replica when one is configured and healthy).
 *
 * <p>Fencing. A game's owner is its {@code host} and the {@code epoch} it claimed (migration V5); every
 * write of a game's state ({@link #UPDATE_GAME}, {@link #endGame}, {@link #writeFinals}, and the players
 * rows of {@link #insertPlayer}, {@link #markLeft}, {@link #deletePlayer}) names this store's owner and the
 * epoch the caller holds, and changes nothing when another instance claimed the game since. Actions are
 * not fenced (see examples/README.md, "Scale-out"): a move the old owner acknowledged is kept, and the
 * unique index on (game, player, round) keeps one move per player and round whoever writes first.
 *
 * <p>Thread safety: stateless apart from the router; safe for concurrent use.
 */
final class GameStore {
    /** The batched insert of one action, bound by {@link #ACTION_BINDER}. */
    static final String INSERT_ACTION =
            "INSERT INTO actions (game_id, player_id, round, move, created_at) VALUES (?, ?, ?, ?, ?)";

    /** One accepted move, as written to {@code actions}. */
    record ActionRow(long gameId, long playerId, int round, String move, Instant createdAt) {}

    /**
     * An action's identity: a player moves once per round of a game. The unique index on these columns
     * (migration V3) lets the sink skip a row a journal replay brings again.
     */
    static final List<String> ACTION_KEY = List.of("game_id", "player_id", "round");

    /**
     * An action as a journal record: a version byte, then the ids, the round, the creation time in epoch
     * milliseconds and the move's wire name (ASCII, length-prefixed).
     */
    static final JournalCodec<ActionRow> ACTION_CODEC = new JournalCodec<>() {
        private static final byte VERSION = 1;

        @Override
        public void encode(ActionRow a, ByteBuffer out) {
            byte[] move = a.move().getBytes(StandardCharsets.US_ASCII);
            out.put(VERSION)
                    .putLong(a.gameId())
                    .putLong(a.playerId())
                    .putInt(a.round())
                    .putLong(a.createdAt().toEpochMilli())
                    .put((byte) move.length)
                    .put(move);
        }

        @Override
        public ActionRow decode(ByteBuffer in) {
            byte version = in.get();
            if (version != VERSION) {
                throw new IllegalArgumentException(
                        "action record version " + version + ", this server reads " + VERSION);
            }
            long gameId = in.getLong();
            long playerId = in.getLong();
            int round = in.getInt();
            Instant createdAt = Instant.ofEpochMilli(in.getLong());
            byte[] move = new byte[in.get()];
            in.get(move);
            return new ActionRow(gameId, playerId, round, new String(move, StandardCharsets.US_ASCII), createdAt);
        }
    };

    /** The columns {@link #ACTION_COPY} fills, in its order. */
    static final List<String> ACTION_COLUMNS = List.of("game_id", "player_id", "round", "move", "created_at");

    /** One action as a COPY row (PostgreSQL): the same values as {@link #ACTION_BINDER}. */
    static final CopyRowWriter<ActionRow> ACTION_COPY = (a, row) -> row.add(a.gameId())
            .add(a.playerId())
            .add(a.round())
            .add(a.move())
            .add(a.createdAt().toString());

    static final StatementBinder<ActionRow> ACTION_BINDER = (ps, a) -> {
        ps.setLong(1, a.gameId());
        ps.setLong(2, a.playerId());
        ps.setInt(3, a.round());
        ps.setString(4, a.move());
        ps.setObject(5, utc(a.createdAt()));
    };

    /**
     * The changing part of a {@code games} row, written in aggregated batches (latest per game wins), by the
     * owner of {@code epoch}.
     */
    record GameState(long id, Instant createdAt, GameStatus status, int round, int playerCount, long epoch) {}

    /**
     * Monotonic: a state never overwrites a game that is over (finished, expired or aborted) or a later
     * round, so a batched update that lands after a direct one (the final state is written directly)
     * cannot take the row back. Fenced: only the owner of the state's epoch changes the row.
     */
    static final String UPDATE_GAME = "UPDATE games SET status = ?, current_round = ?, player_count = ?,"
            + " updated_at = ? WHERE id = ? AND created_at = ? AND status IN ('waiting', 'running')"
            + " AND current_round <= ? AND host = ? AND epoch = ?";

    /** Binds a {@link GameState} to {@link #UPDATE_GAME} as this store's owner's write. */
    StatementBinder<GameState> stateBinder() {
        return (ps, g) -> {
            ps.setString(1, g.status().wireName());
            ps.setInt(2, g.round());
            ps.setInt(3, g.playerCount());
            ps.setObject(4, utc(now()));
            ps.setLong(5, g.id());
            ps.setObject(6, utc(g.createdAt()));
            ps.setInt(7, g.round());
            ps.setString(8, owner);
            ps.setLong(9, g.epoch());
        };
    }

    /**
     * Writes a batch of game states (at most one per game) as this store's owner, as one JDBC batch of
     * {@link #UPDATE_GAME}. A state that is late (an older round, or a game already over) or not this
     * owner's at its epoch changes nothing.
     *
     * <p>On PostgreSQL the batch's transaction asks for the statement's generic plan ({@code SET LOCAL
     * plan_cache_mode = force_generic_plan}): planned once and reused for every row. Left to choose,
     * PostgreSQL kept a custom plan for this statement on the partitioned table (a generic plan lists every
     * partition, so its estimate looks worse) and planned every row again: about half a core at 5,000
     * states/s on the machine the server shares with it. The generic plan finds the one row through either
     * of the indexes that can serve it (V6; {@code PostgresServerTest} checks it).
     */
    void writeStates(List<GameState> batch) {
        if (batch.isEmpty()) {
            return;
        }
        router.inTransaction(c -> {
            if (postgres) {
                try (Statement s = c.createStatement()) {
                    s.execute("SET LOCAL plan_cache_mode = force_generic_plan");
                }
            }
            try (PreparedStatement ps = c.prepareStatement(UPDATE_GAME)) {
                StatementBinder<GameState> binder = stateBinder();
                for (GameState g : batch) {
                    binder.bind(ps, g);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    /**
     * A finished game's last state: its {@code games} row (status {@code finished}, last round, player
     * count) and every player's status and score. Written by {@link #writeFinals} through the finals
     * batcher, after the move that ended the game was answered.
     */
    record FinalState(long id, Instant createdAt, int round, int playerCount, List<PlayerRow> players, long epoch) {
        /** Copies the players. */
        FinalState {
            players = List.copyOf(players);
        }
    }

    /** Sets a player's status and score: absolute values, so writing it twice changes nothing more. */
    static final String UPDATE_PLAYER = "UPDATE players SET status = ?, score = ? WHERE id = ?";

    /** A {@code games} row; {@code host} is null only for rows of servers before migration V2. */
    record GameRow(
            long id,
            GameStatus status,
            int maxPlayers,
            int rounds,
            long roundTimeoutMs,
            int round,
            int playerCount,
            Instant createdAt,
            @Nullable String host,
            long epoch) {}

    /** A {@code players} row. */
    record PlayerRow(long id, String name, String status, int score) {}

    /** A {@code players} row as recovery reads it: {@code leftRound} is 0 where the column is null. */
    record SeatRow(long id, String name, String status, int leftRound) {}

    /** The {@code server_settings} name of the player-token secret. */
    static final String TOKEN_SECRET = "token_secret";

    private final ReadWriteRouter router;
    private final String owner;
    private final boolean postgres;

    /**
     * @param owner the instance whose writes this store makes: the {@code host} every fenced write names
     * @param postgres whether the database is PostgreSQL (row locks {@code FOR SHARE}) rather than H2
     */
    GameStore(ReadWriteRouter router, String owner, boolean postgres) {
        this.router = Objects.requireNonNull(router, "router");
        this.owner = Objects.requireNonNull(owner, "owner");
        this.postgres = postgres;
    }

    /** The instance whose writes this store makes. */
    String owner() {
        return owner;
    }

    /** Instants are stored with millisecond precision so that what is in memory equals the row. */
    static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }

    static OffsetDateTime utc(Instant i) {
        return i.atOffset(ZoneOffset.UTC);
    }

    GameRow insertGame(int maxPlayers, int rounds, long roundTimeoutMs, Instant createdAt, String host) {
        return router.writes(c -> {
            long id;
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT nextval('games_id_seq')")) {
                rs.next();
                id = rs.getLong(1);
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO games (id, status, max_players, rounds,"
                    + " round_timeout_ms, current_round, player_count, created_at, updated_at, host)"
                    + " VALUES (?, ?, ?, ?, ?, 0, 0, ?, ?, ?)")) {
                ps.setLong(1, id);
                ps.setString(2, GameStatus.WAITING.wireName());
                ps.setInt(3, maxPlayers);
                ps.setInt(4, rounds);
                ps.setLong(5, roundTimeoutMs);
                ps.setObject(6, utc(createdAt));
                ps.setObject(7, utc(createdAt));
                ps.setString(8, host);
                ps.executeUpdate();
            }
            return new GameRow(id, GameStatus.WAITING, maxPlayers, rounds, roundTimeoutMs, 0, 0, createdAt, host, 0L);
        });
    }

    /**
     * Writes a game's state as the owner of {@code epoch}.
     *
     * @return whether the row changed (false: a later state, an end, or another owner's claim is there)
     */
    boolean updateGame(long id, Instant createdAt, GameStatus status, int round, int playerCount, long epoch) {
        return router.writes(c -> {
            try (PreparedStatement ps = c.prepareStatement(UPDATE_GAME)) {
                stateBinder().bind(ps, new GameState(id, createdAt, status, round, playerCount, epoch));
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** Ends one game (by its primary key) if it is still live and still this owner's at this epoch. */
    static final String END_GAME = "UPDATE games SET status = ?, updated_at = ?"
            + " WHERE id = ? AND created_at = ? AND status IN ('waiting', 'running') AND host = ? AND epoch = ?";

    /**
     * Ends a waiting or running game as {@code status} (expired or aborted); a game already over keeps
     * its end, and a game another instance claimed since {@code epoch} is not changed.
     *
     * @return whether the row changed
     */
    boolean endGame(long id, Instant createdAt, GameStatus status, long epoch) {
        if (!status.isOver()) {
            throw new IllegalArgumentException("endGame: status must be an end, was " + status.wireName());
        }
        return router.writes(c -> {
            try (PreparedStatement ps = c.prepareStatement(END_GAME)) {
                ps.setString(1, status.wireName());
                ps.setObject(2, utc(now()));
                ps.setLong(3, id);
                ps.setObject(4, utc(createdAt));
                ps.setString(5, owner);
                ps.setLong(6, epoch);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /**
     * Records that a player left a running game in {@code round}, with the score they keep, as the owner of
     * the game's {@code epoch}.
     *
     * @return whether the row changed (false: another instance claimed the game)
     */
    boolean markLeft(long gameId, long epoch, long playerId, int round, int score) {
        return router.writes(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE players SET status = 'left', left_round = ?, score = ? WHERE id = ? AND " + OWNED)) {
                ps.setInt(1, round);
                ps.setInt(2, score);
                ps.setLong(3, playerId);
                bindOwned(ps, 4, gameId, epoch);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** The game of a players row is still owned by the writer (bound by {@link #bindOwned}). */
    private static final String OWNED = "EXISTS (SELECT 1 FROM games g WHERE g.id = ? AND g.host = ? AND g.epoch = ?)";

    private void bindOwned(PreparedStatement ps, int from, long gameId, long epoch) throws SQLException {
        ps.setLong(from, gameId);
        ps.setString(from + 1, owner);
        ps.setLong(from + 2, epoch);
    }

    // ---- ownership (migration V5) ----

    /**
     * Registers this store's owner with its lease, or renews it: {@code lease_until} becomes the
     * database's {@code now()} plus {@code leaseMillis} (one clock for every instance).
     */
    void renewLease(String url, long leaseMillis) {
        router.writes(c -> {
            // H2 (embedded: one instance, one clock) takes the end of the lease from this process
            String sql = postgres
                    ? "INSERT INTO instances (name, url, lease_until) VALUES (?, ?, now() + ?::double precision"
                            + " * interval '1 millisecond') ON CONFLICT (name) DO UPDATE SET url = EXCLUDED.url,"
                            + " lease_until = EXCLUDED.lease_until"
                    : "MERGE INTO instances (name, url, lease_until) KEY (name) VALUES (?, ?, ?)";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, owner);
                ps.setString(2, url);
                if (postgres) {
                    ps.setLong(3, leaseMillis);
                } else {
                    ps.setObject(3, utc(now().plusMillis(leaseMillis)));
                }
                return ps.executeUpdate();
            }
        });
    }

    /** Ends this store's owner's lease now (a graceful stop): its games are taken over at once. */
    void dropLease() {
        router.writes(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE instances SET lease_until = " + (postgres ? "now()" : "CURRENT_TIMESTAMP") + " - "
                            + (postgres ? "interval '1 second'" : "INTERVAL '1' SECOND") + " WHERE name = ?")) {
                ps.setString(1, owner);
                return ps.executeUpdate();
            }
        });
    }

    /** How many other instances hold a current lease: those that could take this one's games over. */
    int otherLiveInstances() {
        return router.writes(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM instances WHERE name <> ? AND"
                    + " lease_until >= " + (postgres ? "now()" : "CURRENT_TIMESTAMP"))) {
                ps.setString(1, owner);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
    }

    /** A live game of a lapsed owner, as the takeover scan finds it. */
    record Orphan(long id, String host, long epoch) {}

    /**
     * Waiting and running games whose owner's lease has lapsed (owners without an {@code instances} row,
     * servers before V5, are left alone), oldest first, at most {@code limit}.
     */
    List<Orphan> orphans(int limit) {
        return router.writes(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT g.id, g.host, g.epoch FROM games g JOIN instances i"
                    + " ON i.name = g.host WHERE g.status IN ('waiting', 'running') AND g.host <> ? AND i.lease_until < "
                    + (postgres ? "now()" : "CURRENT_TIMESTAMP") + " ORDER BY g.created_at, g.id LIMIT ?")) {
                ps.setString(1, owner);
                ps.setInt(2, limit);
                List<Orphan> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Orphan(rs.getLong(1), rs.getString(2), rs.getLong(3)));
                    }
                }
                return out;
            }
        });
    }

    /**
     * Claims a game for this store's owner: atomically, only if {@code host} still owns it at {@code
     * epoch}, it is waiting or running, and (on PostgreSQL, from another instance) {@code host}'s lease is
     * lapsed at the claim. The claim's row lock orders it against every fenced write of the
     * previous owner: one that commits first is read by the claimer's rebuild, one that comes after changes
     * nothing.
     *
     * @return the game's row as claimed (its new epoch), or null when it was not there to claim
     */
    @Nullable
    GameRow claim(long id, String host, long epoch) {
        return router.inTransaction(c -> {
            if (postgres && !host.equals(owner)) {
                // (A restart's recovery claims its own games, under the lease it has just taken: no check.)
                // The owner's lease must still be lapsed now, not only when orphans() read it: an owner that
                // paused past its lease and renewed since keeps its games. The share lock on its instances row
                // makes a renewal running at the same time wait for this claim's commit, so the owner's
                // ownership check after its renewal sees the claim (and drops the game) before it takes moves.
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT 1 FROM instances WHERE name = ? AND lease_until < now() FOR SHARE")) {
                    ps.setString(1, host);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next()) {
                            return null;
                        }
                    }
                }
            }
            try (PreparedStatement ps =
                    c.prepareStatement("UPDATE games SET host = ?, epoch = epoch + 1, updated_at = ?"
                            + " WHERE id = ? AND host = ? AND epoch = ? AND status IN ('waiting', 'running')")) {
                ps.setString(1, owner);
                ps.setObject(2, utc(now()));
                ps.setLong(3, id);
                ps.setString(4, host);
                ps.setLong(5, epoch);
                if (ps.executeUpdate() != 1) {
                    return null;
                }
            }
            try (PreparedStatement ps = c.prepareStatement(SELECT_GAME + " WHERE id = ?")) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? game(rs) : null;
                }
            }
        });
    }

    /** The (id, epoch) of every waiting or running game this store's owner owns now, read from the primary. */
    java.util.Map<Long, Long> ownedGames() {
        return router.writes(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT id, epoch FROM games WHERE host = ? AND status IN ('waiting', 'running')")) {
                ps.setString(1, owner);
                java.util.Map<Long, Long> out = new java.util.HashMap<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.put(rs.getLong(1), rs.getLong(2));
                    }
                }
                return out;
            }
        });
    }

    /**
     * An instance as the admin console shows it: its advertised URL, the end of its lease and whether that is
     * still ahead (the database's clock), and how many waiting or running games the database says it hosts.
     */
    record InstanceRow(String name, String url, Instant leaseUntil, boolean leased, int liveGames) {}

    /** Every instance of the {@code instances} table, by name; reads the primary. */
    List<InstanceRow> instances() {
        return router.writes(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT i.name, i.url, i.lease_until, i.lease_until >= "
                    + (postgres ? "now()" : "CURRENT_TIMESTAMP")
                    + ", (SELECT count(*) FROM games g WHERE g.host = i.name AND g.status IN ('waiting', 'running'))"
                    + " FROM instances i ORDER BY i.name")) {
                List<InstanceRow> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        OffsetDateTime until =
                                Objects.requireNonNull(rs.getObject(3, OffsetDateTime.class), "lease_until");
                        out.add(new InstanceRow(
                                rs.getString(1), rs.getString(2), until.toInstant(), rs.getBoolean(4), rs.getInt(5)));
                    }
                }
                return out;
            }
        });
    }

    /** A waiting or running game and the instance that hosts it, as the admin console lists another's games. */
    record HostedGame(long id, String host, String status, int round, int playerCount) {}

    /** At most {@code limit} waiting or running games hosted by instances other than this store's owner, newest first. */
    List<HostedGame> liveGamesElsewhere(int limit) {
        return router.writes(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT id, host, status, current_round, player_count FROM games WHERE status IN ('waiting',"
                            + " 'running') AND host <> ? ORDER BY created_at DESC, id DESC LIMIT ?")) {
                ps.setString(1, owner);
                ps.setInt(2, limit);
                List<HostedGame> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new HostedGame(
                                rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4), rs.getInt(5)));
                    }
                }
                return out;
            }
        });
    }

    /** Where a game's owner is: its name, advertised URL and whether its lease is current. */
    record Owner(String name, String url, boolean leased) {}

    /** The owner of a waiting or running game with its advertised URL, or null (no such game, over, no row). */
    @Nullable
    Owner ownerOf(long gameId) {
        return router.writes(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT i.name, i.url, i.lease_until >= "
                    + (postgres ? "now()" : "CURRENT_TIMESTAMP") + " FROM games g JOIN instances i ON i.name = g.host"
                    + " WHERE g.id = ? AND g.status IN ('waiting', 'running')")) {
                ps.setLong(1, gameId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? new Owner(rs.getString(1), rs.getString(2), rs.getBoolean(3)) : null;
                }
            }
        });
    }

    /**
     * The stored value of a setting, storing {@code candidate} first if there is none: of several
     * instances starting at once, the first insert wins and every one reads back the same value.
     */
    String settingIfAbsent(String name, String candidate) {
        return router.writes(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO server_settings (name, value_text) VALUES (?, ?) ON CONFLICT DO NOTHING")) {
                ps.setString(1, name);
                ps.setString(2, candidate);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT value_text FROM server_settings WHERE name = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new IllegalStateException("server_settings has no '" + name + "' after inserting it");
                    }
                    return rs.getString(1);
                }
            }
        });
    }

    /** The waiting and running games of {@code host}, oldest first, read from the primary. */
    List<GameRow> liveGamesOf(String host) {
        return router.writes(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    SELECT_GAME + " WHERE host = ? AND status IN ('waiting', 'running') ORDER BY created_at, id")) {
                ps.setString(1, host);
                List<GameRow> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(game(rs));
                    }
                }
                return out;
            }
        });
    }

    /** A game's players in the order they joined, with the round each left in, from the primary. */
    List<SeatRow> seats(long gameId) {
        return router.writes(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT id, name, status, left_round FROM players WHERE game_id = ? ORDER BY id")) {
                ps.setLong(1, gameId);
                List<SeatRow> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new SeatRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4)));
                    }
                }
                return out;
            }
        });
    }

    /** A game's persisted moves by round, from the primary. */
    List<ActionRow> actions(long gameId) {
        return router.writes(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT player_id, round, move, created_at FROM actions"
                    + " WHERE game_id = ? ORDER BY round, id")) {
                ps.setLong(1, gameId);
                List<ActionRow> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        OffsetDateTime at = Objects.requireNonNull(rs.getObject(4, OffsetDateTime.class), "created_at");
                        out.add(new ActionRow(gameId, rs.getLong(1), rs.getInt(2), rs.getString(3), at.toInstant()));
                    }
                }
                return out;
            }
        });
    }

    /**
     * Seats a player in a game this store's owner owns at {@code epoch}. On PostgreSQL the game's row is
     * locked {@code FOR SHARE} meanwhile, so that a claim waits for the seat (and its rebuild reads it) or
     * the seat sees the claim.
     *
     * @return the player's id, or 0 when another instance claimed the game (nothing written)
     */
    long insertPlayer(long gameId, String name, long epoch) {
        return router.writes(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO players (game_id, name, status, score, joined_at) SELECT ?, ?, 'active', 0, ?"
                            + " FROM games WHERE id = ? AND host = ? AND epoch = ?" + (postgres ? " FOR SHARE" : ""),
                    new String[] {"id"})) {
                ps.setLong(1, gameId);
                ps.setString(2, name);
                ps.setObject(3, utc(now()));
                ps.setLong(4, gameId);
                ps.setString(5, owner);
                ps.setLong(6, epoch);
                if (ps.executeUpdate() != 1) {
                    return 0L;
                }
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    keys.next();
                    return keys.getLong(1);
                }
            }
        });
    }

    void updatePlayers(List<PlayerRow> players) {
        router.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(UPDATE_PLAYER)) {
                for (PlayerRow p : players) {
                    ps.setString(1, p.status());
                    ps.setInt(2, p.score());
                    ps.setLong(3, p.id());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    /**
     * Writes finished games' rows and their players in one transaction (the finals batcher's sink: all or
     * nothing, so the batcher may retry or split the batch). Idempotent, so a batch written again after a
     * lost commit acknowledgement changes nothing: {@link #UPDATE_GAME} skips a row that is already
     * finished, and {@link #UPDATE_PLAYER} sets absolute scores (never adds). Fenced: a game another
     * instance claimed since the final state's epoch keeps its row and its players' rows.
     *
     * @throws io.hal9.pool.jdbc.JdbcException when the primary fails; {@code isTransient()} tells an
     *     outage from bad data
     */
    void writeFinals(List<FinalState> batch) {
        router.inTransaction(c -> {
            try (PreparedStatement games = c.prepareStatement(UPDATE_GAME);
                    PreparedStatement players = c.prepareStatement(UPDATE_PLAYER + " AND " + OWNED)) {
                StatementBinder<GameState> binder = stateBinder();
                for (FinalState f : batch) {
                    binder.bind(
                            games,
                            new GameState(
                                    f.id(), f.createdAt(), GameStatus.FINISHED, f.round(), f.playerCount(), f.epoch()));
                    games.addBatch();
                    for (PlayerRow p : f.players()) {
                        players.setString(1, p.status());
                        players.setInt(2, p.score());
                        players.setLong(3, p.id());
                        bindOwned(players, 4, f.id(), f.epoch());
                        players.addBatch();
                    }
                }
                players.executeBatch();
                games.executeBatch();
            }
            return null;
        });
    }

    /** Removes a player from a waiting game this store's owner owns at {@code epoch}. */
    boolean deletePlayer(long gameId, long epoch, long playerId) {
        return router.writes(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM players WHERE id = ? AND " + OWNED)) {
                ps.setLong(1, playerId);
                bindOwned(ps, 2, gameId, epoch);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** The game's row, from the primary: a player must see the game they just created or joined. */
    @Nullable
    GameRow findGame(long id) {
        return router.readsFromPrimary(c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT_GAME + " WHERE id = ?")) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? game(rs) : null;
                }
            }
        });
    }

    /** The game's players, from the primary (see {@link #findGame}). */
    List<PlayerRow> players(long gameId) {
        return router.readsFromPrimary(c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT id, name, status, score FROM players WHERE game_id = ? ORDER BY id")) {
                ps.setLong(1, gameId);
                List<PlayerRow> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new PlayerRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4)));
                    }
                }
                return out;
            }
        });
    }

    /**
     * A page of games, newest first; fetches one row more than asked to tell whether more follow. From a
     * replica when one is up: the page is cached for cache-ttl anyway, so a replica's lag adds nothing a
     * reader of the list could notice.
     */
    List<GameRow> listGames(@Nullable GameStatus status, int page, int size) {
        return router.reads(c -> {
            String sql = SELECT_GAME + (status == null ? "" : " WHERE status = ?")
                    + " ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = 1;
                if (status != null) {
                    ps.setString(i++, status.wireName());
                }
                ps.setInt(i++, size + 1);
                ps.setLong(i, (long) page * size);
                List<GameRow> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(game(rs));
                    }
                }
                return out;
            }
        });
    }

    long countActions(long gameId) {
        return router.writes(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM actions WHERE game_id = ?")) {
                ps.setLong(1, gameId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    private static final String SELECT_GAME = "SELECT id, status, max_players, rounds, round_timeout_ms,"
            + " current_round, player_count, created_at, host, epoch FROM games";

    private static GameRow game(ResultSet rs) throws SQLException {
        OffsetDateTime created = Objects.requireNonNull(rs.getObject(8, OffsetDateTime.class), "created_at");
        return new GameRow(
                rs.getLong(1),
                GameStatus.parse(rs.getString(2)),
                rs.getInt(3),
                rs.getInt(4),
                rs.getLong(5),
                rs.getInt(6),
                rs.getInt(7),
                created.toInstant(),
                rs.getString(9),
                rs.getLong(10));
    }
}
