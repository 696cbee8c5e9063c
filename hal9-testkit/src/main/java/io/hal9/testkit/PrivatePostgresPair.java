package io.hal9.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A PostgreSQL primary and a streaming replica of a test's own, on free loopback ports in a temporary
 * directory ({@code initdb}, {@code pg_ctl}, {@code pg_basebackup -R}), for tests that crash the primary
 * and promote the replica; it never touches any other PostgreSQL. Replication is synchronous ({@code
 * synchronous_standby_names = '*'} on the primary), so a commit the primary acknowledged is on the
 * replica too: after a crash and a promotion no acknowledged write is lost.
 *
 * <pre>{@code
 * try (PrivatePostgresPair pg = PrivatePostgresPair.start()) {
 *     String url = pg.multiHostUrl();   // jdbc:postgresql://127.0.0.1:p,127.0.0.1:r/postgres?targetServerType=primary...
 *     pg.killPrimary();                 // SIGKILL of the postmaster and its backends, as a crash
 *     pg.promoteReplica();              // pg_ctl promote: the replica accepts writes
 * }
 * }</pre>
 *
 * <p>Binaries: {@code HAL9_PG_BIN} if set, else the newest {@code /usr/lib/postgresql/<version>/bin},
 * else {@code initdb} on the {@code PATH}. PostgreSQL refuses to run as root: when the JVM runs as
 * root, every command runs as the {@code postgres} user through {@code runuser}, and the directory is
 * given to that user. If the binaries (or, as root, {@code runuser} and a {@code postgres} user) are
 * missing, {@link #start()} skips the test with the reason, or fails it when {@code
 * HAL9_REQUIRE_SERVICES=1}.
 *
 * <p>Settings: {@code fsync = off} (a crash here kills processes, not the machine: what the kernel
 * holds survives), 16 MB of shared buffers, 40 connections, trust authentication on loopback.
 *
 * <p>Thread safety: meant for the test's own thread.
 */
public final class PrivatePostgresPair implements AutoCloseable {
    private static final String OS_USER = "postgres";

    private final Path bin;
    private final Path dir;
    private final boolean asRoot;
    private final int primaryPort;
    private final int replicaPort;
    private boolean primaryRunning;
    private boolean replicaRunning;

    private PrivatePostgresPair(Path bin, Path dir, boolean asRoot, int primaryPort, int replicaPort) {
        this.bin = bin;
        this.dir = dir;
        this.asRoot = asRoot;
        this.primaryPort = primaryPort;
        this.replicaPort = replicaPort;
    }

    /** Creates and starts the primary, then the replica, and waits until the replica streams synchronously. */
    public static PrivatePostgresPair start() {
        Path bin = findBinaries();
        boolean root = "root".equals(System.getProperty("user.name"));
        if (bin == null) {
            skip("PostgreSQL server binaries (initdb, pg_ctl) not found: set HAL9_PG_BIN");
        }
        if (root && (PrivateProcesses.findOnPath("runuser") == null || !userExists(OS_USER))) {
            skip("running as root, and PostgreSQL refuses root: needs runuser and a '" + OS_USER + "' user");
        }
        Path dir;
        try {
            dir = Files.createTempDirectory("hal9-pg");
            if (root) {
                UserPrincipal owner =
                        dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(OS_USER);
                Files.setOwner(dir, owner);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("hal9-testkit: no temporary directory for a private PostgreSQL", e);
        }
        List<Integer> ports = FreePorts.take(2);
        PrivatePostgresPair pair = new PrivatePostgresPair(bin, dir, root, ports.get(0), ports.get(1));
        try {
            pair.createPrimary();
            pair.createReplica();
            pair.awaitSynchronousReplica();
            return pair;
        } catch (IOException e) {
            pair.close();
            throw new UncheckedIOException("hal9-testkit: could not start a private PostgreSQL pair", e);
        } catch (RuntimeException e) {
            pair.close();
            throw e;
        }
    }

    /** The primary's port on 127.0.0.1. */
    public int primaryPort() {
        return primaryPort;
    }

    /** The replica's port on 127.0.0.1. */
    public int replicaPort() {
        return replicaPort;
    }

    /** A JDBC URL of one node ({@code postgres} database and user). */
    public String jdbcUrl(int port) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=" + OS_USER;
    }

    /**
     * The pgjdbc multi-host URL of both nodes with {@code targetServerType=primary}: every new connection
     * goes to whichever node accepts writes now. With {@code hostRecheckSeconds=2}: pgjdbc remembers what
     * it learnt of each host (down, standby) for that long, 10 s by default, which would delay finding
     * the promoted replica by as much.
     */
    public String multiHostUrl() {
        return "jdbc:postgresql://127.0.0.1:" + primaryPort + ",127.0.0.1:" + replicaPort + "/postgres?user=" + OS_USER
                + "&targetServerType=primary&hostRecheckSeconds=2";
    }

    /**
     * Kills the primary's postmaster and every backend at once (SIGKILL), as a crash would, and waits until
     * they are gone.
     */
    public void killPrimary() {
        Path pidFile = dir.resolve("primary").resolve("postmaster.pid");
        long pid;
        try {
            pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("hal9-testkit: cannot read the primary's pid from " + pidFile, e);
        }
        Optional<ProcessHandle> postmaster = ProcessHandle.of(pid);
        if (postmaster.isEmpty()) {
            throw new IllegalStateException("hal9-testkit: the primary (pid " + pid + ") is not running");
        }
        List<ProcessHandle> all = new ArrayList<>();
        all.add(postmaster.get());
        postmaster.get().descendants().forEach(all::add);
        for (ProcessHandle p : all) {
            p.destroyForcibly();
        }
        for (ProcessHandle p : all) {
            try {
                p.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("hal9-testkit: pid " + p.pid() + " did not exit after SIGKILL", e);
            }
        }
        primaryRunning = false;
    }

    /** Promotes the replica ({@code pg_ctl promote}) and waits until it accepts writes. */
    public void promoteReplica() {
        try {
            run(
                    Duration.ofSeconds(60),
                    pgCtl("promote", "-w", "-D", dir.resolve("replica").toString()));
        } catch (IOException e) {
            throw new UncheckedIOException("hal9-testkit: pg_ctl promote failed", e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (Connection c = DriverManager.getConnection(jdbcUrl(replicaPort));
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery()")) {
                if (rs.next() && !rs.getBoolean(1)) {
                    return;
                }
            } catch (SQLException e) {
                // still starting up
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException("hal9-testkit: the promoted replica still is in recovery after 30 s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // polling a process we do not control
        }
    }

    /** Stops both nodes at once ({@code pg_ctl stop -m immediate}) and removes the directory. Idempotent. */
    @Override
    public void close() {
        if (replicaRunning) {
            stop("replica");
            replicaRunning = false;
        }
        if (primaryRunning) {
            stop("primary");
            primaryRunning = false;
        }
        PrivateProcesses.deleteTree(dir);
    }

    @Override
    public String toString() {
        return "PrivatePostgresPair[primary " + primaryPort + ", replica " + replicaPort + "]";
    }

    // ---------------------------------------------------------------- plumbing

    private void createPrimary() throws IOException {
        Path data = dir.resolve("primary");
        run(
                Duration.ofSeconds(120),
                command(
                        bin.resolve("initdb").toString(),
                        "-D",
                        data.toString(),
                        "-U",
                        OS_USER,
                        "-A",
                        "trust",
                        "--no-sync",
                        "-E",
                        "UTF8"));
        append(
                data.resolve("postgresql.conf"),
                "port = " + primaryPort,
                "listen_addresses = '127.0.0.1'",
                "unix_socket_directories = '" + dir + "'",
                "wal_level = replica",
                "max_wal_senders = 5",
                "hot_standby = on",
                "fsync = off",
                "shared_buffers = 16MB",
                "max_connections = 40",
                "synchronous_standby_names = '*'");
        startNode("primary");
        primaryRunning = true;
    }

    private void createReplica() throws IOException {
        Path data = dir.resolve("replica");
        run(
                Duration.ofSeconds(120),
                command(
                        bin.resolve("pg_basebackup").toString(),
                        "-h",
                        "127.0.0.1",
                        "-p",
                        Integer.toString(primaryPort),
                        "-U",
                        OS_USER,
                        "-D",
                        data.toString(),
                        "-R",
                        "-X",
                        "stream",
                        "--no-sync"));
        // postgresql.auto.conf is read after postgresql.conf (a copy of the primary's): these win. Once
        // promoted, the replica has no standby of its own: it must not wait for one.
        append(data.resolve("postgresql.auto.conf"), "port = " + replicaPort, "synchronous_standby_names = ''");
        startNode("replica");
        replicaRunning = true;
    }

    private void startNode(String name) throws IOException {
        Path data = dir.resolve(name);
        run(
                Duration.ofSeconds(60),
                pgCtl(
                        "start",
                        "-w",
                        "-t",
                        "60",
                        "-D",
                        data.toString(),
                        "-l",
                        dir.resolve(name + ".log").toString()));
    }

    private void stop(String name) {
        try {
            run(
                    Duration.ofSeconds(30),
                    pgCtl("stop", "-m", "immediate", "-D", dir.resolve(name).toString()));
        } catch (IOException | RuntimeException e) {
            // best effort at teardown: the node may be dead already
        }
    }

    private void awaitSynchronousReplica() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (Connection c = DriverManager.getConnection(jdbcUrl(primaryPort));
                    Statement s = c.createStatement();
                    ResultSet rs =
                            s.executeQuery("SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'")) {
                if (rs.next() && rs.getInt(1) == 1) {
                    return;
                }
            } catch (SQLException e) {
                // not yet
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException(
                        "hal9-testkit: the replica did not stream synchronously within 30 s: " + log("replica"));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // polling a process we do not control
        }
    }

    private String log(String name) {
        try {
            return Files.readString(dir.resolve(name + ".log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private List<String> pgCtl(String... args) {
        List<String> all = new ArrayList<>();
        all.add(bin.resolve("pg_ctl").toString());
        all.addAll(List.of(args));
        return command(all.toArray(String[]::new));
    }

    /** The command, through {@code runuser -u postgres --} when running as root. */
    private List<String> command(String... args) {
        List<String> all = new ArrayList<>();
        if (asRoot) {
            all.addAll(List.of("runuser", "-u", OS_USER, "--"));
        }
        all.addAll(List.of(args));
        return all;
    }

    private void run(Duration timeout, List<String> args) throws IOException {
        Path out = Files.createTempFile("hal9-pg-cmd", ".log");
        try {
            Process p = new ProcessBuilder(args)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .start();
            boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!done || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("hal9-testkit: " + String.join(" ", args) + " failed ("
                        + (done ? "exit " + p.exitValue() : "timed out after " + timeout) + "): "
                        + Files.readString(out));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("hal9-testkit: interrupted while running " + args, e);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** Appends lines to a configuration file (appending keeps the file's owner). */
    private void append(Path file, String... lines) throws IOException {
        Files.writeString(
                file, "\n" + String.join("\n", lines) + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    private static @Nullable Path findBinaries() {
        String env = System.getenv("HAL9_PG_BIN");
        if (env != null && !env.isBlank()) {
            Path p = Path.of(env);
            return Files.isExecutable(p.resolve("initdb")) ? p : null;
        }
        Path root = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(root)) {
            try (Stream<Path> versions = Files.list(root)) {
                Optional<Path> newest = versions.map(v -> v.resolve("bin"))
                        .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl")))
                        .max(Comparator.comparingInt(b -> versionOf(b.getParent())));
                if (newest.isPresent()) {
                    return newest.get();
                }
            } catch (IOException e) {
                // fall through to PATH
            }
        }
        String initdb = PrivateProcesses.findOnPath("initdb");
        return initdb == null ? null : Path.of(initdb).getParent();
    }

    private static int versionOf(Path versionDir) {
        try {
            return Integer.parseInt(versionDir.getFileName().toString());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static boolean userExists(String name) {
        try {
            Path.of("/").getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(name);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void skip(String reason) {
        PrivateProcesses.unavailable(reason);
    }
}
