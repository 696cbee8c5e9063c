/**
 * One shared Redis setup for HAL9: {@link io.hal9.redis.SharedRedis} builds (or takes) a Lettuce
 * client for a standalone server, a Sentinel-managed master or a Redis Cluster, opens one data and one
 * pub/sub connection, and is handed to {@code RedisCache}, {@code NearCache} and {@code RedisRoomBus}
 * alike. On a cluster it uses sharded pub/sub and follows failovers by refreshing the topology.
 */
@NullMarked
package io.hal9.redis;

import org.jspecify.annotations.NullMarked;
