package io.hal9.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.hal9.testkit.JavadocExamples;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every Javadoc example of hal9-redis, word for word between its markers, in a method that declares what the
 * example assumes, so that the compiler checks it as pasted. Compiled only: it connects to the cluster it
 * names. (An example here can use hal9-redis alone: the caches and the room bus that take a SharedRedis
 * depend on this module, and show it in their own examples.)
 */
@Timeout(10)
class JavadocExamplesTest {
    private final List<byte[]> applied = new CopyOnWriteArrayList<>();

    @Test
    void everyJavadocExampleOfTheModuleIsHeldWordForWord() {
        assertThat(JavadocExamples.checkModule(Path.of(""))).isPositive();
    }

    @SuppressWarnings("unused") // compiled, never called
    void sharedRedis(byte[] encodedMove) {
        // javadoc-example: SharedRedis#1 begins
        try (SharedRedis redis = SharedRedis.create("redis-cluster://10.0.0.1:7000,10.0.0.2:7000")) {
            // hand it to every Redis user of the process: .redis(redis) on the RedisCache and NearCache
            // builders, RedisRoomBus.create(redis); and close them before it
            SharedRedis.Subscription moves = redis.subscribe("moves:instance-1", (channel, message) -> apply(message));
            redis.publish("moves:instance-2", encodedMove); // its pub/sub serves the host's own messages too
            moves.close();
        }
        // javadoc-example: SharedRedis#1 ends
    }

    private void apply(byte[] move) {
        applied.add(move);
    }
}
