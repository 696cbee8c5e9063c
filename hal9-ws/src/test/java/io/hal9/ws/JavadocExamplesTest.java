package io.hal9.ws;

import static org.assertj.core.api.Assertions.assertThat;

import io.hal9.redis.SharedRedis;
import io.hal9.testkit.JavadocExamples;
import io.hal9.ws.netty.WsChannelInitializer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every Javadoc example of hal9-ws, word for word between its markers, in a method that declares what the
 * example assumes, so that the compiler checks it as pasted. Compiled only: they bind the ports and reach the
 * Redis cluster they name.
 */
@Timeout(10)
class JavadocExamplesTest {
    record GameMsg(String type, String text) {}

    /** The host's handler of the examples. */
    static final class GameHandler implements WsHandler<GameMsg> {
        @Override
        public void onMessage(Session<GameMsg> session, GameMsg message) {}
    }

    /** The examples' player tokens: which are valid, and whose they are. */
    interface PlayerTokens {
        boolean valid(@Nullable String token);

        String player(@Nullable String token);
    }

    @Test
    void everyJavadocExampleOfTheModuleIsHeldWordForWord() {
        assertThat(JavadocExamples.checkModule(Path.of(""))).isPositive();
    }

    @SuppressWarnings("unused") // compiled, never called
    void wsServer(PlayerTokens tokens, Session<GameMsg> session) {
        // javadoc-example: WsServer#1 begins
        WsServer<GameMsg> server = WsServer.builder("game", Codecs.json(GameMsg.class), new GameHandler())
                .port(8080)
                .path("/ws")
                .authenticator(req -> CompletableFuture.completedFuture(
                        tokens.valid(req.queryParameter("token"))
                                ? HandshakeDecision.accept(Map.of("player", tokens.player(req.queryParameter("token"))))
                                : HandshakeDecision.reject(401, "bad token")))
                .build()
                .start();
        // in the handler, e.g. WsHandler.onOpen: the session leads to its server and the server's rooms
        session.server().room("game-42").join(session);
        // javadoc-example: WsServer#1 ends
    }

    @SuppressWarnings("unused") // compiled, never called
    void redisRoomBus(WsHandler<GameMsg> handler) {
        // javadoc-example: RedisRoomBus#1 begins
        SharedRedis redis = SharedRedis.create("redis-cluster://10.0.0.1:7000,10.0.0.2:7000");
        RedisRoomBus bus = RedisRoomBus.create(redis);
        WsServer<GameMsg> server = WsServer.builder("game", Codecs.json(GameMsg.class), handler)
                .roomBus(bus)
                .build()
                .start();
        // javadoc-example: RedisRoomBus#1 ends
    }

    @SuppressWarnings("unused") // compiled, never called
    void channelInitializer(WsHandler<Msg> handler, EventLoopGroup boss, EventLoopGroup workers) {
        // javadoc-example: WsChannelInitializer#1 begins
        WsServer<Msg> ws =
                WsServer.builder("game", Codecs.json(Msg.class), handler).build();
        new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .handler(WsChannelInitializer.acceptErrorHandler(ws)) // survive EMFILE
                .childHandler(new WsChannelInitializer(ws))
                .bind(8080);
        // javadoc-example: WsChannelInitializer#1 ends
    }
}
