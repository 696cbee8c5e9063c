package io.hal9.testkit;

/**
 * A Redis server handed to one test, isolated by a key prefix of its own.
 *
 * <p>The prefix is {@code hal9test:} followed by 12 random hex digits and a colon. When the scope
 * that asked for this object ends (a test method, or the test class for constructor and {@code
 * @BeforeAll} parameters; see {@link PostgresService}) every key that starts with the prefix is
 * deleted ({@code SCAN MATCH prefix*} then {@code DEL}).
 *
 * <p>Limits: only keys under the prefix are cleaned up. A test that writes other keys, or that
 * runs server-wide commands ({@code FLUSHALL}, {@code CONFIG SET}), affects every other test
 * sharing the server.
 *
 * <p>Thread safety: immutable; safe to use from any number of threads.
 */
public interface RedisService {

    /**
     * The URI of the server, for Lettuce ({@code RedisClient.create(uri())}) and the like.
     *
     * @return a {@code redis://[[user:]password@]host:port[/database]} URI
     */
    String uri();

    /**
     * The prefix of this test's keys.
     *
     * @return {@code hal9test:<12 hex digits>:}
     */
    String keyPrefix();

    /**
     * A key under this test's prefix.
     *
     * @param name the rest of the key, not empty
     * @return {@code keyPrefix() + name}
     * @throws IllegalArgumentException when {@code name} is empty
     */
    String key(String name);
}
