/**
 * The Micrometer binder for {@code hal9-ws}: {@link io.hal9.metrics.ws.WsServerMetrics}. {@code hal9-ws}
 * is an optional dependency of {@code hal9-metrics}: this class needs it on the class path. The metric
 * names are listed in {@link io.hal9.metrics}.
 */
@NullMarked
package io.hal9.metrics.ws;

import org.jspecify.annotations.NullMarked;
