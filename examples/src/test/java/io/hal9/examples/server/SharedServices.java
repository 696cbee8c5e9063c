package io.hal9.examples.server;

import io.hal9.testkit.PostgresService;
import io.hal9.testkit.RedisService;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The configuration of an instance that shares the test's PostgreSQL and Redis with its siblings. */
final class SharedServices {
    private SharedServices() {}

    /**
     * Free ports, the test's database (3 connections) and Redis prefix, and one token secret for every
     * instance, then {@code more} options.
     */
    static ServerConfig config(PostgresService pg, RedisService redis, String... more) {
        List<String> args = postgresArgs(
                pg.jdbcUrl(),
                3,
                journalDir(),
                "--redis-uri",
                redis.uri(),
                "--redis-prefix",
                redis.keyPrefix(),
                "--token-secret",
                "shared-secret-of-both-instances");
        args.addAll(List.of(more));
        return parse(args);
    }

    /**
     * The options of a server on PostgreSQL that every test starts from: free ports, the database at
     * {@code jdbcUrl} with {@code connections} per pool, its action journal in {@code journalDir}, then
     * {@code more}. A mutable list, for tests that add to it.
     */
    static List<String> postgresArgs(String jdbcUrl, int connections, String journalDir, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "--port",
                "0",
                "--ws-port",
                "0",
                "--db-url",
                jdbcUrl,
                "--db-max-connections",
                String.valueOf(connections),
                "--journal-dir",
                journalDir));
        args.addAll(List.of(more));
        return args;
    }

    /** Parses {@code args} as the command line, with no environment. */
    static ServerConfig parse(List<String> args) {
        return ServerConfig.parse(args.toArray(String[]::new), Map.of());
    }

    /** Journal folders handed out in this JVM, deleted when it exits. */
    private static final java.util.Queue<java.nio.file.Path> JOURNALS =
            new java.util.concurrent.ConcurrentLinkedQueue<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> JOURNALS.forEach(SharedServices::deleteTree)));
    }

    /**
     * A fresh folder for the action journal, so that no test replays another test's actions; deleted when
     * the test JVM exits.
     */
    static String journalDir() {
        try {
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("hal9-journal-");
            JOURNALS.add(dir);
            return dir.toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void deleteTree(java.nio.file.Path dir) {
        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.walk(dir)) {
            for (java.nio.file.Path p :
                    files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.deleteIfExists(p);
            }
        } catch (java.io.IOException e) {
            // best effort at exit: a folder left in the temporary directory harms nothing
        }
    }

    /** The first column of every row {@code sql} returns, as strings. */
    static List<String> strings(Connection c, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** The first column of every row of a query with one bigint parameter. */
    static List<String> strings(Connection c, String sql, long param) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, param);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }
}
