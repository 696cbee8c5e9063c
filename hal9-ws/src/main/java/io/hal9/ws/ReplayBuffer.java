package io.hal9.ws;

import io.netty.buffer.ByteBuf;
import java.util.ArrayDeque;
import java.util.Iterator;
import org.jspecify.annotations.Nullable;

/**
 * The last data messages a resumable session wrote, numbered, for a client that resumes the session on a new
 * connection: it says the last sequence number it received, and the session writes what came after, or tells it
 * to resynchronise if that is no longer kept.
 *
 * <p>A session makes one only when resumption is on ({@code resumeGrace > 0}), so that a server without it pays
 * nothing per session. Sequence numbers count every data message written since the session opened, from 1 (a
 * batch frame counts each of its messages); the buffer keeps the last {@code capacity} payloads as retained
 * duplicates of the written ones (the bytes are shared, not copied), releasing the oldest as new ones arrive.
 *
 * <p>Not part of the API. Thread safety: none; confined to the event loop of the session's current connection,
 * handed to a new loop with the session's volatile state on resume, as the session's other event-loop fields.
 */
final class ReplayBuffer {
    private final int capacity;
    private final ArrayDeque<ByteBuf> kept;
    /** The sequence number of the last data message written, 0 before the first. */
    private long sentSeq;

    /** @param capacity the most messages kept, at least 1 */
    ReplayBuffer(int capacity) {
        this.capacity = capacity;
        this.kept = new ArrayDeque<>(Math.min(capacity, 64));
    }

    /** Numbers a data message as it is written and keeps a retained duplicate of its payload. */
    void add(ByteBuf payload) {
        sentSeq++;
        kept.addLast(payload.retainedDuplicate());
        if (kept.size() > capacity) {
            kept.pollFirst().release();
        }
    }

    /** The sequence number of the last data message written, 0 before the first. */
    long sentSeq() {
        return sentSeq;
    }

    /** How many payloads are kept now. */
    int size() {
        return kept.size();
    }

    /**
     * Why the messages after {@code lastSeq} cannot be replayed (the client is told to resynchronise with this
     * reason), or null if they can: {@code no lastSeq} (negative: the client has none), {@code lastSeq ahead of
     * the server}, or {@code gap} (some of them are no longer kept).
     */
    @Nullable
    String gap(long lastSeq) {
        long firstKept = sentSeq - kept.size() + 1;
        if (lastSeq < 0) {
            return "no lastSeq";
        }
        if (lastSeq > sentSeq) {
            return "lastSeq ahead of the server";
        }
        return lastSeq < firstKept - 1 ? "gap" : null;
    }

    /**
     * The kept payloads numbered after {@code lastSeq}, oldest first: {@code sentSeq() - lastSeq} of them. Valid
     * while the buffer is not changed; the payloads stay the buffer's (a caller that writes one retains it).
     *
     * @throws IllegalArgumentException if {@link #gap} refuses {@code lastSeq}
     */
    Iterator<ByteBuf> after(long lastSeq) {
        String gap = gap(lastSeq);
        if (gap != null) {
            throw new IllegalArgumentException("cannot replay after " + lastSeq + ": " + gap);
        }
        Iterator<ByteBuf> it = kept.iterator();
        for (long skip = kept.size() - (sentSeq - lastSeq); skip > 0; skip--) {
            it.next();
        }
        return it;
    }

    /** Releases every kept payload (the session closed for good); the sequence number stays. */
    void release() {
        ByteBuf b;
        while ((b = kept.pollFirst()) != null) {
            b.release();
        }
    }
}
