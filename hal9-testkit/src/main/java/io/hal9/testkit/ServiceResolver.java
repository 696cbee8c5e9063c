package io.hal9.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds PostgreSQL and Redis in the order of DESIGN.md, once per instance and service:
 * <ol>
 *   <li>the environment variable ({@code HAL9_POSTGRES_URL} / {@code HAL9_REDIS_URI}); when set
 *       it is the only source tried, so that a test never runs against another server than the
 *       one named;
 *   <li>the local default port (database {@code test} on 127.0.0.1:5432, as {@code postgres} or
 *       the OS user; a PING to 127.0.0.1:6379);
 *   <li>containers, when a Docker engine answers.
 * </ol>
 * When none gives a service the {@link Resolution} carries the reason, naming each source and why
 * it failed; {@link #servicesRequired()} tells whether that skips or fails a test.
 *
 * <p>The environment is a {@code Map} (not {@link System#getenv()}) and the local ports and the
 * container source are parameters, so that the order and the messages can be tested without
 * services. The JVM-wide instance is {@link #system()}.
 *
 * <p>Concurrency: each service's result is computed once ({@link Memo}) and immutable afterwards;
 * the two services resolve independently.
 */
final class ServiceResolver {

    static final String REQUIRE_VARIABLE = "HAL9_REQUIRE_SERVICES";
    static final String LOCAL_HOST = "127.0.0.1";
    static final int LOCAL_POSTGRES_PORT = 5432;
    static final int LOCAL_REDIS_PORT = 6379;

    private static final Logger LOG = LoggerFactory.getLogger(ServiceResolver.class);

    private final Map<String, String> env;
    private final String localHost;
    private final int localPostgresPort;
    private final int localRedisPort;
    private final ContainerSource containers;
    private final Memo<Resolution<PostgresEndpoint>> postgres = new Memo<>(this::resolvePostgres);
    private final Memo<Resolution<RedisEndpoint>> redis = new Memo<>(this::resolveRedis);

    ServiceResolver(
            Map<String, String> env,
            String localHost,
            int localPostgresPort,
            int localRedisPort,
            ContainerSource containers) {
        this.env = Map.copyOf(Objects.requireNonNull(env, "env"));
        this.localHost = Objects.requireNonNull(localHost, "localHost");
        this.localPostgresPort = localPostgresPort;
        this.localRedisPort = localRedisPort;
        this.containers = Objects.requireNonNull(containers, "containers");
    }

    /** The resolver of this JVM: real environment, default ports, Testcontainers. */
    static ServiceResolver system() {
        Map<String, String> env = System.getenv();
        return new ServiceResolver(
                env, LOCAL_HOST, LOCAL_POSTGRES_PORT, LOCAL_REDIS_PORT, new TestcontainersSource(env));
    }

    /** Whether a missing service fails the test ({@code HAL9_REQUIRE_SERVICES=1} or {@code true}). */
    boolean servicesRequired() {
        String v = env.getOrDefault(REQUIRE_VARIABLE, "").strip().toLowerCase(Locale.ROOT);
        return v.equals("1") || v.equals("true");
    }

    Resolution<PostgresEndpoint> postgres() {
        return postgres.get();
    }

    Resolution<RedisEndpoint> redis() {
        return redis.get();
    }

    /** Whichever of {@link #postgres()} and {@link #redis()} {@code service} names. */
    Resolution<?> resolution(Service service) {
        return switch (service) {
            case POSTGRES -> postgres();
            case REDIS -> redis();
        };
    }

    /** The endpoint, or the current test is skipped (failed when required) with the reason. */
    PostgresEndpoint requirePostgres() {
        return postgres().require(servicesRequired());
    }

    /** The endpoint, or the current test is skipped (failed when required) with the reason. */
    RedisEndpoint requireRedis() {
        return redis().require(servicesRequired());
    }

    /** Whichever of {@link #requirePostgres()} and {@link #requireRedis()} {@code service} names. */
    void require(Service service) {
        switch (service) {
            case POSTGRES -> requirePostgres();
            case REDIS -> requireRedis();
        }
    }

    private Resolution<PostgresEndpoint> resolvePostgres() {
        Service s = Service.POSTGRES;
        String url = env.getOrDefault(s.variable(), "").strip();
        if (!url.isEmpty()) {
            String shown = s.variable() + "=" + JdbcUrls.masked(url);
            if (!PostgresProbe.isPostgresUrl(url)) {
                return fromVariable(
                        s,
                        Attempt.missed("not a PostgreSQL JDBC URL; expected"
                                + " jdbc:postgresql://host:port/database?user=...&password=..."),
                        shown);
            }
            return fromVariable(s, PostgresProbe.probeUrl(url, s.variable()), shown);
        }
        List<String> tried = new ArrayList<>();
        tried.add(s.variable() + " (unset)");
        Attempt<PostgresEndpoint> local = PostgresProbe.probeLocal(localHost, localPostgresPort);
        if (local.endpoint() != null) {
            return found(s, local.endpoint(), local.endpoint().origin());
        }
        tried.add(localHost + ":" + localPostgresPort + " (" + local.note() + ")");
        Attempt<PostgresEndpoint> docker = containers.postgres();
        if (docker.endpoint() != null) {
            return found(s, docker.endpoint(), docker.endpoint().origin());
        }
        tried.add("Docker (" + docker.note() + ")");
        return missing(s, tried, "start PostgreSQL");
    }

    private Resolution<RedisEndpoint> resolveRedis() {
        Service s = Service.REDIS;
        String uri = env.getOrDefault(s.variable(), "").strip();
        if (!uri.isEmpty()) {
            String shown = s.variable() + "=" + RedisEndpoint.masked(uri);
            RedisEndpoint endpoint;
            try {
                endpoint = RedisEndpoint.parse(uri, s.variable());
            } catch (IllegalArgumentException e) {
                return fromVariable(s, Attempt.missed("not a Redis URI: " + e.getMessage()), shown);
            }
            return fromVariable(s, RedisProbe.probe(endpoint), shown);
        }
        List<String> tried = new ArrayList<>();
        tried.add(s.variable() + " (unset)");
        String where = localHost + ":" + localRedisPort;
        Attempt<RedisEndpoint> local = RedisProbe.probe(RedisEndpoint.plain(localHost, localRedisPort, where));
        if (local.endpoint() != null) {
            return found(s, local.endpoint(), where);
        }
        tried.add(where + " (" + local.note() + ")");
        Attempt<RedisEndpoint> docker = containers.redis();
        if (docker.endpoint() != null) {
            return found(s, docker.endpoint(), docker.endpoint().origin());
        }
        tried.add("Docker (" + docker.note() + ")");
        return missing(s, tried, "start Redis");
    }

    private static <E> Resolution<E> fromVariable(Service s, Attempt<E> attempt, String shown) {
        E endpoint = attempt.endpoint();
        if (endpoint != null) {
            return found(s, endpoint, s.variable());
        }
        String reason = s.displayName() + " not available: tried " + shown + " (" + attempt.note() + "); no other"
                + " source is tried while " + s.variable() + " is set — fix " + s.variable() + " or unset it";
        LOG.info("hal9-testkit: {}", reason);
        return new Resolution<>(null, reason);
    }

    private static <E> Resolution<E> found(Service s, E endpoint, String origin) {
        LOG.info("hal9-testkit: {} from {}", s.displayName(), origin);
        return new Resolution<>(endpoint, s.displayName() + " from " + origin);
    }

    private static <E> Resolution<E> missing(Service s, List<String> tried, String hint) {
        String reason = s.displayName() + " not available: tried " + String.join(", ", tried) + " — set " + s.variable()
                + " or " + hint;
        LOG.info("hal9-testkit: {}", reason);
        return new Resolution<>(null, reason);
    }
}
