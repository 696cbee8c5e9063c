package io.hal9.examples.server;

import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command line of the reference game server: {@code --help} lists every option. Starts the
 * server, prints its URLs, and runs until the process is asked to stop (SIGTERM, Ctrl-C), when a
 * shutdown hook closes the server gracefully.
 *
 * <p>Exit codes: 2 for a bad option (one line on standard error naming it), 1 when the server cannot start
 * (one line {@code hal9: cannot start: ...} saying what failed and where: a busy port, a database that
 * refuses, a migration Flyway refuses, Redis; the stack trace is logged at DEBUG).
 *
 * <p>Thread safety: a program entry point; not for concurrent use.
 */
public final class Main {
    private static final Logger log = LoggerFactory.getLogger(Main.class);

    private Main() {}

    /**
     * A start-up failure in one line: its message, then its root cause's unless the message already quotes one
     * of its causes (a library's exception often wraps the reason a level or two down).
     */
    static String describe(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        Throwable root = e;
        for (Throwable c = e.getCause(); c != null && c != root; c = c.getCause()) {
            String m = c.getMessage();
            if (m != null && !m.isBlank() && message.contains(m.strip())) {
                root = e; // the message already says why
                break;
            }
            root = c;
        }
        String because = root.getMessage();
        if (root != e && because != null && !because.isBlank()) {
            message = message + ": " + because;
        }
        return message.strip().replaceAll("\\s+", " ");
    }

    /**
     * Runs the server.
     *
     * @param args options, see {@code --help}
     */
    public static void main(String[] args) {
        PrintStream out = System.out;
        if (ServerConfig.wantsHelp(args)) {
            out.print(ServerConfig.help());
            return;
        }
        ServerConfig config;
        try {
            config = ServerConfig.parse(args, System.getenv());
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        GameServer server;
        try {
            server = GameServer.start(config.instanceName(), config);
        } catch (RuntimeException e) {
            // One line an operator can act on (what failed, where, why); the stack trace only at DEBUG.
            System.err.println("hal9: cannot start: " + describe(e));
            log.debug("start-up failure", e);
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            server.close();
                            stopped.countDown();
                        },
                        "game-shutdown"));
        for (String line : banner(server, config)) {
            out.println(line);
        }
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * What a started server prints: where it listens, the URLs worth opening, how to stop it (pinned against the
     * README's quick start by {@code BannerTest}).
     *
     * @return the lines, without line ends
     */
    static java.util.List<String> banner(GameServer server, ServerConfig config) {
        java.util.List<String> lines = new java.util.ArrayList<>();
        lines.add("HAL9 reference game server on " + server.baseUrl() + " (instance: " + config.instanceName()
                + ", database: "
                + (server.embeddedDatabase() ? "embedded H2" : "PostgreSQL") + ", cache: "
                + (config.redisUri() == null ? "local" : "near cache over Redis") + ")");
        for (String url : server.urls()) {
            lines.add("  " + url);
        }
        lines.add("Stop with Ctrl-C (SIGTERM): in-flight moves are written before exit.");
        return lines;
    }
}
