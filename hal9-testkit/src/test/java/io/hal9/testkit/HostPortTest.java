package io.hal9.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Where {@link HostPort} finds the host and port of a URL, and what it refuses. */
@Timeout(10)
class HostPortTest {
    private static final String JDBC = "jdbc:postgresql://";
    private static final String REDIS = "redis://";

    @Test
    void findsHostAndPortAfterAnyUserinfoAndKeepsTheRestWhenReplaced() {
        HostPort hp = HostPort.parse("redis://user:pw@db.local:6380/2", REDIS, 6379);
        assertThat(hp.host()).isEqualTo("db.local");
        assertThat(hp.port()).isEqualTo(6380);
        assertThat(hp.replacedBy("127.0.0.1:4000")).isEqualTo("redis://user:pw@127.0.0.1:4000/2");
    }

    @Test
    void defaultsToTheSchemesPortAndToLocalhost() {
        assertThat(HostPort.parse("jdbc:postgresql://pg/test?user=u", JDBC, 5432)
                        .port())
                .isEqualTo(5432);
        assertThat(HostPort.parse("jdbc:postgresql:///test", JDBC, 5432).host()).isEqualTo("localhost");
    }

    @Test
    void readsABracketedIpv6Host() {
        HostPort hp = HostPort.parse("jdbc:postgresql://[::1]:5433/test", JDBC, 5432);
        assertThat(hp.host()).isEqualTo("::1");
        assertThat(hp.port()).isEqualTo(5433);
        assertThat(hp.replacedBy("127.0.0.1:1")).isEqualTo("jdbc:postgresql://127.0.0.1:1/test");
    }

    @Test
    void refusesWhatOneProxyCannotStandForNamingTheUrlWithItsPasswordMasked() {
        assertThatThrownBy(() -> HostPort.parse("redis://h:1", JDBC, 5432))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("fault-proxy: expected a URL starting with jdbc:postgresql://host:port, was 'redis://h:1'");
        assertThatThrownBy(() -> HostPort.parse("jdbc:postgresql://a:1,b:2/t?password=secret", JDBC, 5432))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("several hosts")
                .hasMessageNotContaining("secret");
        assertThatThrownBy(() -> HostPort.parse("jdbc:postgresql://::1:5432/t", JDBC, 5432))
                .hasMessageContaining("must be in brackets");
        assertThatThrownBy(() -> HostPort.parse("jdbc:postgresql://[::1/t", JDBC, 5432))
                .hasMessageContaining("unclosed '['");
        assertThatThrownBy(() -> HostPort.parse("redis://h:0", REDIS, 6379))
                .hasMessage("fault-proxy: the port must be between 1 and 65535, was '0' in 'redis://h:0'");
    }
}
