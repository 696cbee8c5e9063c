/**
 * Backpressured WebSocket sessions on Netty: bounded send queues, non-blocking try-send, connection
 * limits, batching, rooms and cross-instance fan-out.
 *
 * <p>This module is a placeholder until its issue lands; it builds and ships no API yet.
 */
@NullMarked
package io.hal9.ws;

import org.jspecify.annotations.NullMarked;
