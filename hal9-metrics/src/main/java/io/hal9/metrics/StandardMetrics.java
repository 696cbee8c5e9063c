package io.hal9.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Micrometer's own JVM and process binders (memory pools, GC, threads, class loading, CPU usage, uptime,
 * open files) plus {@link ProcessMemoryMetrics}, in one binder: what the saturation panels of {@code
 * docs/grafana/hal9.json} read ({@code process_cpu_usage}, {@code system_cpu_usage}, {@code
 * jvm_memory_used_bytes}, {@code process_resident_memory_bytes}). None of their names collides with a
 * HAL9 name (HAL9's start with {@code hal9.}, {@code http.} or {@code process.resident.memory}/{@code
 * process.virtual.memory}, which Micrometer does not register).
 *
 * <pre>{@code
 * StandardMetrics jvm = StandardMetrics.create();
 * jvm.bindTo(registry);
 * // ... the server runs ...
 * jvm.close(); // stops listening to GC notifications
 * }</pre>
 *
 * <p>Lint: {@code promtool check metrics} flags two of Micrometer's own names, {@code
 * process_cpu_time_ns_total} ("abbreviated units") and {@code system_cpu_count} ("_count" suffix on a
 * gauge); no HAL9 name. A host that lints its scrape adds {@link #lintFilter()} to the registry before
 * binding, which drops those two meters ({@code process_cpu_usage} and {@code system_cpu_usage} remain).
 *
 * <p>Lifecycle: the GC binder listens to the JVM's GC notifications until {@link #close()} (idempotent).
 *
 * <p>Thread safety: bind from one thread; {@link #close()} may be called from any thread.
 */
public final class StandardMetrics implements MeterBinder, AutoCloseable {
    /*
     * Design / Concurrency / Invariants: gcs holds the GC binders created by bindTo (one per registry
     * bound), guarded by its own monitor, so that close() from any thread stops each exactly once.
     */
    private final Tags tags;
    private final List<JvmGcMetrics> gcs = new ArrayList<>();

    private StandardMetrics(Tags tags) {
        this.tags = tags;
    }

    /** The standard binders, with no tags. */
    public static StandardMetrics create() {
        return new StandardMetrics(Tags.empty());
    }

    /** The standard binders, with {@code tags}. */
    public static StandardMetrics create(Iterable<Tag> tags) {
        return new StandardMetrics(Tags.of(Objects.requireNonNull(tags, "tags")));
    }

    /**
     * A filter that drops Micrometer's {@code process.cpu.time} and {@code system.cpu.count}, the only
     * meters of a HAL9 scrape that {@code promtool check metrics} lints. Add it with {@code
     * registry.config().meterFilter(StandardMetrics.lintFilter())} before binding anything.
     */
    public static MeterFilter lintFilter() {
        return MeterFilter.deny(
                id -> id.getName().equals("process.cpu.time") || id.getName().equals("system.cpu.count"));
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        new ClassLoaderMetrics(tags).bindTo(registry);
        new JvmMemoryMetrics(tags).bindTo(registry);
        new JvmThreadMetrics(tags).bindTo(registry);
        new ProcessorMetrics(tags).bindTo(registry);
        new UptimeMetrics(tags).bindTo(registry);
        new FileDescriptorMetrics(tags).bindTo(registry);
        ProcessMemoryMetrics.create(tags).bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics(tags);
        gc.bindTo(registry);
        synchronized (gcs) {
            gcs.add(gc);
        }
    }

    /** Stops the GC binders' notification listeners. Idempotent. */
    @Override
    public void close() {
        synchronized (gcs) {
            for (JvmGcMetrics gc : gcs) {
                gc.close();
            }
            gcs.clear();
        }
    }
}
