package io.hal9.examples.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a flood test compares before and after an attack, read off a server process from {@code /proc} (Linux)
 * and {@code jcmd}: resident memory, threads, open descriptors, and heap in use right after a full GC.
 */
record ProcessGauges(long rssKiB, int threads, int descriptors, long heapUsedKiB) {
    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

    /** Reads the gauges of {@code pid}; runs a GC in it first so that the heap figure is live data only. */
    static ProcessGauges of(long pid) throws IOException, InterruptedException {
        jcmd(pid, "GC.run");
        String heap = jcmd(pid, "GC.heap_info");
        Matcher m = HEAP_USED.matcher(heap);
        if (!m.find()) {
            throw new IllegalStateException("no heap figure in jcmd GC.heap_info:\n" + heap);
        }
        long heapKiB = Long.parseLong(m.group(1));
        List<String> status = Files.readAllLines(Path.of("/proc/" + pid + "/status"));
        long rss = field(status, "VmRSS:");
        int threads = (int) field(status, "Threads:");
        int fds;
        try (Stream<Path> s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            fds = (int) s.count();
        }
        return new ProcessGauges(rss, threads, fds, heapKiB);
    }

    private static long field(List<String> status, String name) {
        for (String line : status) {
            if (line.startsWith(name)) {
                return Long.parseLong(line.substring(name.length()).trim().split("\\s+")[0]);
            }
        }
        throw new IllegalStateException("no " + name + " in /proc status");
    }

    private static String jcmd(long pid, String command) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), String.valueOf(pid), command)
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("jcmd " + pid + " " + command + " failed:\n" + out);
        }
        return out;
    }

    @Override
    public String toString() {
        return "RSS " + rssKiB / 1024 + " MiB, " + threads + " threads, " + descriptors + " descriptors, heap "
                + heapUsedKiB / 1024 + " MiB after GC";
    }
}
