package io.hal9.examples.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(10)
class ServerConfigTest {

    @Test
    void everyOptionHasARowInTheReadmesConfigurationTable() throws IOException {
        java.util.List<String> rows = Files.readAllLines(Path.of("README.md")).stream()
                .filter(l -> l.startsWith("| `--"))
                .toList();
        java.util.List<String> options = ServerConfig.help()
                .lines()
                .filter(l -> l.startsWith("  --"))
                .map(l -> l.substring(2, l.indexOf(' ', 4)))
                .filter(o -> !o.equals("--config"))
                .toList();
        assertThat(options).hasSizeGreaterThan(40);
        assertThat(options)
                .as("options without a row in examples/README.md's configuration table")
                .allMatch(o -> rows.stream().anyMatch(r -> r.contains("`" + o + "`")));
    }

    @Test
    void defaultsRunEmbeddedWithLocalCaches() {
        ServerConfig c = ServerConfig.defaults();
        assertThat(c.dbUrl()).isNull();
        assertThat(c.redisUri()).isNull();
        assertThat(c.port()).isEqualTo(8080);
        assertThat(c.roundTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.partitionsAhead()).isEqualTo(4);
        assertThat(c.instanceName()).isEqualTo("game");
        assertThat(c.waitingGameTtl()).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void theInstanceNameAndTheWaitingGameTtlAreCheckedNamingTheOption() {
        ServerConfig c = ServerConfig.parse(
                new String[] {"--instance-name", "eu-1.game_a", "--waiting-game-ttl", "90s"}, Map.of());
        assertThat(c.instanceName()).isEqualTo("eu-1.game_a");
        assertThat(c.waitingGameTtl()).isEqualTo(Duration.ofSeconds(90));
        assertThat(ServerConfig.parse(new String[0], Map.of("HAL9_INSTANCE_NAME", "b"))
                        .instanceName())
                .isEqualTo("b");
        assertThatThrownBy(() -> ServerConfig.parse(new String[] {"--instance-name", "two words"}, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("server: instance-name must be 1 to 64 letters, digits, '.', '_' or '-', was 'two words'");
        assertThatThrownBy(() -> ServerConfig.parse(new String[] {"--instance-name", "x".repeat(65)}, Map.of()))
                .hasMessageContaining("instance-name must be 1 to 64");
        assertThatThrownBy(() -> ServerConfig.parse(new String[] {"--waiting-game-ttl", "500ms"}, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("server: waiting-game-ttl must be in [PT1S, PT168H], was PT0.5S");
        assertThatThrownBy(() -> ServerConfig.parse(new String[] {"--waiting-game-ttl", "8d"}, Map.of()))
                .hasMessageContaining("waiting-game-ttl must be in [PT1S, PT168H], was PT192H");
        assertThat(ServerConfig.defaults().withPort(0).waitingGameTtl()).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void theHttpLimitsAdminListenerAndEngineHaveDefaultsAndAreChecked() {
        ServerConfig c = ServerConfig.defaults();
        assertThat(c.httpEngine()).isEqualTo("netty");
        assertThat(c.adminHost()).isEqualTo("127.0.0.1");
        assertThat(c.adminPort()).as("port + 1000").isEqualTo(9080);
        assertThat(c.http())
                .isEqualTo(new ServerConfig.HttpLimits(
                        Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(60), 64, 8192, 4096, 16384));
        assertThat(ServerConfig.parse(new String[] {"--port", "0"}, Map.of()).adminPort())
                .isZero();
        assertThat(c.withPort(0).adminPort()).isZero();
        assertThat(ServerConfig.parse(new String[] {"--http-idle-timeout", "5s", "--http-max-body", "65536"}, Map.of())
                        .http())
                .extracting(ServerConfig.HttpLimits::idleTimeout, ServerConfig.HttpLimits::maxBody)
                .containsExactly(Duration.ofSeconds(5), 65536);
        assertThatThrownBy(() -> ServerConfig.parse(new String[] {"--http-engine", "jetty"}, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("server: http-engine must be netty or jdk, was 'jetty'");
        assertThatThrownBy(() -> ServerConfig.parse(new String[] {"--admin-port", "8080"}, Map.of()))
                .hasMessage("server: admin-port must differ from port (8080), was 8080");
        assertThatThrownBy(() ->
                        ServerConfig.parse(new String[] {"--http-engine", "jdk", "--admin-port", "8081"}, Map.of()))
                .hasMessage("server: admin-port must differ from port (8080) and ws-port (8081), was 8081");
        assertThatThrownBy(() -> ServerConfig.parse(new String[] {"--http-header-timeout", "50ms"}, Map.of()))
                .hasMessage("server: http-header-timeout must be in [PT0.1S, PT10M], was PT0.05S");
        assertThatThrownBy(() -> ServerConfig.parse(new String[] {"--http-max-headers", "2"}, Map.of()))
                .hasMessage("server: http-max-headers must be in [8, 1000], was 2");
        assertThatThrownBy(() -> ServerConfig.parse(new String[] {"--http-max-url-length", "100"}, Map.of()))
                .hasMessage("server: http-max-url-length must be in [256, 65000], was 100");
        // the netty engine has no ws-port: it may equal port
        assertThat(ServerConfig.parse(new String[] {"--port", "7000", "--ws-port", "7000"}, Map.of())
                        .port())
                .isEqualTo(7000);
    }

    @Test
    void flagsWinOverTheEnvironmentWhichWinsOverTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("server.properties");
        Files.writeString(file, "port=7001\nround.timeout=3s\ncache.ttl=250ms\n");
        ServerConfig c = ServerConfig.parse(
                new String[] {"--config", file.toString(), "--port=7003"},
                Map.of("HAL9_PORT", "7002", "HAL9_ROUND_TIMEOUT", "PT4S", "HAL9_DB_READ_URLS", ""));
        assertThat(c.port()).isEqualTo(7003);
        assertThat(c.roundTimeout()).isEqualTo(Duration.ofSeconds(4));
        assertThat(c.cacheTtl()).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void theLeaseItsRenewalAndTheAdvertisedUrlHaveDefaultsAndAreChecked() {
        ServerConfig c = ServerConfig.defaults();
        assertThat(c.lease()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.leaseRenewInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.advertiseUrl()).isNull();
        ServerConfig set = ServerConfig.parse(
                new String[] {
                    "--lease", "2s", "--lease-renew-interval", "1s", "--advertise-url", "http://10.0.0.7:8080/"
                },
                Map.of());
        assertThat(set.lease()).isEqualTo(Duration.ofSeconds(2));
        assertThat(set.advertiseUrl()).isEqualTo("http://10.0.0.7:8080");
        assertThatThrownBy(() -> ServerConfig.parse(new String[] {"--lease", "100ms"}, Map.of()))
                .hasMessage("server: lease must be in [PT0.2S, PT10M], was PT0.1S");
        assertThatThrownBy(() -> ServerConfig.parse(new String[] {"--lease-renew-interval", "3s"}, Map.of()))
                .hasMessage("server: lease-renew-interval must be in [PT0.05S, lease / 2 = PT2.5S] (a lease must"
                        + " survive a missed renewal), was PT3S");
        assertThatThrownBy(() -> ServerConfig.parse(new String[] {"--advertise-url", "10.0.0.7:8080"}, Map.of()))
                .hasMessage("server: advertise-url must be an http:// or https:// URL, was '10.0.0.7:8080'");
    }

    @Test
    void readReplicasAreACommaSeparatedList() {
        ServerConfig c = ServerConfig.parse(
                new String[0],
                Map.of(
                        "HAL9_DB_URL", "jdbc:postgresql://a/test",
                        "HAL9_DB_READ_URLS", "jdbc:postgresql://b/test, jdbc:postgresql://c/test"));
        assertThat(c.dbReadUrls()).containsExactly("jdbc:postgresql://b/test", "jdbc:postgresql://c/test");
    }

    @Test
    void theDatabaseSchemaIsTheOptionElseTheUrlsCurrentSchemaElseHal9() {
        assertThat(ServerConfig.defaults().dbSchema()).isEqualTo("hal9");
        assertThat(ServerConfig.parse(new String[] {"--db-url", "jdbc:postgresql://h/db?user=u"}, Map.of())
                        .dbSchema())
                .isEqualTo("hal9");
        assertThat(ServerConfig.parse(
                                new String[] {"--db-url", "jdbc:postgresql://h/db?currentSchema=game_data&user=u"},
                                Map.of())
                        .dbSchema())
                .isEqualTo("game_data");
        assertThat(ServerConfig.parse(
                                new String[] {"--db-url", "jdbc:postgresql://h/db"}, Map.of("HAL9_DB_SCHEMA", "rps"))
                        .dbSchema())
                .isEqualTo("rps");
        assertThat(ServerConfig.schemaOf(null, "jdbc:postgresql://h/db?currentSchema=x"))
                .isEqualTo("x");
    }

    @Test
    void aDatabaseSchemaThatIsNotAPlainNameOrDisagreesWithTheUrlIsRefused() {
        assertThatThrownBy(() -> ServerConfig.parse(new String[] {"--db-schema", "Game Data"}, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("server: db-schema (or the currentSchema of db-url) must be 1 to 63 lowercase letters,"
                        + " digits or '_', not starting with a digit, was 'Game Data'");
        assertThatThrownBy(() -> ServerConfig.parse(
                        new String[] {"--db-url", "jdbc:postgresql://h/db?currentSchema=a", "--db-schema", "b"},
                        Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("server: db-url sets currentSchema=a but db-schema is 'b': drop one of them, or make"
                        + " them the same");
        assertThatThrownBy(() -> ServerConfig.parse(
                        new String[] {
                            "--db-url",
                            "jdbc:postgresql://h/db",
                            "--db-read-urls",
                            "jdbc:postgresql://r/db?currentSchema=a"
                        },
                        Map.of()))
                .hasMessageContaining("db-read-urls sets currentSchema=a but db-schema is 'hal9'");
    }

    @Test
    void badValuesAreRefusedNamingTheOption() {
        assertThatThrownBy(() -> ServerConfig.parse(new String[] {"--port", "70000"}, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("server: port must be in [0, 65535], was 70000");
        assertThatThrownBy(() -> ServerConfig.parse(new String[] {"--round-timeout", "soon"}, Map.of()))
                .hasMessageContaining("round-timeout must be a duration");
        assertThatThrownBy(() -> ServerConfig.parse(new String[] {"--colour", "red"}, Map.of()))
                .hasMessageContaining("unknown option --colour");
        assertThatThrownBy(() -> ServerConfig.parse(new String[] {"--port"}, Map.of()))
                .hasMessageContaining("--port needs a value");
        assertThatThrownBy(() -> ServerConfig.parse(new String[] {"--port", "1", "--port", "2"}, Map.of()))
                .hasMessageContaining("given twice");
        assertThatThrownBy(() -> ServerConfig.parse(new String[] {"--db-url", "jdbc:mysql://x"}, Map.of()))
                .hasMessageContaining("db-url must be a jdbc:postgresql: URL");
        assertThatThrownBy(() -> ServerConfig.parse(new String[] {"--token-secret", "short"}, Map.of()))
                .hasMessageContaining("token-secret must be at least 16 characters");
    }

    @Test
    void helpListsEveryOptionWithItsEnvironmentVariableAndDefault() {
        String help = ServerConfig.help();
        for (String o : new String[] {
            "instance-name",
            "waiting-game-ttl",
            "host",
            "port",
            "db-url",
            "db-schema",
            "ws-threads",
            "db-read-urls",
            "db-user",
            "db-password",
            "db-max-connections",
            "redis-uri",
            "token-secret",
            "token-ttl",
            "round-timeout",
            "cache-ttl",
            "partitions-ahead",
            "partition-interval",
            "max-live-games",
            "max-pending-actions",
            "max-tasks",
            "max-waiting-tasks",
            "shutdown-timeout",
            "config"
        }) {
            assertThat(help).contains("--" + o + " ");
            assertThat(help)
                    .contains("HAL9_" + o.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
        }
        assertThat(help).contains("(default: 8080)").contains("MUST share it");
        assertThat(ServerConfig.wantsHelp(new String[] {"--port", "1", "--help"}))
                .isTrue();
    }

    @Test
    void toStringHidesCredentials() {
        ServerConfig c = ServerConfig.parse(
                new String[] {
                    "--db-url", "jdbc:postgresql://h/db?password=hunter2", "--token-secret", "s3cret-s3cret-s3cret"
                },
                Map.of());
        assertThat(c.toString()).doesNotContain("hunter2").doesNotContain("s3cret");
    }

    @Test
    void theWebSocketPerAddressLimitDefaultsToHal9WsDefaultAndIsCheckedAgainstTheGlobalOne() {
        assertThat(ServerConfig.defaults().wsMaxConnectionsPerAddress()).isEqualTo(256);
        assertThat(ServerConfig.defaults().wsMaxConnections()).isEqualTo(10_000);
        // unset, it is never above the global limit: a small server still starts
        assertThat(ServerConfig.parse(new String[] {"--ws-max-connections", "100"}, Map.of())
                        .wsMaxConnectionsPerAddress())
                .isEqualTo(100);
        assertThat(ServerConfig.parse(new String[0], Map.of("HAL9_WS_MAX_CONNECTIONS_PER_ADDRESS", "16"))
                        .wsMaxConnectionsPerAddress())
                .isEqualTo(16);
        assertThat(ServerConfig.defaults().withPort(0).wsMaxConnectionsPerAddress())
                .isEqualTo(256);
        assertThatThrownBy(() -> ServerConfig.parse(new String[] {"--ws-max-connections-per-address", "0"}, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("server: ws-max-connections-per-address must be in [1, 10000] (at most"
                        + " ws-max-connections), was 0");
        assertThatThrownBy(() -> ServerConfig.parse(
                        new String[] {"--ws-max-connections", "100", "--ws-max-connections-per-address", "101"},
                        Map.of()))
                .hasMessageContaining("ws-max-connections-per-address must be in [1, 100]")
                .hasMessageContaining("was 101");
        assertThatThrownBy(() -> ServerConfig.parse(new String[] {"--ws-max-connections-per-address", "x"}, Map.of()))
                .hasMessage("server: ws-max-connections-per-address must be an integer, was 'x'");
        assertThat(ServerConfig.help()).contains("--ws-max-connections-per-address ");
    }

    @Test
    void theCreateRateLimitHasDefaultsAndCheckedBounds() {
        ServerConfig c = ServerConfig.defaults();
        assertThat(c.createRate()).isEqualTo(5);
        assertThat(c.createBurst()).isEqualTo(20);
        assertThat(c.createRateAddresses()).isEqualTo(100_000);
        ServerConfig off = ServerConfig.parse(
                new String[] {"--create-rate", "0", "--create-burst", "1", "--create-rate-addresses", "1"}, Map.of());
        assertThat(off.createRate()).isZero();
        assertThat(off.createBurst()).isEqualTo(1);
        assertThat(off.withPort(0).createRateAddresses()).isEqualTo(1);
        assertThatThrownBy(() -> ServerConfig.parse(new String[] {"--create-rate", "-1"}, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("server: create-rate must be in [0, 1000000], was -1");
        assertThatThrownBy(() -> ServerConfig.parse(new String[] {"--create-burst", "0"}, Map.of()))
                .hasMessage("server: create-burst must be in [1, 1000000], was 0");
        assertThatThrownBy(() -> ServerConfig.parse(new String[] {"--create-rate-addresses", "0"}, Map.of()))
                .hasMessage("server: create-rate-addresses must be in [1, 10000000], was 0");
        assertThatThrownBy(() -> ServerConfig.parse(new String[] {"--create-rate", "fast"}, Map.of()))
                .hasMessage("server: create-rate must be an integer, was 'fast'");
        String help = ServerConfig.help();
        assertThat(help)
                .contains("--create-rate ")
                .contains("HAL9_CREATE_BURST")
                .contains("429 rate_limited");
    }
}
