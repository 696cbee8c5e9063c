/**
 * Micrometer binders for {@code hal9-pool}: {@link io.hal9.metrics.pool.ObjectPoolMetrics}, {@link
 * io.hal9.metrics.pool.ConnectionPoolMetrics}, {@link io.hal9.metrics.pool.JdbcPoolMetrics} (with
 * HikariCP's own metrics) and {@link io.hal9.metrics.pool.ReadWriteRouterMetrics}. {@code hal9-pool} is an
 * optional dependency of {@code hal9-metrics}: these classes need it on the class path. The metric names
 * are listed in {@link io.hal9.metrics}.
 */
@NullMarked
package io.hal9.metrics.pool;

import org.jspecify.annotations.NullMarked;
