/**
 * Micrometer binders for {@code hal9-core}: {@link io.hal9.metrics.core.TaskLimiterMetrics}, {@link
 * io.hal9.metrics.core.BoundedChannelMetrics}, {@link io.hal9.metrics.core.ActionBatcherMetrics} and
 * {@link io.hal9.metrics.core.CoalescerMetrics}. The metric names are listed in {@link io.hal9.metrics}.
 */
@NullMarked
package io.hal9.metrics.core;

import org.jspecify.annotations.NullMarked;
