package io.hal9.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.json.JsonMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.msgpack.jackson.dataformat.MessagePackMapper;

/** The same session code over both codecs, through real sockets. */
@Timeout(30)
class CodecTest extends WsTestSupport {

    static Stream<MessageCodec<Msg>> codecs() {
        return Stream.of(Codecs.json(Msg.class), Codecs.messagePack(Msg.class));
    }

    @ParameterizedTest
    @MethodSource("codecs")
    void aMessageRoundTripsThroughTheCodec(MessageCodec<Msg> c) {
        Msg m = new Msg("move", "north-east", 123456789L);
        ByteBuf b = c.encode(m, PooledByteBufAllocator.DEFAULT);
        try {
            assertThat(c.decode(b)).isEqualTo(m);
            assertThat(b.readerIndex())
                    .as("decode does not consume the caller's buffer")
                    .isZero();
        } finally {
            b.release();
        }
    }

    @ParameterizedTest
    @MethodSource("codecs")
    void garbageIsADecodeErrorNotACrash(MessageCodec<Msg> c) {
        assertThatThrownBy(() -> c.decode(Unpooled.wrappedBuffer(new byte[] {(byte) 0xc1, 1, 2})))
                .isInstanceOf(RuntimeException.class)
                .hasMessageContaining("cannot decode Msg");
    }

    @Test
    void messagePackIsBinaryAndSmallerThanJson() {
        MessageCodec<Msg> json = Codecs.json(Msg.class);
        MessageCodec<Msg> pack = Codecs.messagePack(Msg.class);
        assertThat(json.binary()).isFalse();
        assertThat(pack.binary()).isTrue();
        Msg m = new Msg("position", "x", 1_000_000L);
        ByteBuf a = json.encode(m, PooledByteBufAllocator.DEFAULT);
        ByteBuf b = pack.encode(m, PooledByteBufAllocator.DEFAULT);
        try {
            assertThat(b.readableBytes()).isLessThan(a.readableBytes());
        } finally {
            a.release();
            b.release();
        }
        assertThatThrownBy(
                        () -> Codecs.messagePack(Msg.class, JsonMapper.builder().build()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aMessagePackServerSpeaksBinaryFramesAndKeepsControlMessagesInText() {
        TrackingCodec<Msg> pack = new TrackingCodec<>(Codecs.messagePack(Msg.class));
        WsServer<Msg> server = WsServer.builder("pack", pack, handler)
                .host("127.0.0.1")
                .eventLoopThreads(1)
                .build();
        handler.server = server;
        toClose.add(server);
        server.start();
        TestClient c = track(TestClient.connect(server.port()));
        Session<Msg> s = handler.nextOpened();
        MessagePackMapper mapper = new MessagePackMapper();
        c.sendBinary(bytes(mapper, new Msg("echo", "binary", 5)));
        assertThat(read(mapper, c)).isEqualTo(new Msg("echo", "binary", 5));
        server.room("g").join(s);
        server.room("g").broadcast(Msg.of("all", 6));
        assertThat(read(mapper, c)).isEqualTo(Msg.of("all", 6));
        c.sendBinary(new byte[] {(byte) 0xc1});
        assertThat(c.nextText()).startsWith("{\"hal9\":\"error\",\"reason\":\"decode\"");
        assertThat(handler.received).extracting(Msg::type).containsExactly("echo");
        assertThat(pack.live()).isZero();
    }

    @Test
    void aBatchingBinaryClientGetsLengthPrefixedMessages() throws Exception {
        TrackingCodec<Msg> pack = new TrackingCodec<>(Codecs.messagePack(Msg.class));
        WsServer<Msg> server = WsServer.builder("pack", pack, handler)
                .host("127.0.0.1")
                .eventLoopThreads(1)
                .build();
        handler.server = server;
        toClose.add(server);
        server.start();
        TestClient c = track(TestClient.connect(
                server.port(), "/ws", TestClient.Options.defaults().withSubprotocol(WsServer.BATCH_SUBPROTOCOL)));
        handler.nextOpened();
        MessagePackMapper mapper = new MessagePackMapper();
        c.sendBinary(bytes(mapper, Msg.of("burst", 3)));
        byte[] frame = c.binaries.poll(5, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(frame).isNotNull();
        ByteBuf in = Unpooled.wrappedBuffer(frame);
        List<Long> ns = new java.util.ArrayList<>();
        while (in.isReadable()) {
            int len = in.readInt();
            byte[] one = new byte[len];
            in.readBytes(one);
            ns.add(mapper.readValue(one, Msg.class).n());
        }
        assertThat(ns).containsExactly(0L, 1L, 2L);
    }

    private static byte[] bytes(MessagePackMapper mapper, Msg m) {
        try {
            return mapper.writeValueAsBytes(m);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Msg read(MessagePackMapper mapper, TestClient c) {
        try {
            byte[] b = c.binaries.poll(5, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(b).as("a binary frame within 5 s").isNotNull();
            return mapper.readValue(b, Msg.class);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
