package io.hal9.ws;

import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * The accounting that decides whether a session takes what its client sends: the inbound rate limit (a token
 * bucket, {@code inboundRate} tokens per second up to {@code inboundBurst}), the runs of refusals it counts
 * ({@code maxRateLimitedInRow}) and the undecodable messages in a row ({@code maxDecodeErrors}). It decides;
 * {@link SessionImpl} acts (counts, answers the client, closes), so that these rules can be read and tested
 * alone.
 *
 * <p>The superclass of {@link SessionImpl}, not an object it holds: a session stays one object per connection
 * (as it is its connection's inbound handler too), and these fields sit beside the session's own. The methods
 * are final, so a call is direct. The limits come in as arguments (they are the server's) and the time as {@code
 * now} (the server's ticker), so the gate holds only the state of one session.
 *
 * <p>Not part of the API. Thread safety: none; every field is read and written on the event loop of the
 * session's current connection (handed to a new loop with the session's volatile state on resume).
 */
abstract class InboundGate extends ChannelInboundHandlerAdapter {
    /** One token in the bucket's fixed-point units (a millionth of a token is the finest refill). */
    static final long TOKEN = 1_000_000L;
    /** A run of refusals ends after this long without one. */
    static final long RUN_GAP_NANOS = 1_000_000_000L;

    /** Tokens in the bucket, in units of {@link #TOKEN}. */
    private long tokens;

    private long lastRefillNanos;
    private int rateLimitedInRow;
    private long lastRefusalNanos;
    private int decodeErrorsInRow;

    /** A full bucket of {@code burst} tokens at {@code now}. */
    InboundGate(long now, int burst) {
        this.lastRefillNanos = now;
        this.tokens = (long) burst * TOKEN;
    }

    /**
     * Takes a token for a message or a control frame from the client, after refilling the bucket for the time
     * since the last refill ({@code rate} per second, at most {@code burst}, all of it after a second or more).
     * Returns false, taking nothing, if less than one token is left.
     */
    final boolean takeToken(long now, int rate, int burst) {
        long elapsed = now - lastRefillNanos;
        if (elapsed > 0) {
            // tokens in micro-units: rate tokens per second = rate * TOKEN per 1e9 ns
            long max = (long) burst * TOKEN;
            long add = elapsed >= 1_000_000_000L ? max : elapsed * rate * TOKEN / 1_000_000_000L;
            if (add > 0) {
                tokens = Math.min(max, tokens + add);
                lastRefillNanos = now;
            }
        }
        if (tokens >= TOKEN) {
            tokens -= TOKEN;
            return true;
        }
        return false;
    }

    /**
     * Counts a refusal at {@code now} and returns its place in its run of refusals: 1 for the first of a new run.
     * A run ends after {@link #RUN_GAP_NANOS} without a refusal, whatever was admitted meanwhile: a client over
     * the rate by any factor, whose refusals are interleaved with the messages the refill admits, stays in its
     * run.
     */
    final int refused(long now) {
        boolean sameRun = rateLimitedInRow > 0 && now - lastRefusalNanos < RUN_GAP_NANOS;
        rateLimitedInRow = sameRun ? rateLimitedInRow + 1 : 1;
        lastRefusalNanos = now;
        return rateLimitedInRow;
    }

    /** Counts an undecodable message; true once {@code max} came in a row (the session then closes, 1003). */
    final boolean decodeFailed(int max) {
        return ++decodeErrorsInRow >= max;
    }

    /** A message decoded: the next undecodable one starts a new row. */
    final void decoded() {
        decodeErrorsInRow = 0;
    }
}
