package io.hal9.cache.internal;

import io.hal9.core.Ticker;

/**
 * HAL9's {@link Ticker} as Caffeine's. The system ticker becomes Caffeine's own {@code systemTicker()},
 * so that a cache with the default clock reads it on every hit (expiry checks) without going through one
 * more call; an injected ticker (tests' fake clocks) is wrapped.
 *
 * <p>Not part of the API. Thread safety: stateless.
 */
public final class CaffeineTicker {
    private CaffeineTicker() {}

    /** Caffeine's ticker for {@code ticker}. */
    public static com.github.benmanes.caffeine.cache.Ticker of(Ticker ticker) {
        return ticker == Ticker.system() ? com.github.benmanes.caffeine.cache.Ticker.systemTicker() : ticker::read;
    }
}
