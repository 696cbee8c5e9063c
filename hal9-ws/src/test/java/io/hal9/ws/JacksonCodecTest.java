package io.hal9.ws;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.msgpack.jackson.dataformat.MessagePackMapper;

/** The codec's buffer pool: shared across threads unless the host chose one. */
class JacksonCodecTest {
    record Msg(String type, int round) {}

    @Test
    void aMapperWithJacksonsPerThreadPoolIsCopiedOntoASharedPool() {
        ObjectMapper mapper = new ObjectMapper();
        assertThat(mapper.getFactory()._getRecyclerPool()).isInstanceOf(JsonRecyclerPools.ThreadLocalPool.class);

        ObjectMapper used = JacksonCodec.sharedBuffers(mapper);

        assertThat(used).isNotSameAs(mapper);
        assertThat(used.getFactory()._getRecyclerPool()).isSameAs(JsonRecyclerPools.sharedConcurrentDequePool());
        // the host's own mapper is left as it was
        assertThat(mapper.getFactory()._getRecyclerPool()).isInstanceOf(JsonRecyclerPools.ThreadLocalPool.class);
    }

    @Test
    void aPoolTheHostChoseIsKept() {
        ObjectMapper mapper = JsonMapper.builder(com.fasterxml.jackson.core.JsonFactory.builder()
                        .recyclerPool(JsonRecyclerPools.newBoundedPool(8))
                        .build())
                .build();
        assertThat(JacksonCodec.sharedBuffers(mapper)).isSameAs(mapper);
    }

    @Test
    void aMapperThatCannotBeCopiedIsUsedAsGiven() {
        MessagePackMapper mapper = new MessagePackMapper();
        assertThat(JacksonCodec.sharedBuffers(mapper)).isSameAs(mapper);
    }

    @Test
    void encodesAndDecodesOnManyVirtualThreadsThroughTheSharedPool() {
        JacksonCodec<Msg> codec = new JacksonCodec<>(Msg.class, new ObjectMapper(), false);
        List<CompletableFuture<String>> done = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            int round = i;
            CompletableFuture<String> f = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                ByteBuf b = codec.encode(new Msg("result", round), UnpooledByteBufAllocator.DEFAULT);
                try {
                    assertThat(codec.decode(b)).isEqualTo(new Msg("result", round));
                    f.complete(b.toString(StandardCharsets.UTF_8));
                } catch (Throwable t) {
                    f.completeExceptionally(t);
                } finally {
                    b.release();
                }
            });
            done.add(f);
        }
        for (int i = 0; i < done.size(); i++) {
            assertThat(done.get(i).join()).isEqualTo("{\"type\":\"result\",\"round\":" + i + "}");
        }
    }
}
