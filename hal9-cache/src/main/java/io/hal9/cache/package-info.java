/**
 * Caches for game servers: TTL and size-bounded local caches on Caffeine, a Redis distributed cache
 * through Lettuce, and a two-level near cache.
 *
 * <p>This module is a placeholder until its issue lands; it builds and ships no API yet.
 */
@NullMarked
package io.hal9.cache;

import org.jspecify.annotations.NullMarked;
