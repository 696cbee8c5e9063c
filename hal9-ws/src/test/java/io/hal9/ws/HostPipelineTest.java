package io.hal9.ws;

import static org.assertj.core.api.Assertions.assertThat;

import io.hal9.ws.netty.WsChannelInitializer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** HAL9 mounted in a host's own, hand-built Netty server. */
@Timeout(30)
class HostPipelineTest extends WsTestSupport {

    @Test
    void aHostMountsHal9InItsOwnServerBootstrapBehindItsOwnHandler() {
        WsServer<Msg> ws =
                WsServer.builder("hosted", codec, handler).maxConnections(2).build(); // not started: the host binds
        handler.server = ws;
        toClose.add(ws);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        AtomicInteger seenByHost = new AtomicInteger();
        try {
            Channel listening = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .handler(WsChannelInitializer.acceptErrorHandler(ws))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            // the host's own handler in front, then HAL9
                            ch.pipeline().addLast("host-counter", new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelActive(ChannelHandlerContext ctx) {
                                    seenByHost.incrementAndGet();
                                    ctx.fireChannelActive();
                                }
                            });
                            WsChannelInitializer.initPipeline(ch, ws);
                        }
                    })
                    .bind("127.0.0.1", 0)
                    .syncUninterruptibly()
                    .channel();
            int port = ((InetSocketAddress) listening.localAddress()).getPort();
            assertThat(ws.port()).isEqualTo(-1);

            TestClient a = track(TestClient.connect(port));
            Session<Msg> s = handler.nextOpened();
            a.sendText(json(new Msg("echo", "hosted", 1)));
            assertThat(parse(a.nextData()).text()).isEqualTo("hosted");
            ws.room("r").join(s);
            assertThat(ws.room("r").broadcast(Msg.of("all", 2))).isEqualTo(1);
            assertThat(parse(a.nextData()).type()).isEqualTo("all");
            assertThat(seenByHost.get()).isEqualTo(1);
            assertThat(ws.stats().openConnections()).isEqualTo(1);

            // the limits apply in the host's server too; and the plain initializer works as childHandler
            track(TestClient.connect(port));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> TestClient.connect(port))
                    .isInstanceOfSatisfying(
                            TestClient.Rejected.class, r -> assertThat(r.status).isEqualTo(503));

            ws.close();
            assertThat(a.awaitClose(Duration.ofSeconds(5))).isEqualTo(1001);
            assertThat(group.isShuttingDown())
                    .as("the host's loops stay the host's")
                    .isFalse();
            listening.close().syncUninterruptibly();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void theInitializerAloneIsAChildHandler() {
        WsServer<Msg> ws = WsServer.builder("hosted", codec, handler).build();
        handler.server = ws;
        toClose.add(ws);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel listening = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new WsChannelInitializer(ws))
                    .bind("127.0.0.1", 0)
                    .syncUninterruptibly()
                    .channel();
            TestClient a = track(TestClient.connect(((InetSocketAddress) listening.localAddress()).getPort()));
            handler.nextOpened();
            a.sendText(json(new Msg("echo", "plain", 1)));
            assertThat(parse(a.nextData()).text()).isEqualTo("plain");
            ws.close();
            listening.close().syncUninterruptibly();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
