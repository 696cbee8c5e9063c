package io.hal9.benchmarks.ws;

import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * One reading of a benchmark server's memory, taken inside the server JVM and sent to the driver as one
 * stdout line ({@code STATS heapUsed=... rss=... direct=... connections=...}).
 *
 * <p>Thread safety: immutable.
 *
 * @param heapUsed heap bytes in use (after two full GCs when {@code afterGc})
 * @param rss resident set size of the server process in bytes, from {@code /proc/self/status}, or -1
 * @param nettyDirect direct memory Netty has reserved, or -1 when Netty does not track it
 * @param connections open WebSocket sessions as the server counts them
 * @param afterGc whether {@link System#gc()} ran twice before the reading
 */
record ServerStats(long heapUsed, long rss, long nettyDirect, long connections, boolean afterGc) {
    static final String PREFIX = "STATS ";

    /** Reads the current figures of this JVM. */
    static ServerStats capture(long connections, boolean fullGc) {
        if (fullGc) {
            // Two collections: the first may only finish what a concurrent cycle started.
            System.gc();
            System.gc();
        }
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        return new ServerStats(heap, readRss(), PlatformDependent.usedDirectMemory(), connections, fullGc);
    }

    private static long readRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    String kb = line.substring("VmRSS:".length()).trim().split("\\s+")[0];
                    return Long.parseLong(kb) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    String toLine() {
        return PREFIX + "heapUsed=" + heapUsed + " rss=" + rss + " direct=" + nettyDirect + " connections="
                + connections + " afterGc=" + afterGc;
    }

    static ServerStats parse(String line) {
        if (!line.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a stats line: " + line);
        }
        Map<String, String> values = new HashMap<>();
        for (String pair : line.substring(PREFIX.length()).trim().split("\\s+")) {
            int eq = pair.indexOf('=');
            values.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return new ServerStats(
                Long.parseLong(values.get("heapUsed")),
                Long.parseLong(values.get("rss")),
                Long.parseLong(values.get("direct")),
                Long.parseLong(values.get("connections")),
                Boolean.parseBoolean(values.get("afterGc")));
    }
}
