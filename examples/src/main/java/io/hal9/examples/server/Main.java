package io.hal9.examples.server;

import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;

/**
 * The command line of the reference game server: {@code --help} lists every option. Starts the
 * server, prints its URLs, and runs until the process is asked to stop (SIGTERM, Ctrl-C), when a
 * shutdown hook closes the server gracefully.
 *
 * <p>Thread safety: a program entry point; not for concurrent use.
 */
public final class Main {
    private Main() {}

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
        GameServer server = GameServer.start(config.instanceName(), config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            server.close();
                            stopped.countDown();
                        },
                        "game-shutdown"));
        out.println("HAL9 reference game server on " + server.baseUrl() + " (instance: " + config.instanceName()
                + ", database: "
                + (server.embeddedDatabase() ? "embedded H2" : "PostgreSQL") + ", cache: "
                + (config.redisUri() == null ? "local" : "near cache over Redis") + ")");
        for (String url : server.urls()) {
            out.println("  " + url);
        }
        out.println("Stop with Ctrl-C (SIGTERM): in-flight moves are written before exit.");
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
