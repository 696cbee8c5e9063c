/**
 * Micrometer binders for {@code hal9-cache}: {@link io.hal9.metrics.cache.LocalCacheMetrics}, {@link
 * io.hal9.metrics.cache.RedisCacheMetrics} and {@link io.hal9.metrics.cache.NearCacheMetrics}. The three
 * share the {@code hal9.cache.*} meters (tags {@code name}, {@code kind}, and {@code level}/{@code result}
 * on gets), so that one dashboard panel shows every cache; Redis and near caches add their own. {@code
 * hal9-cache} is an optional dependency of {@code hal9-metrics}: these classes need it on the class path.
 * The metric names are listed in {@link io.hal9.metrics}.
 */
@NullMarked
package io.hal9.metrics.cache;

import org.jspecify.annotations.NullMarked;
