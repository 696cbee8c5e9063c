/**
 * Benchmarks of hal9-cache: local cache hits against raw Caffeine and {@code ConcurrentHashMap}, the hit
 * rate of the bounded cache (W-TinyLFU) against an LRU of the same size on a skewed trace, and the Redis
 * cache against raw Lettuce.
 */
@NullMarked
package io.hal9.benchmarks.cache;

import org.jspecify.annotations.NullMarked;
