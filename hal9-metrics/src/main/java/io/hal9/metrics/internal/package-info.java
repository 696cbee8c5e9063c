/**
 * Helpers shared by the binders of {@code hal9-metrics}. Not API: may change in any release.
 */
@NullMarked
package io.hal9.metrics.internal;

import org.jspecify.annotations.NullMarked;
