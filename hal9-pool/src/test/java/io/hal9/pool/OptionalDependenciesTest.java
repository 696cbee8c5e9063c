package io.hal9.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.hal9.pool.jdbc.JdbcPool;
import io.hal9.testkit.ClassPathWithout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * HikariCP is an optional dependency of hal9-pool: {@code ObjectPool} users do not get it, and a {@code
 * JdbcPool} without it names the artifact to add at its builder.
 */
@Timeout(60)
class OptionalDependenciesTest {

    @Test
    void anObjectPoolWorksWithoutHikariCp() {
        try (ClassPathWithout cp = ClassPathWithout.entries("HikariCP")) {
            assertThat(cp.call(Probes.class, "objectPoolRoundTrip")).isEqualTo("borrowed");
        }
    }

    @Test
    void aJdbcPoolNamesHikariCpWhenItIsMissing() {
        try (ClassPathWithout cp = ClassPathWithout.entries("HikariCP")) {
            assertThat(cp.failureOf(Probes.class, "jdbcPoolBuilder"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("JdbcPool needs com.zaxxer:HikariCP")
                    .hasMessageContaining("add the dependency");
        }
    }

    /** Run in the isolated loader: they see only what is left on the class path. */
    public static final class Probes {
        public static Object objectPoolRoundTrip() {
            try (ObjectPool<StringBuilder> pool =
                            ObjectPool.builder("probe", StringBuilder::new).build();
                    Lease<StringBuilder> lease = pool.claim()) {
                return lease.get().append("borrowed").toString();
            }
        }

        public static Object jdbcPoolBuilder() {
            return JdbcPool.builder("probe");
        }
    }
}
