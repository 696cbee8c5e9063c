package io.hal9.ws;

import static org.assertj.core.api.Assertions.assertThat;

import io.hal9.testkit.ClassPathWithout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * hal9-ws's Redis (the room bus) and MessagePack dependencies are optional: a server on one box runs
 * without them, and asking for MessagePack without its codec names the artifact to add.
 */
@Timeout(60)
class OptionalDependenciesTest {

    @Test
    void aServerStartsAndStopsWithoutRedisAndMessagePack() {
        try (ClassPathWithout cp =
                ClassPathWithout.entries("hal9-redis", "lettuce-core", "reactor-core", "jackson-dataformat-msgpack")) {
            assertThat((String) cp.call(Probes.class, "startAndStop")).startsWith("started on port ");
        }
    }

    @Test
    void messagePackNamesItsArtifactWhenItIsMissing() {
        try (ClassPathWithout cp = ClassPathWithout.entries("jackson-dataformat-msgpack")) {
            assertThat(cp.failureOf(Probes.class, "messagePack"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("Codecs.messagePack needs org.msgpack:jackson-dataformat-msgpack")
                    .hasMessageContaining("requires jackson.dataformat.msgpack");
            assertThat(cp.call(Probes.class, "json")).isEqualTo("json works");
        }
    }

    /** Run in the isolated loader: they see only what is left on the class path. */
    public static final class Probes {
        public static Object startAndStop() {
            WsServer<String> server = WsServer.builder(
                            "probe", Codecs.json(String.class), (WsHandler<String>) (session, message) -> {})
                    .host("127.0.0.1")
                    .port(0)
                    .build()
                    .start();
            try {
                return "started on port " + server.port();
            } finally {
                server.close();
            }
        }

        public static Object messagePack() {
            return Codecs.messagePack(String.class);
        }

        public static Object json() {
            Codecs.json(String.class);
            return "json works";
        }
    }
}
