package io.hal9.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One test scope's key prefix; {@link #close()} deletes every key under it.
 *
 * <p>Concurrency: immutable but for {@code closed}, which makes {@link #close()} run once.
 */
final class RedisKeyspace implements RedisService, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisKeyspace.class);

    /** Connect and read timeout of the cleanup connection, in seconds. */
    private static final int TIMEOUT_SECONDS = 10;

    /** Keys asked for per SCAN step. */
    private static final String SCAN_COUNT = "1000";

    private final RedisEndpoint endpoint;
    private final String prefix;
    private final AtomicBoolean closed = new AtomicBoolean();

    private RedisKeyspace(RedisEndpoint endpoint, String prefix) {
        this.endpoint = endpoint;
        this.prefix = prefix;
    }

    /** A fresh random prefix on the endpoint; nothing is written until the test writes. */
    static RedisKeyspace create(RedisEndpoint endpoint) {
        Objects.requireNonNull(endpoint, "endpoint");
        String random =
                UUID.randomUUID().toString().replace("-", "").substring(0, 12).toLowerCase(Locale.ROOT);
        return new RedisKeyspace(endpoint, "hal9test:" + random + ":");
    }

    @Override
    public String uri() {
        return endpoint.uri();
    }

    @Override
    public String keyPrefix() {
        return prefix;
    }

    @Override
    public String key(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("redis key name must not be empty (the prefix alone is " + prefix + ")");
        }
        return prefix + name;
    }

    /**
     * Deletes every key under the prefix ({@code SCAN MATCH prefix*}, then {@code DEL}).
     *
     * @throws IllegalStateException when the server could not be reached or refused a command
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long deleted = 0;
        // The prefix is hal9test:, hex digits and colons: nothing in it is special to MATCH.
        String pattern = prefix + "*";
        try (RespClient client = RespClient.open(endpoint, TIMEOUT_SECONDS)) {
            String cursor = "0";
            do {
                Object reply = client.call("SCAN", cursor, "MATCH", pattern, "COUNT", SCAN_COUNT);
                if (!(reply instanceof List<?> parts)
                        || parts.size() != 2
                        || !(parts.get(0) instanceof byte[] next)
                        || !(parts.get(1) instanceof List<?> keys)) {
                    throw new IOException("unexpected SCAN reply: " + reply);
                }
                cursor = new String(next, StandardCharsets.US_ASCII);
                if (!keys.isEmpty()) {
                    List<byte[]> del = new ArrayList<>(keys.size() + 1);
                    del.add("DEL".getBytes(StandardCharsets.US_ASCII));
                    for (Object k : keys) {
                        if (k instanceof byte[] key) {
                            del.add(key);
                        }
                    }
                    Object count = client.call(del);
                    deleted += count instanceof Long n ? n : 0;
                }
            } while (!cursor.equals("0"));
        } catch (IOException e) {
            throw new IllegalStateException(
                    "hal9-testkit: could not delete the keys " + pattern + " on " + endpoint.origin() + ": "
                            + Failures.describe(e, TIMEOUT_SECONDS),
                    e);
        }
        LOG.debug("hal9-testkit: deleted {} key(s) under {}", deleted, prefix);
    }

    @Override
    public String toString() {
        return "RedisService[prefix=" + prefix + ", " + endpoint.origin() + "]";
    }
}
