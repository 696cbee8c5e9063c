package io.hal9.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process's memory as the operating system sees it (heap, metaspace, thread stacks, direct buffers,
 * the JIT's code, everything): {@code process.resident.memory} and {@code process.virtual.memory}, in
 * bytes, exported to Prometheus as {@code process_resident_memory_bytes} and {@code
 * process_virtual_memory_bytes}. Micrometer's own binders report the JVM's pools ({@code jvm.memory.*}),
 * not this.
 *
 * <p>Limits: read from {@code /proc/self/status} ({@code VmRSS}, {@code VmSize}) at every scrape, so
 * Linux only. Where that file cannot be read (macOS, Windows, a restricted container), {@link #bindTo}
 * registers nothing and logs at INFO once: the series are absent, not zero. {@link #isSupported()} tells
 * in advance.
 *
 * <p>Thread safety: may be bound and read from any thread.
 */
public final class ProcessMemoryMetrics implements MeterBinder {
    private static final Logger log = LoggerFactory.getLogger(ProcessMemoryMetrics.class);
    private static final Path STATUS = Path.of("/proc/self/status");

    private final Path status;
    private final Tags tags;

    private ProcessMemoryMetrics(Path status, Tags tags) {
        this.status = status;
        this.tags = tags;
    }

    /** Memory metrics of this process, with no tags. */
    public static ProcessMemoryMetrics create() {
        return new ProcessMemoryMetrics(STATUS, Tags.empty());
    }

    /** Memory metrics of this process, with {@code tags}. */
    public static ProcessMemoryMetrics create(Iterable<Tag> tags) {
        return new ProcessMemoryMetrics(STATUS, Tags.of(Objects.requireNonNull(tags, "tags")));
    }

    /** Memory metrics read from {@code status}, a file shaped as {@code /proc/self/status} (for tests). */
    static ProcessMemoryMetrics forFile(Path status) {
        return new ProcessMemoryMetrics(status, Tags.empty());
    }

    /** Whether this platform exposes the figures (a readable {@code /proc/self/status} with {@code VmRSS}). */
    public boolean isSupported() {
        return read(status, "VmRSS:") > 0;
    }

    /** The resident set size now, in bytes; -1 where not supported. */
    public long residentBytes() {
        return read(status, "VmRSS:");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        if (!isSupported()) {
            log.info(
                    "process memory metrics: {} is not readable here; process_resident_memory_bytes is not exported",
                    status);
            return;
        }
        Gauge.builder("process.resident.memory", this, m -> positiveOrNaN(read(m.status, "VmRSS:")))
                .description("Resident set size of the process, from the operating system")
                .baseUnit("bytes")
                .tags(tags)
                .strongReference(true)
                .register(registry);
        Gauge.builder("process.virtual.memory", this, m -> positiveOrNaN(read(m.status, "VmSize:")))
                .description("Virtual memory size of the process, from the operating system")
                .baseUnit("bytes")
                .tags(tags)
                .strongReference(true)
                .register(registry);
    }

    private static double positiveOrNaN(long v) {
        return v > 0 ? v : Double.NaN;
    }

    /** The value of a {@code kB} line of /proc/self/status in bytes, or -1. */
    static long read(Path file, String key) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
        } catch (IOException | SecurityException e) {
            return -1;
        }
        for (String line : lines) {
            if (line.startsWith(key)) {
                String[] parts = line.substring(key.length()).trim().split("\\s+");
                try {
                    long kb = Long.parseLong(parts[0]);
                    return parts.length > 1 && parts[1].equalsIgnoreCase("kB") ? kb * 1024 : kb;
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }
}
