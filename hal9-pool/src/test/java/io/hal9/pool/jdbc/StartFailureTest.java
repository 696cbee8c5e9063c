package io.hal9.pool.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.hal9.core.Hal9Exception;
import io.hal9.testkit.FreePorts;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A database that refuses at start (with {@code failFast}, the default): an unchecked HAL9 exception that
 * names the pool and the address, and every thread the pool started ends.
 */
@Timeout(60)
class StartFailureTest {

    @Test
    void aRefusedDatabaseIsNamedAndLeavesNoThreadRunning() {
        int port = FreePorts.take(1).get(0); // free now: nothing listens there
        assertThatThrownBy(() -> JdbcPool.builder("refused")
                        .jdbcUrl("jdbc:postgresql://127.0.0.1:" + port + "/test")
                        .connectionTimeout(Duration.ofSeconds(1))
                        .build())
                .isInstanceOf(Hal9Exception.class)
                .hasMessageContaining("refused")
                .hasMessageContaining("127.0.0.1:" + port);
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(poolThreads())
                        .as("threads of pool 'refused' still running after the failed start")
                        .isEmpty());
    }

    private static List<String> poolThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(n -> n.contains("refused"))
                .toList();
    }
}
