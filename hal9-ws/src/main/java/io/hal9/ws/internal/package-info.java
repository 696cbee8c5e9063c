/**
 * What {@code io.hal9.ws.netty} needs of {@code io.hal9.ws}'s package-private server implementation, and
 * nothing else: {@link io.hal9.ws.internal.WsPipeline}, the one interface through which {@code
 * WsChannelInitializer} puts a server's handlers into a host's pipeline. The implementations themselves
 * ({@code WsServerImpl}, {@code SessionImpl}, {@code RoomImpl}, the handshake and the codecs) live beside the API
 * in {@code io.hal9.ws}, package-private, as CONTRIBUTING.md says; they need no helper shared across packages.
 * Not exported: not part of the API, may change in any release.
 */
@NullMarked
package io.hal9.ws.internal;

import org.jspecify.annotations.NullMarked;
