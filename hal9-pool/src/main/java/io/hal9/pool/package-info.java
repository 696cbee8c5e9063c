/**
 * Pools for game servers: an object pool for game state, a semaphore-limited pool of expensive
 * connections with try-acquire backpressure, and HikariCP data sources with read-replica routing.
 *
 * <p>This module is a placeholder until its issue lands; it builds and ships no API yet.
 */
@NullMarked
package io.hal9.pool;

import org.jspecify.annotations.NullMarked;
