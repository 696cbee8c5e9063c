package io.hal9.benchmarks.ws;

import java.time.Duration;
import java.util.Locale;

/**
 * The load client on its own, against a {@link BenchServer} started by hand (for a second client JVM,
 * or a server on another machine's loopback namespace):
 *
 * <pre>{@code
 * java -cp benchmarks.jar io.hal9.benchmarks.ws.BenchClient --port P --scenario idle --clients 19000
 * java -cp benchmarks.jar io.hal9.benchmarks.ws.BenchClient --port P --scenario broadcast --clients 1000 \
 *     --rate 5000 --warmup 10 --measure 20
 * java -cp benchmarks.jar io.hal9.benchmarks.ws.BenchClient --port P --scenario slow --clients 1000 --measure 30
 * }</pre>
 *
 * <p>{@code idle} holds the connections for {@code --hold} seconds (default 60) and then closes them.
 * It reports only what the client sees; {@link WsBench} adds the server's memory figures.
 *
 * <p>Thread safety: a main.
 */
public final class BenchClient {
    private BenchClient() {}

    public static void main(String[] argv) {
        Args a = Args.parse(argv);
        String host = a.string("host", "127.0.0.1");
        int port = a.integer("port", 8080);
        String scenario = a.string("scenario", "broadcast");
        int clients = a.integer("clients", 1000);
        int roomSize = a.integer("room-size", 8);
        double rate = a.decimal("rate", 5000);
        Duration warmup = a.seconds("warmup", Duration.ofSeconds(10));
        Duration measure = a.seconds("measure", Duration.ofSeconds(20));
        Duration drain = a.seconds("drain", Duration.ofSeconds(10));
        Duration hold = a.seconds("hold", Duration.ofSeconds(60));
        int threads = a.integer("client-threads", Runtime.getRuntime().availableProcessors());
        int maxInFlight = a.integer("max-in-flight", 200);
        a.rejectUnknown();
        switch (scenario) {
            case "idle" -> {
                try (LoadClient client = new LoadClient(host, port, threads)) {
                    LoadClient.ConnectResult r = client.connect(clients, maxInFlight);
                    System.out.printf(
                            Locale.ROOT,
                            "opened %d of %d in %.1f s; first failure: %s%n",
                            r.opened(),
                            r.requested(),
                            r.elapsed().toMillis() / 1000.0,
                            r.firstFailure());
                    BroadcastRun.pause(hold.toMillis());
                    System.out.println("closed by the server while held: "
                            + client.totals().closedUnexpectedly());
                }
            }
            case "broadcast", "slow" -> {
                BroadcastRun.Settings s = new BroadcastRun.Settings(
                        clients, roomSize, rate, warmup, measure, drain, threads, maxInFlight, scenario.equals("slow"));
                BroadcastRun.Result r = BroadcastRun.run(host, port, s, null);
                LoadClient.Window w = r.window();
                System.out.printf(
                        Locale.ROOT,
                        "%d clients: sent %.0f/s, delivered %.0f msg/s, p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms,"
                                + " max %.2f ms; %s%n",
                        clients,
                        w.sendsPerSecond(),
                        w.deliveredPerSecond(),
                        w.p50Nanos() / 1e6,
                        w.p99Nanos() / 1e6,
                        w.p999Nanos() / 1e6,
                        w.maxNanos() / 1e6,
                        r.totals());
            }
            default ->
                throw new IllegalArgumentException(
                        "--scenario must be idle, broadcast or slow, was '" + scenario + "'");
        }
    }
}
