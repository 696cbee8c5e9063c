package io.hal9.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/** Sends PING to a Redis server, with short timeouts, to tell whether a source works. */
final class RedisProbe {

    /** Connect and read timeout of a probe, in seconds. */
    static final int PROBE_TIMEOUT_SECONDS = 2;

    private RedisProbe() {}

    static Attempt<RedisEndpoint> probe(RedisEndpoint endpoint) {
        try (RespClient client = RespClient.open(endpoint, PROBE_TIMEOUT_SECONDS)) {
            Object reply = client.call("PING");
            if ("PONG".equals(reply)) {
                return Attempt.found(endpoint);
            }
            return Attempt.missed("answered " + show(reply) + " to PING instead of +PONG; is it Redis?");
        } catch (RespClient.ErrorReply e) {
            String m = String.valueOf(e.getMessage());
            if (m.startsWith("NOAUTH")) {
                return Attempt.missed(
                        "needs a password (" + m + "); put it in HAL9_REDIS_URI:" + " redis://:password@host:port");
            }
            if (m.startsWith("WRONGPASS")) {
                return Attempt.missed("refused the user or password (" + m + ")");
            }
            return Attempt.missed("answered -" + m);
        } catch (IOException | RuntimeException e) {
            return Attempt.missed(Failures.describe(e, PROBE_TIMEOUT_SECONDS));
        }
    }

    private static String show(@Nullable Object reply) {
        if (reply instanceof byte[] bytes) {
            return "'" + new String(bytes, StandardCharsets.UTF_8) + "'";
        }
        return "'" + reply + "'";
    }
}
