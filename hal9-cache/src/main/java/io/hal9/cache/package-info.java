/**
 * Caches for game servers behind one interface, {@link io.hal9.cache.Cache}: local TTL and
 * size-bounded caches on Caffeine, a Redis cache shared by every instance ({@code
 * io.hal9.cache.redis}), and a two-level near cache.
 */
@NullMarked
package io.hal9.cache;

import org.jspecify.annotations.NullMarked;
