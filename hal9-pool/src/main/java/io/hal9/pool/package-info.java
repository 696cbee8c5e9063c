/**
 * Pools for game servers: {@link io.hal9.pool.ObjectPool} reuses frequently created objects (game
 * states, buffers, messages) without locks; {@link io.hal9.pool.ConnectionPool} limits expensive
 * connections with try-acquire backpressure; {@code io.hal9.pool.jdbc} builds HikariCP data sources
 * with read-replica routing and a transaction helper for {@link io.hal9.core.ActionBatcher} sinks.
 *
 * <p>Every pool is bounded, answers {@code try…} calls with a result and timed calls with a {@link
 * io.hal9.pool.PoolExhaustedException} that names the pool and its state, hands out {@link
 * io.hal9.pool.Lease}s that are {@link java.lang.AutoCloseable}, and reports through a stats/listener
 * interface that {@code hal9-metrics} binds.
 */
@NullMarked
package io.hal9.pool;

import org.jspecify.annotations.NullMarked;
