/**
 * The reference game server: HTTP API, configuration, persistence (Flyway migrations, partition
 * maintenance, batched action writes) and the composition of HAL9's modules. Start it with
 * {@link io.hal9.examples.server.Main}.
 */
@NullMarked
package io.hal9.examples.server;

import org.jspecify.annotations.NullMarked;
