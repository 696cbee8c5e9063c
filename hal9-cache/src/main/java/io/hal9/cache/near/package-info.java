/**
 * The two-level near cache: {@link io.hal9.cache.near.NearCache}, a Caffeine L1 on each instance in front
 * of a shared {@link io.hal9.cache.redis.RedisCache} L2, kept coherent across instances by Redis pub/sub
 * invalidation messages.
 */
@NullMarked
package io.hal9.cache.near;

import org.jspecify.annotations.NullMarked;
