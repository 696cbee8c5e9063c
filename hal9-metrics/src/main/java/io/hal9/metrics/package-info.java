/**
 * Micrometer binders for every HAL9 module, and the seed's Prometheus metrics.
 *
 * <p>This module is a placeholder until its issue lands; it builds and ships no API yet.
 */
@NullMarked
package io.hal9.metrics;

import org.jspecify.annotations.NullMarked;
