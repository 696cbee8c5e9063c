package io.hal9.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hal9.cache.KeyCodec;
import io.hal9.core.internal.BuilderOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedisOptionsTest {
    private final BuilderOptions set = new BuilderOptions("redis cache 'p'");
    private final RedisOptions<Long> options = new RedisOptions<>(set);

    @Test
    void theFieldsHoldTheirDefaultsUntilSet() {
        assertThat(options.redis()).isNull();
        assertThat(options.uri()).isNull();
        assertThat(options.keyPrefix()).isEqualTo("hal9:");
        assertThat(options.keyCodec()).isSameAs(KeyCodec.ofToString());
        assertThat(options.defaultTtl()).isEqualTo(Duration.ofMinutes(10));
        assertThat(options.commandTimeout()).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void aSetOptionIsKeptAndRecorded() {
        KeyCodec<Object> codec = k -> "k" + k;
        options.keyPrefix("");
        options.keyCodec(codec);
        options.defaultTtl(Duration.ofSeconds(5));
        options.commandTimeout(Duration.ofSeconds(1));
        options.uri("redis://127.0.0.1:6379");
        assertThat(options.keyPrefix()).isEmpty();
        assertThat(options.keyCodec()).isSameAs(codec);
        assertThat(options.defaultTtl()).isEqualTo(Duration.ofSeconds(5));
        assertThat(options.commandTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(options.uri()).isEqualTo("redis://127.0.0.1:6379");
        assertThat(set.isSet("keyPrefix") && set.isSet("uri")).isTrue();
        assertThat(set.isSet("redis")).isFalse();
    }

    @Test
    void valuesOutOfRangeAreRefusedNamingTheComponentOptionAndRange() {
        assertThatThrownBy(() -> options.commandTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("redis cache 'p': commandTimeout must be in [PT0.001S, PT1M], was PT0S");
        assertThatThrownBy(() -> options.defaultTtl(Duration.ofDays(366))).hasMessageContaining("defaultTtl");
        assertThatThrownBy(() -> options.keyPrefix("x".repeat(257)))
                .hasMessage("redis cache 'p': keyPrefix must be at most 256 characters, was 257");
        assertThatThrownBy(() -> options.uri(" ")).hasMessage("redis cache 'p': uri must not be blank");
    }

    @Test
    void eachOptionMayBeSetOnce() {
        options.keyPrefix("game:");
        assertThatThrownBy(() -> options.keyPrefix("other:"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("redis cache 'p': keyPrefix was already set");
        options.uri("redis://a");
        assertThatThrownBy(() -> options.uri("redis://b")).hasMessage("redis cache 'p': uri was already set");
    }
}
