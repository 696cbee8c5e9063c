/**
 * Caches for game servers behind one interface, {@link io.hal9.cache.Cache}: local TTL and
 * size-bounded caches on Caffeine, a Redis cache shared by every instance ({@code
 * io.hal9.cache.redis}), and a two-level near cache.
 *
 * <p><b>Local caches</b> ({@link io.hal9.cache.LocalCache}) are bounded by default (10,000 entries). When
 * full they evict by Caffeine's W-TinyLFU, which admits a new entry only if it is asked for more often
 * than the one it would displace; on skewed game traffic this keeps more hits than plain LRU at the same
 * size (on a Zipf 0.9 trace of 100,000 keys, about 45% against 34% at 1,000 entries and 67% against 60%
 * at 10,000: {@code HitRateBenchmark} in {@code benchmarks/}). It does not help a trace without
 * repetition (a one-off scan).
 *
 * <p><b>Near cache</b> ({@link io.hal9.cache.near.NearCache}): a local Caffeine level (L1) in front of the
 * Redis cache (L2); writes and invalidations reach the other instances' L1 through Redis pub/sub messages
 * with per-sender sequence numbers. After a write on one instance, another serves the old value until the
 * message arrives, and never longer than its {@code l1Ttl} (default 30 s) even when messages are lost;
 * it clears its L1 after any reconnect or detected gap.
 */
@NullMarked
package io.hal9.cache;

import org.jspecify.annotations.NullMarked;
