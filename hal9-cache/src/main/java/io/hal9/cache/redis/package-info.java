/**
 * The Redis cache: {@link io.hal9.cache.redis.RedisCache}, a {@link io.hal9.cache.Cache} shared by every
 * instance of a game server, through one Lettuce connection, with per-command timeouts and a circuit
 * breaker.
 */
@NullMarked
package io.hal9.cache.redis;

import org.jspecify.annotations.NullMarked;
