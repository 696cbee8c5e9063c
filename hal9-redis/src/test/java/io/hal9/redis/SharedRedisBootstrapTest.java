package io.hal9.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisURI;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What {@link SharedRedisBootstrap} makes of a builder's endpoint before any connection: the seeds a cluster
 * URI splits into, the schemes and URIs it refuses and how it names them, and the builder's one-of rules.
 */
@Timeout(30)
class SharedRedisBootstrapTest {

    @Test
    void aClusterUriIsOneSeedPerHostWithTheTailOfTheWhole() {
        List<RedisURI> seeds =
                SharedRedisBootstrap.clusterSeeds("redis-cluster://user:pw@h1:7000, h2:7001/2?timeout=3s", false);
        assertThat(seeds).extracting(RedisURI::getHost).containsExactly("h1", "h2");
        assertThat(seeds).extracting(RedisURI::getPort).containsExactly(7000, 7001);
        assertThat(seeds).allSatisfy(u -> {
            assertThat(u.getDatabase()).isEqualTo(2);
            assertThat(u.isSsl()).isFalse();
        });
        assertThat(SharedRedisBootstrap.clusterSeeds("rediss-cluster://h1:7000", true))
                .singleElement()
                .satisfies(u -> assertThat(u.isSsl()).isTrue());
    }

    @Test
    void anEmptyHostInTheSeedListIsRefusedWithoutThePassword() {
        assertThatThrownBy(() -> SharedRedisBootstrap.clusterSeeds("redis-cluster://u:secret@h1:7000,,h2:7000", false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "shared redis: uri 'redis-cluster://***@h1:7000,,h2:7000' has an empty host in its seed list");
    }

    @Test
    void redactedHidesTheCredentialsOnly() {
        assertThat(SharedRedisBootstrap.redacted("redis://u:pw@host:6379/0")).isEqualTo("redis://***@host:6379/0");
        assertThat(SharedRedisBootstrap.redacted("redis://host:6379")).isEqualTo("redis://host:6379");
        assertThat(SharedRedisBootstrap.redacted("not a uri @ all")).isEqualTo("not a uri @ all");
    }

    @Test
    void schemeIsLowerCaseAndAStringWithoutOneIsNamed() {
        assertThat(SharedRedisBootstrap.scheme("REDIS-Cluster://h:1")).isEqualTo("redis-cluster");
        assertThatThrownBy(() -> SharedRedisBootstrap.scheme(" "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("shared redis: uri must not be blank");
        assertThatThrownBy(() -> SharedRedisBootstrap.scheme("host:6379"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("shared redis: 'host:6379' is not a URI");
    }

    @Test
    void buildNeedsAnEndpointAndRefusesAClusterFlagOnSentinel() {
        assertThatThrownBy(() -> SharedRedis.builder().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("shared redis: set uri or seeds");
        assertThatThrownBy(() -> SharedRedis.builder()
                        .uri("redis-sentinel://u:pw@h:26379/0#mymaster")
                        .cluster(true)
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("shared redis: cluster(true) does not apply to a Sentinel uri:"
                        + " redis-sentinel://***@h:26379/0#mymaster");
    }

    @Test
    void uriAndSeedsExcludeEachOtherAndEveryOptionIsSetOnce() {
        assertThatThrownBy(() -> SharedRedis.builder().uri("redis://h:1").seeds(List.of("redis://h:2")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("shared redis: seeds was already set");
        assertThatThrownBy(() ->
                        SharedRedis.builder().seeds(List.of("redis://h:2")).uri("redis://h:1"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("shared redis: uri was already set");
        assertThatThrownBy(() -> SharedRedis.builder().cluster(true).cluster(false))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("shared redis: cluster was already set");
        assertThatThrownBy(() -> SharedRedis.builder()
                        .connectTimeout(java.time.Duration.ofSeconds(1))
                        .connectTimeout(java.time.Duration.ofSeconds(2)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("shared redis: connectTimeout was already set");
    }

    @Test
    void anUnparsableUriIsNamedWithoutItsPassword() {
        assertThatThrownBy(() ->
                        SharedRedis.builder().uri("redis://u:pw@h:6379/notadb").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("shared redis: cannot parse uri 'redis://***@h:6379/notadb'");
    }
}
