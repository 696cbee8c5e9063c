package io.hal9.benchmarks.ws;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * A benchmark server in its own JVM, so that server and client each have their own descriptor budget:
 * {@code java -cp benchmarks.jar io.hal9.benchmarks.ws.BenchServer --impl raw|hal9 --mode
 * idle|broadcast|slow --port P} (port 0 picks a free one).
 *
 * <p>Control channel: stdout and stdin, one line each. It prints {@code CONFIG <description>} and then
 * {@code READY port=<port>}. On stdin, {@code stats} answers with a {@link ServerStats} line, {@code
 * gcstats} runs two full GCs first, and {@code quit} (or end of input) closes the server and exits.
 *
 * <p>Thread safety: a main; single-threaded.
 */
public final class BenchServer {
    private BenchServer() {}

    public static void main(String[] argv) throws IOException {
        Args args = Args.parse(argv);
        BenchWsServer.Impl impl = BenchWsServer.Impl.parse(args.string("impl", "raw"));
        BenchWsServer.Mode mode = BenchWsServer.Mode.parse(args.string("mode", "broadcast"));
        int port = args.integer("port", 0);
        args.rejectUnknown();
        try (BenchWsServer server = BenchWsServer.start(impl, mode, port)) {
            System.out.println("CONFIG " + server.describeConfig());
            System.out.println("READY port=" + server.port());
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                switch (line.trim()) {
                    case "stats" ->
                        System.out.println(
                                ServerStats.capture(server.connections(), false).toLine());
                    case "gcstats" ->
                        System.out.println(
                                ServerStats.capture(server.connections(), true).toLine());
                    case "quit" -> {
                        printFinalStats(server);
                        return;
                    }
                    default -> System.out.println("ERROR unknown command '" + line + "'");
                }
                System.out.flush();
            }
            printFinalStats(server);
        }
    }

    private static void printFinalStats(BenchWsServer server) {
        String stats = server.describeStats();
        if (!stats.isEmpty()) {
            System.out.println(stats);
            System.out.flush();
        }
    }
}
