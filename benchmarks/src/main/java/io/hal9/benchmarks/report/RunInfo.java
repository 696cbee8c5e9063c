package io.hal9.benchmarks.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What JMH's JSON does not say about a run: the machine, the JDK's vendor, the profile, the command and
 * the date. {@link Suite} writes it beside the results ({@code X.json} gets {@code X.machine.json}) so that
 * a page regenerated later, or elsewhere, still names the machine the numbers came from.
 *
 * <p>Thread safety: immutable.
 *
 * @param date the run's start, ISO-8601 UTC
 * @param profile quick, full or smoke, with its settings
 * @param command the command that reproduces the run
 * @param cpu CPU model
 * @param cores logical CPUs
 * @param memory total memory, e.g. {@code 7.8 GiB}
 * @param os operating system and kernel
 * @param jdkVendor the JDK's vendor ({@code java.vendor})
 * @param jdkVersion the JDK's runtime version ({@code java.runtime.version})
 * @param jvmFlags the flags every forked JVM gets from the suite
 * @param failed the benchmark methods that failed or gave fewer results than planned (empty when none)
 */
record RunInfo(
        String date,
        String profile,
        String command,
        String cpu,
        int cores,
        String memory,
        String os,
        String jdkVendor,
        String jdkVersion,
        List<String> jvmFlags,
        List<String> failed) {

    public RunInfo {
        Objects.requireNonNull(date, "date");
        jvmFlags = List.copyOf(jvmFlags == null ? List.of() : jvmFlags);
        failed = List.copyOf(failed == null ? List.of() : failed);
    }

    /** This run, with the benchmarks that failed. */
    RunInfo withFailed(List<String> methods) {
        return new RunInfo(date, profile, command, cpu, cores, memory, os, jdkVendor, jdkVersion, jvmFlags, methods);
    }

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** The machine and JDK this process runs on, for a run of {@code profile} started at {@code date}. */
    static RunInfo probe(String date, String profile, String command, List<String> jvmFlags) {
        return new RunInfo(
                date,
                profile,
                command,
                cpuModel(),
                Runtime.getRuntime().availableProcessors(),
                totalMemory(),
                System.getProperty("os.name", "?") + " " + System.getProperty("os.version", "?") + " "
                        + System.getProperty("os.arch", "?"),
                System.getProperty("java.vendor", "?"),
                System.getProperty("java.runtime.version", System.getProperty("java.version", "?")),
                jvmFlags,
                List.of());
    }

    /** The {@code model name} of {@code /proc/cpuinfo}, else {@code os.arch}. */
    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // not Linux: fall through
        }
        return "unknown CPU (" + System.getProperty("os.arch", "?") + ")";
    }

    /** {@code MemTotal} of {@code /proc/meminfo}, else the JVM's view of physical memory. */
    static String totalMemory() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return gib(kib * 1024);
                }
            }
        } catch (IOException | UncheckedIOException | NumberFormatException e) {
            // not Linux: fall through
        }
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return gib(os.getTotalMemorySize());
        }
        return "unknown";
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
    }

    /** {@code X.json} becomes {@code X.machine.json}. */
    static Path besides(Path results) {
        String name = results.getFileName().toString();
        String base = name.endsWith(".json") ? name.substring(0, name.length() - ".json".length()) : name;
        return results.resolveSibling(base + ".machine.json");
    }

    void write(Path file) {
        try {
            Files.writeString(file, MAPPER.writeValueAsString(this) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    static RunInfo read(Path file) {
        try {
            return MAPPER.readValue(Files.readString(file), RunInfo.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": not a run description: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
