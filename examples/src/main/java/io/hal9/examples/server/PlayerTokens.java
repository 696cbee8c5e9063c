package io.hal9.examples.server;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signed, expiring player tokens: what {@code POST /api/games/{id}/join} hands out and every later
 * call of that player (moves, leave, the WebSocket) must present, so that players cannot act for
 * each other.
 *
 * <p>A token is {@code gameId.playerId.expiryEpochSeconds.signature}, the signature being
 * HMAC-SHA256 over {@code gameId|playerId|expiry} with the server secret, Base64url without padding.
 * Verification recomputes it and compares in constant time, then checks expiry and game.
 *
 * <p>Limits: the secret is shared by every instance that must accept the tokens; with no {@code
 * token-secret} configured the server uses one it generated ({@link #randomSecret()}) once and stored
 * in its database, so tokens stay valid across restarts and on every instance of that database, and
 * whoever reads the database can forge them. Tokens cannot be revoked before they expire.
 *
 * <p>Thread safety: safe for concurrent use (a {@link Mac} per call).
 */
public final class PlayerTokens {
    private static final Logger log = LoggerFactory.getLogger(GameServer.class);
    /** Why a token was refused, or that it was accepted. */
    public enum Status {
        /** Signed by us, not expired, for this game. */
        VALID,
        /** Not a token at all. */
        MALFORMED,
        /** The signature does not match. */
        FORGED,
        /** Past its expiry. */
        EXPIRED,
        /** Valid, but for another game. */
        OTHER_GAME
    }

    /**
     * The result of {@link #verify}.
     *
     * @param status valid, or why not
     * @param playerId the player, meaningful only when valid or expired or for another game
     */
    public record Verification(Status status, long playerId) {
        /**
         * Whether the token may be used.
         *
         * @return true when {@link Status#VALID}
         */
        public boolean isValid() {
            return status == Status.VALID;
        }
    }

    private static final String ALGORITHM = "HmacSHA256";
    private static final Duration MIN_TTL = Duration.ofSeconds(1);
    private static final Duration MAX_TTL = Duration.ofDays(30);
    private final SecretKeySpec key;
    private final Duration ttl;
    private final InstantSource clock;

    /**
     * Tokens signed with {@code secret}.
     *
     * @param secret the shared secret (UTF-8 bytes), at least 16 characters
     * @param ttl how long issued tokens stay valid, at least 1 s
     * @param clock the wall clock deciding expiry (tests pass a fixed or moving one)
     */
    public PlayerTokens(String secret, Duration ttl, InstantSource clock) {
        Objects.requireNonNull(secret, "secret");
        if (secret.length() < 16) {
            throw new IllegalArgumentException(
                    "player tokens: secret must be at least 16 characters, was " + secret.length());
        }
        this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM);
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.compareTo(MIN_TTL) < 0 || ttl.compareTo(MAX_TTL) > 0) {
            throw new IllegalArgumentException(
                    "player tokens: ttl must be in [" + MIN_TTL + ", " + MAX_TTL + "], was " + ttl);
        }
        this.ttl = ttl;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * A random secret of 256 bits, Base64url: what the server generates, once per database, when none is
     * configured.
     *
     * @return a new secret
     */
    public static String randomSecret() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /**
     * Issues a token.
     *
     * @param gameId the game
     * @param playerId the player
     * @return the token
     */
    public String issue(long gameId, long playerId) {
        long expiry = clock.instant().plus(ttl).getEpochSecond();
        return gameId + "." + playerId + "." + expiry + "." + sign(gameId, playerId, expiry);
    }

    /**
     * The instant a freshly issued token expires.
     *
     * @return now plus the ttl
     */
    public Instant nextExpiry() {
        return clock.instant().plus(ttl);
    }

    /**
     * Checks a token for a game.
     *
     * @param token what the client sent
     * @param gameId the game the client wants to act in
     * @return valid with the player id, or why not
     */
    public Verification verify(String token, long gameId) {
        Objects.requireNonNull(token, "token");
        String[] parts = token.split("\\.", -1);
        if (parts.length != 4 || token.length() > 200) {
            return new Verification(Status.MALFORMED, 0);
        }
        long tokenGame;
        long player;
        long expiry;
        try {
            tokenGame = Long.parseLong(parts[0]);
            player = Long.parseLong(parts[1]);
            expiry = Long.parseLong(parts[2]);
        } catch (NumberFormatException e) {
            return new Verification(Status.MALFORMED, 0);
        }
        byte[] expected = sign(tokenGame, player, expiry).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, parts[3].getBytes(StandardCharsets.US_ASCII))) {
            return new Verification(Status.FORGED, 0);
        }
        if (clock.instant().getEpochSecond() >= expiry) {
            return new Verification(Status.EXPIRED, player);
        }
        if (tokenGame != gameId) {
            return new Verification(Status.OTHER_GAME, player);
        }
        return new Verification(Status.VALID, player);
    }

    private String sign(long gameId, long playerId, long expiry) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            byte[] sig = mac.doFinal((gameId + "|" + playerId + "|" + expiry).getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(sig);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("player tokens: HmacSHA256 is not available", e);
        }
    }

    /**
     * The player-token secret: the configured one, else the one stored in the database, generating and
     * storing it first if there is none (of several instances starting at once, one insert wins and
     * all read the same secret back).
     */
    static String secret(String name, @Nullable String configured, GameStore store, boolean embedded) {
        if (configured != null) {
            return configured;
        }
        String candidate = PlayerTokens.randomSecret();
        String stored = store.settingIfAbsent(GameStore.TOKEN_SECRET, candidate);
        if (stored.length() < 16) {
            throw new IllegalStateException(name + ": the token secret stored in server_settings ('"
                    + GameStore.TOKEN_SECRET + "') has " + stored.length()
                    + " characters, fewer than 16; delete that row or configure --token-secret");
        }
        if (embedded) {
            log.info(
                    "{}: no token-secret configured; generated one, stored in the embedded database (tokens are"
                            + " valid until this process ends)",
                    name);
        } else if (stored.equals(candidate)) {
            log.info(
                    "{}: no token-secret configured; generated one and stored it in the database (server_settings),"
                            + " where every later start and every instance on this database finds it",
                    name);
        } else {
            log.info("{}: no token-secret configured; using the one stored in the database (server_settings)", name);
        }
        return stored;
    }
}
