package io.hal9.redis;

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
 * A Redis that refuses, or an address that does not resolve, at start: an unchecked HAL9 exception that
 * names the endpoint, and every thread the shared client started ends.
 */
@Timeout(60)
class StartFailureTest {

    @Test
    void aRefusedRedisIsNamedAndLeavesNoThreadRunning() {
        int port = FreePorts.take(1).get(0); // free now: nothing listens there
        assertThatThrownBy(() -> SharedRedis.create("redis://127.0.0.1:" + port))
                .isInstanceOf(SharedRedisException.class)
                .isInstanceOf(Hal9Exception.class)
                .hasMessageContaining("127.0.0.1:" + port);
        awaitNoLettuceThreads();
    }

    @Test
    void anAddressThatDoesNotResolveIsNamedAndLeavesNoThreadRunning() {
        assertThatThrownBy(() -> SharedRedis.create("redis://no-such-host.invalid:6379"))
                .isInstanceOf(SharedRedisException.class)
                .hasMessageContaining("no-such-host.invalid");
        awaitNoLettuceThreads();
    }

    /** Lettuce shuts its event loops down with a short quiet period: wait for them, up to 10 s. */
    private static void awaitNoLettuceThreads() {
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(lettuceThreads())
                        .as("Lettuce threads still running after the failed start")
                        .isEmpty());
    }

    private static List<String> lettuceThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(n -> n.startsWith("lettuce-"))
                .toList();
    }
}
