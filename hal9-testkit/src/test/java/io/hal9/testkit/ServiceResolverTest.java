package io.hal9.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/**
 * The resolution order and the skip-versus-fail rule, without real services: closed ports, fake
 * Redis servers on loopback, and a fake container source.
 */
@Timeout(20)
class ServiceResolverTest {

    private static final String HOST = "127.0.0.1";

    /** Counts calls; answers "no engine" unless given an endpoint. */
    private static final class FakeContainers implements ContainerSource {
        final AtomicInteger postgresCalls = new AtomicInteger();
        final AtomicInteger redisCalls = new AtomicInteger();
        Attempt<PostgresEndpoint> postgres = Attempt.missed("no engine");
        Attempt<RedisEndpoint> redis = Attempt.missed("no engine");

        @Override
        public Attempt<PostgresEndpoint> postgres() {
            postgresCalls.incrementAndGet();
            return postgres;
        }

        @Override
        public Attempt<RedisEndpoint> redis() {
            redisCalls.incrementAndGet();
            return redis;
        }
    }

    private static ServiceResolver resolver(Map<String, String> env, int pgPort, int redisPort, ContainerSource c) {
        return new ServiceResolver(env, HOST, pgPort, redisPort, c);
    }

    @Test
    void postgresFoundNowhereIsSkippedWithEverySourceAndWhyItFailed() throws Exception {
        int closed = FakeRedisServer.closedPort();
        ServiceResolver r = resolver(Map.of(), closed, closed, new FakeContainers());

        String expected = "PostgreSQL not available: tried HAL9_POSTGRES_URL (unset), 127.0.0.1:" + closed
                + " (connection refused), Docker (no engine) — set HAL9_POSTGRES_URL or start PostgreSQL";
        assertThat(r.postgres().available()).isFalse();
        assertThat(r.postgres().description()).isEqualTo(expected);
        assertThatThrownBy(r::requirePostgres)
                .isExactlyInstanceOf(TestAbortedException.class)
                .hasMessage(expected);
    }

    @Test
    void redisFoundNowhereIsSkippedWithEverySourceAndWhyItFailed() throws Exception {
        int closed = FakeRedisServer.closedPort();
        ServiceResolver r = resolver(Map.of(), closed, closed, new FakeContainers());

        String expected = "Redis not available: tried HAL9_REDIS_URI (unset), 127.0.0.1:" + closed
                + " (connection refused), Docker (no engine) — set HAL9_REDIS_URI or start Redis";
        assertThatThrownBy(r::requireRedis)
                .isExactlyInstanceOf(TestAbortedException.class)
                .hasMessage(expected);
    }

    @Test
    void aMissingServiceFailsInsteadOfSkippingWhenServicesAreRequired() throws Exception {
        int closed = FakeRedisServer.closedPort();
        ServiceResolver r = resolver(Map.of("HAL9_REQUIRE_SERVICES", "1"), closed, closed, new FakeContainers());

        assertThat(r.servicesRequired()).isTrue();
        assertThatThrownBy(r::requirePostgres)
                .isExactlyInstanceOf(AssertionFailedError.class)
                .hasMessageStartingWith("PostgreSQL not available: tried HAL9_POSTGRES_URL (unset), 127.0.0.1:" + closed
                        + " (connection refused), Docker (no engine)")
                .hasMessageEndingWith(Resolution.REQUIRED_SUFFIX);
        assertThatThrownBy(r::requireRedis)
                .isExactlyInstanceOf(AssertionFailedError.class)
                .hasMessageContaining("Redis not available: tried HAL9_REDIS_URI (unset)");
    }

    @Test
    void onlyOneOrTrueMakesServicesRequired() {
        FakeContainers c = new FakeContainers();
        assertThat(resolver(Map.of("HAL9_REQUIRE_SERVICES", "true"), 1, 1, c).servicesRequired())
                .isTrue();
        assertThat(resolver(Map.of("HAL9_REQUIRE_SERVICES", " TRUE "), 1, 1, c).servicesRequired())
                .isTrue();
        assertThat(resolver(Map.of("HAL9_REQUIRE_SERVICES", "0"), 1, 1, c).servicesRequired())
                .isFalse();
        assertThat(resolver(Map.of("HAL9_REQUIRE_SERVICES", ""), 1, 1, c).servicesRequired())
                .isFalse();
        assertThat(resolver(Map.of(), 1, 1, c).servicesRequired()).isFalse();
    }

    @Test
    void theLocalPortIsUsedWhenTheVariableIsUnsetAndContainersAreNotTried() throws Exception {
        FakeContainers containers = new FakeContainers();
        try (FakeRedisServer local = new FakeRedisServer("+PONG\r\n")) {
            ServiceResolver r = resolver(Map.of(), FakeRedisServer.closedPort(), local.port(), containers);

            RedisEndpoint endpoint = r.requireRedis();

            assertThat(endpoint.port()).isEqualTo(local.port());
            assertThat(endpoint.uri()).isEqualTo("redis://127.0.0.1:" + local.port());
            assertThat(r.redis().description()).isEqualTo("Redis from 127.0.0.1:" + local.port());
            assertThat(containers.redisCalls).hasValue(0);
        }
    }

    @Test
    void theVariableWinsOverAWorkingLocalPort() throws Exception {
        try (FakeRedisServer named = new FakeRedisServer("+PONG\r\n");
                FakeRedisServer local = new FakeRedisServer("+PONG\r\n")) {
            String uri = "redis://127.0.0.1:" + named.port();
            ServiceResolver r = resolver(
                    Map.of("HAL9_REDIS_URI", uri), FakeRedisServer.closedPort(), local.port(), new FakeContainers());

            assertThat(r.requireRedis().uri()).isEqualTo(uri);
            assertThat(r.redis().description()).isEqualTo("Redis from HAL9_REDIS_URI");
            assertThat(named.connections()).isEqualTo(1);
            assertThat(local.connections()).isZero();
        }
    }

    @Test
    void aSetVariableThatDoesNotAnswerIsTheOnlySourceTried() throws Exception {
        FakeContainers containers = new FakeContainers();
        try (FakeRedisServer local = new FakeRedisServer("+PONG\r\n")) {
            int closed = FakeRedisServer.closedPort();
            ServiceResolver r =
                    resolver(Map.of("HAL9_REDIS_URI", "redis://127.0.0.1:" + closed), closed, local.port(), containers);

            assertThat(r.redis().available()).isFalse();
            assertThat(r.redis().description())
                    .isEqualTo("Redis not available: tried HAL9_REDIS_URI=redis://127.0.0.1:" + closed
                            + " (connection refused); no other source is tried while HAL9_REDIS_URI is set"
                            + " — fix HAL9_REDIS_URI or unset it");
            assertThat(local.connections()).isZero();
            assertThat(containers.redisCalls).hasValue(0);
        }
    }

    @Test
    void containersAreTriedLastWhenTheLocalPortDoesNotAnswer() throws Exception {
        FakeContainers containers = new FakeContainers();
        containers.redis =
                Attempt.found(RedisEndpoint.plain("127.0.0.1", 32768, "Docker " + TestcontainersSource.REDIS_IMAGE));
        int closed = FakeRedisServer.closedPort();
        ServiceResolver r = resolver(Map.of(), closed, closed, containers);

        assertThat(r.requireRedis().port()).isEqualTo(32768);
        assertThat(r.redis().description()).isEqualTo("Redis from Docker redis:7-alpine");
        assertThat(containers.redisCalls).hasValue(1);
    }

    @Test
    void eachServiceIsResolvedOnceEvenWhenParallelTestsAskTogether() throws Exception {
        FakeContainers containers = new FakeContainers();
        int closed = FakeRedisServer.closedPort();
        ServiceResolver r = resolver(Map.of(), closed, closed, containers);
        int threads = 4;
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Future<Resolution<RedisEndpoint>>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return r.redis();
                }));
            }
            Resolution<RedisEndpoint> first = results.get(0).get();
            for (Future<Resolution<RedisEndpoint>> f : results) {
                assertThat(f.get()).isSameAs(first);
            }
        }
        assertThat(r.redis().available()).isFalse();
        assertThatThrownBy(r::requireRedis).isInstanceOf(TestAbortedException.class);
        assertThat(containers.redisCalls).hasValue(1);
        assertThat(containers.postgresCalls).hasValue(0);
    }

    @Test
    void aRedisThatWantsAPasswordIsNamedAsSuch() throws Exception {
        try (FakeRedisServer local = new FakeRedisServer("-NOAUTH Authentication required.\r\n")) {
            ServiceResolver r = resolver(Map.of(), 1, local.port(), new FakeContainers());

            assertThat(r.redis().description())
                    .contains("127.0.0.1:" + local.port() + " (needs a password (NOAUTH Authentication required.);"
                            + " put it in HAL9_REDIS_URI: redis://:password@host:port)");
        }
    }

    @Test
    void somethingOtherThanRedisOnThePortIsNamedAsSuch() throws Exception {
        try (FakeRedisServer local = new FakeRedisServer("HTTP/1.1 400 Bad Request\r\n")) {
            ServiceResolver r = resolver(Map.of(), 1, local.port(), new FakeContainers());

            assertThat(r.redis().description()).contains("not a RESP reply: starts with 'HTTP/1.1 400 Bad Request'");
        }
    }

    @Test
    void malformedVariablesAreReportedWithTheExpectedForm() {
        FakeContainers c = new FakeContainers();
        Map<String, String> env = new HashMap<>();
        env.put("HAL9_POSTGRES_URL", "mysql://127.0.0.1/test");
        env.put("HAL9_REDIS_URI", "rediss://127.0.0.1:6380");
        ServiceResolver r = resolver(env, 1, 1, c);

        assertThat(r.postgres().description())
                .isEqualTo("PostgreSQL not available: tried HAL9_POSTGRES_URL=mysql://127.0.0.1/test (not a"
                        + " PostgreSQL JDBC URL; expected jdbc:postgresql://host:port/database?user=...&password=...);"
                        + " no other source is tried while HAL9_POSTGRES_URL is set — fix HAL9_POSTGRES_URL or unset"
                        + " it");
        assertThat(r.redis().description())
                .contains("(not a Redis URI: rediss:// (TLS) is not supported by the testkit, use redis://)");
        assertThat(resolver(Map.of("HAL9_REDIS_URI", "http://127.0.0.1:6379"), 1, 1, c)
                        .redis()
                        .description())
                .contains("(not a Redis URI: expected redis://host:port, the scheme was 'http')");
        assertThat(c.postgresCalls).hasValue(0);
        assertThat(c.redisCalls).hasValue(0);
    }

    @Test
    void passwordsInTheVariablesNeverAppearInReasons() throws Exception {
        int closed = FakeRedisServer.closedPort();
        Map<String, String> env = Map.of(
                "HAL9_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:" + closed + "/test?user=game&password=s3cret",
                "HAL9_REDIS_URI", "redis://game:s3cret@127.0.0.1:" + closed + "/2");
        ServiceResolver r = resolver(env, closed, closed, new FakeContainers());

        assertThat(r.postgres().description())
                .doesNotContain("s3cret")
                .contains("tried HAL9_POSTGRES_URL=jdbc:postgresql://127.0.0.1:" + closed
                        + "/test?user=game&password=*** (connection refused); no other source is tried");
        assertThat(r.redis().description())
                .doesNotContain("s3cret")
                .contains("tried HAL9_REDIS_URI=redis://game:***@127.0.0.1:" + closed + "/2 (connection refused)");
    }

    @Test
    void withoutAnySignOfDockerTheContainerSourceAnswersNoEngineAtOnce() {
        Map<String, String> env = Map.of();
        org.junit.jupiter.api.Assumptions.assumeFalse(
                TestcontainersSource.anyEngineHint(env), "this machine shows signs of a Docker engine");
        TestcontainersSource source = new TestcontainersSource(env);

        assertThat(source.postgres()).isEqualTo(Attempt.missed("no engine"));
        assertThat(source.redis()).isEqualTo(Attempt.missed("no engine"));
        assertThat(TestcontainersSource.anyEngineHint(Map.of("DOCKER_HOST", "tcp://127.0.0.1:2375")))
                .isTrue();
    }
}
