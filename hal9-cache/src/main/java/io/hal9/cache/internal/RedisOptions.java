package io.hal9.cache.internal;

import io.hal9.cache.KeyCodec;
import io.hal9.core.internal.BuilderOptions;
import io.hal9.core.internal.Checks;
import io.hal9.redis.SharedRedis;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The options the two Redis-backed cache builders ({@code RedisCache.Builder}, {@code NearCache.Builder})
 * share, with their one check each: where Redis is ({@link #redis} or {@link #uri}), the key prefix and
 * codec, the default TTL and the command timeout. The builders delegate their public setters (which keep
 * their own Javadoc) to it; "already set" is recorded in the builder's {@link BuilderOptions}.
 *
 * <p>Not part of the API. Loaded only by the Redis-backed builders, which check that hal9-redis is present
 * first. Thread safety: none, like the builders that own it.
 *
 * @param <K> key type
 */
// "exports": SharedRedis comes from an optional module, as in the builders
@SuppressWarnings("exports")
public final class RedisOptions<K> {
    /** The default {@link #keyPrefix()}. */
    public static final String DEFAULT_KEY_PREFIX = "hal9:";

    private final BuilderOptions options;
    private final String component;

    /** The shared Redis setup; default none (then {@link #uri} must be set). */
    private @Nullable SharedRedis redis;

    /** The URI of a Redis the cache connects to itself; default none. */
    private @Nullable String uri;

    /** Before {@code <name>:} in every key; default {@value #DEFAULT_KEY_PREFIX}; at most 256 characters. */
    private String keyPrefix = DEFAULT_KEY_PREFIX;

    /** How keys become strings; default {@link KeyCodec#ofToString()}. */
    private KeyCodec<? super K> keyCodec = KeyCodec.ofToString();

    /** The TTL of entries put without one and of loaded values; default 10 min; [1ms, 365d]. */
    private Duration defaultTtl = Duration.ofMinutes(10);

    /** How long one command may wait for Redis; default 250 ms; [1ms, 60s]. */
    private Duration commandTimeout = Duration.ofMillis(250);

    /** @param options the owning builder's record of what was set (it names the component in messages) */
    public RedisOptions(BuilderOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        this.component = options.component();
    }

    /** Sets the shared Redis setup; once. */
    public void redis(SharedRedis redis) {
        Objects.requireNonNull(redis, "redis");
        this.redis = options.set("redis", redis);
    }

    /** Sets the URI to connect to; once; not blank. */
    public void uri(String uri) {
        Objects.requireNonNull(uri, "uri");
        if (uri.isBlank()) {
            throw new IllegalArgumentException(component + ": uri must not be blank");
        }
        this.uri = options.set("uri", uri);
    }

    /** Sets the key prefix; once; at most 256 characters (may be empty). */
    public void keyPrefix(String keyPrefix) {
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        if (keyPrefix.length() > 256) {
            throw new IllegalArgumentException(
                    component + ": keyPrefix must be at most 256 characters, was " + keyPrefix.length());
        }
        this.keyPrefix = options.set("keyPrefix", keyPrefix);
    }

    /** Sets the key codec; once. */
    public void keyCodec(KeyCodec<? super K> keyCodec) {
        Objects.requireNonNull(keyCodec, "keyCodec");
        this.keyCodec = options.set("keyCodec", keyCodec);
    }

    /** Sets the default TTL; once; [1ms, 365d]. */
    public void defaultTtl(Duration ttl) {
        this.defaultTtl = options.set(
                "defaultTtl",
                Checks.duration(component, "defaultTtl", ttl, Duration.ofMillis(1), Duration.ofDays(365)));
    }

    /** Sets the command timeout; once; [1ms, 60s]. */
    public void commandTimeout(Duration timeout) {
        this.commandTimeout = options.set(
                "commandTimeout",
                Checks.duration(component, "commandTimeout", timeout, Duration.ofMillis(1), Duration.ofSeconds(60)));
    }

    /** The shared Redis setup, or {@code null} if none was set. */
    public @Nullable SharedRedis redis() {
        return redis;
    }

    /** The URI, or {@code null} if none was set. */
    public @Nullable String uri() {
        return uri;
    }

    /** The key prefix ({@value #DEFAULT_KEY_PREFIX} unless set). */
    public String keyPrefix() {
        return keyPrefix;
    }

    /** The key codec ({@link KeyCodec#ofToString()} unless set). */
    public KeyCodec<? super K> keyCodec() {
        return keyCodec;
    }

    /** The default TTL (10 min unless set). */
    public Duration defaultTtl() {
        return defaultTtl;
    }

    /** The command timeout (250 ms unless set). */
    public Duration commandTimeout() {
        return commandTimeout;
    }
}
