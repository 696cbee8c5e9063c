package io.hal9.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.hal9.core.TaskLimiter;
import io.hal9.metrics.core.TaskLimiterMetrics;
import io.hal9.testkit.ClassPathWithout;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Prometheus registry is an optional dependency of hal9-metrics: a host that exports elsewhere binds
 * HAL9's meters without it (and without hal9-pool, hal9-cache and hal9-ws, which are optional too).
 */
@Timeout(60)
class OptionalDependenciesTest {

    @Test
    void bindersWorkWithoutThePrometheusRegistryAndTheOtherModules() {
        try (ClassPathWithout cp = ClassPathWithout.entries(
                "micrometer-registry-prometheus", "prometheus-metrics", "hal9-pool", "hal9-cache", "hal9-ws")) {
            assertThat((String) cp.call(Probes.class, "bindLimiterAndStandardMeters"))
                    .contains("hal9.limiter.in.flight")
                    .contains("jvm.memory.used");
        }
    }

    /** Run in the isolated loader: it sees only what is left on the class path. */
    public static final class Probes {
        public static Object bindLimiterAndStandardMeters() {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            try (TaskLimiter limiter = TaskLimiter.builder("probe").build()) {
                TaskLimiterMetrics.builder(limiter).build().bindTo(registry);
                StandardMetrics.create().bindTo(registry);
                return registry.getMeters().stream()
                        .map(m -> m.getId().getName())
                        .sorted()
                        .toList()
                        .toString();
            }
        }
    }
}
