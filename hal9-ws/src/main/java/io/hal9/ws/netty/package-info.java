/**
 * What a host needs to put HAL9's WebSocket sessions into its own Netty pipeline: {@link
 * io.hal9.ws.netty.WsChannelInitializer}.
 */
@NullMarked
package io.hal9.ws.netty;

import org.jspecify.annotations.NullMarked;
