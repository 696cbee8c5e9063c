package io.hal9.examples.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class PlayerTokensTest {
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-27T00:00:00Z"));
    private final InstantSource clock = () -> now.get();
    private final PlayerTokens tokens = new PlayerTokens("0123456789abcdef-secret", Duration.ofMinutes(5), clock);

    @Test
    void aTokenIsValidForItsGameAndNamesItsPlayer() {
        PlayerTokens.Verification v = tokens.verify(tokens.issue(12, 34), 12);
        assertThat(v.status()).isEqualTo(PlayerTokens.Status.VALID);
        assertThat(v.playerId()).isEqualTo(34);
    }

    @Test
    void aTokenForAnotherGameIsRefused() {
        assertThat(tokens.verify(tokens.issue(12, 34), 13).status()).isEqualTo(PlayerTokens.Status.OTHER_GAME);
    }

    @Test
    void anExpiredTokenIsRefused() {
        String t = tokens.issue(12, 34);
        now.set(now.get().plus(Duration.ofMinutes(5)));
        assertThat(tokens.verify(t, 12).status()).isEqualTo(PlayerTokens.Status.EXPIRED);
    }

    @Test
    void aTokenWithAnotherPlayerOrExpiryIsForged() {
        String t = tokens.issue(12, 34);
        String[] p = t.split("\\.");
        assertThat(tokens.verify(p[0] + ".35." + p[2] + "." + p[3], 12).status())
                .isEqualTo(PlayerTokens.Status.FORGED);
        assertThat(tokens.verify(p[0] + "." + p[1] + "." + (Long.parseLong(p[2]) + 3600) + "." + p[3], 12)
                        .status())
                .isEqualTo(PlayerTokens.Status.FORGED);
        assertThat(tokens.verify("13." + p[1] + "." + p[2] + "." + p[3], 13).status())
                .isEqualTo(PlayerTokens.Status.FORGED);
    }

    @Test
    void aTokenSignedWithAnotherSecretIsForged() {
        PlayerTokens other = new PlayerTokens("another-secret-0123456789", Duration.ofMinutes(5), clock);
        assertThat(tokens.verify(other.issue(12, 34), 12).status()).isEqualTo(PlayerTokens.Status.FORGED);
    }

    @Test
    void garbageIsMalformed() {
        assertThat(tokens.verify("", 1).status()).isEqualTo(PlayerTokens.Status.MALFORMED);
        assertThat(tokens.verify("a.b.c.d", 1).status()).isEqualTo(PlayerTokens.Status.MALFORMED);
        assertThat(tokens.verify("1.2.3", 1).status()).isEqualTo(PlayerTokens.Status.MALFORMED);
    }

    @Test
    void aShortSecretIsRefused() {
        assertThatThrownBy(() -> new PlayerTokens("short", Duration.ofMinutes(1), clock))
                .hasMessageContaining("secret must be at least 16 characters, was 5");
    }
}
