package io.hal9.ws;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The batch frame's bytes: a JSON array for text, length-prefixed messages for binary; frames released. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class BatchFramesTest {
    private final ByteBufAllocator alloc = UnpooledByteBufAllocator.DEFAULT;

    private static TextWebSocketFrame text(String s) {
        return new TextWebSocketFrame(Unpooled.copiedBuffer(s, StandardCharsets.UTF_8));
    }

    private static BinaryWebSocketFrame binary(byte... bytes) {
        return new BinaryWebSocketFrame(Unpooled.wrappedBuffer(bytes));
    }

    private static String textOf(WebSocketFrame f) {
        return f.content().toString(StandardCharsets.UTF_8);
    }

    @Test
    void textMessagesBecomeAJsonArrayAndEachFrameIsReleased() {
        TextWebSocketFrame a = text("{\"a\":1}");
        TextWebSocketFrame b = text("{\"b\":2}");
        ByteBuf out = BatchFrames.open(alloc, true);
        BatchFrames.append(out, a, true, 0);
        BatchFrames.append(out, b, true, 1);
        WebSocketFrame batch = BatchFrames.close(out, true);

        assertThat(batch).isInstanceOf(TextWebSocketFrame.class);
        assertThat(textOf(batch)).isEqualTo("[{\"a\":1},{\"b\":2}]");
        assertThat(a.refCnt()).isZero();
        assertThat(b.refCnt()).isZero();
        batch.release();
    }

    @Test
    void binaryMessagesArePrecededByTheirLength() {
        ByteBuf out = BatchFrames.open(alloc, false);
        BatchFrames.append(out, binary((byte) 7), false, 0);
        BatchFrames.append(out, binary((byte) 8, (byte) 9), false, 1);
        WebSocketFrame batch = BatchFrames.close(out, false);

        assertThat(batch).isInstanceOf(BinaryWebSocketFrame.class);
        ByteBuf c = batch.content();
        assertThat(c.readInt()).isEqualTo(1);
        assertThat(c.readByte()).isEqualTo((byte) 7);
        assertThat(c.readInt()).isEqualTo(2);
        assertThat(c.readByte()).isEqualTo((byte) 8);
        assertThat(c.readByte()).isEqualTo((byte) 9);
        assertThat(c.isReadable()).isFalse();
        batch.release();
    }

    @Test
    void aLoneMessageIsABatchOfOne() {
        TextWebSocketFrame t = text("x");
        WebSocketFrame single = BatchFrames.single(alloc, t);
        assertThat(single).isInstanceOf(TextWebSocketFrame.class);
        assertThat(textOf(single)).isEqualTo("[x]");
        assertThat(t.refCnt()).isZero();
        single.release();

        BinaryWebSocketFrame b = binary((byte) 1, (byte) 2, (byte) 3);
        WebSocketFrame one = BatchFrames.single(alloc, b);
        assertThat(one).isInstanceOf(BinaryWebSocketFrame.class);
        assertThat(one.content().readInt()).isEqualTo(3);
        assertThat(one.content().readableBytes()).isEqualTo(3);
        assertThat(b.refCnt()).isZero();
        one.release();
    }

    @Test
    void aReplayedPayloadIsFramedWithoutBeingConsumedOrReleased() {
        ByteBuf payload = Unpooled.copiedBuffer("{\"r\":1}", StandardCharsets.UTF_8);
        ByteBuf framed = BatchFrames.ofOne(alloc, payload, false);
        assertThat(framed.toString(StandardCharsets.UTF_8)).isEqualTo("[{\"r\":1}]");
        assertThat(payload.refCnt()).isEqualTo(1);
        assertThat(payload.readerIndex()).isZero();
        framed.release();
        payload.release();
    }

    @Test
    void aFrameFitsOnlyIfOfTheSameKindAndWithinTheBatchBytes() {
        TextWebSocketFrame first = text("a");
        ByteBuf out = BatchFrames.open(alloc, true);
        TextWebSocketFrame small = text("b");
        BinaryWebSocketFrame other = binary((byte) 1);
        TextWebSocketFrame big =
                new TextWebSocketFrame(Unpooled.buffer(BatchFrames.BATCH_BYTES).writeZero(BatchFrames.BATCH_BYTES));

        assertThat(BatchFrames.fits(small, first, out)).isTrue();
        assertThat(BatchFrames.fits(other, first, out)).isFalse();
        // out holds '[': one byte more than BATCH_BYTES would be too much
        assertThat(BatchFrames.fits(big, first, out)).isFalse();
        // a queued item that is not a plain frame (a send with a completion, a control message) ends the batch
        assertThat(BatchFrames.fits(new Object(), first, out)).isFalse();

        for (WebSocketFrame f : new WebSocketFrame[] {first, small, other, big}) {
            f.release();
        }
        out.release();
    }
}
