/**
 * Benchmarks of hal9-metrics: what binding a component to Micrometer costs its hot path, and what one
 * recording costs.
 */
@NullMarked
package io.hal9.benchmarks.metrics;

import org.jspecify.annotations.NullMarked;
