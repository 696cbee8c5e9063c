package io.hal9.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What every {@link RoomBus} does; a subclass per implementation. */
abstract class RoomBusContract {

    record Delivery(String room, String origin, boolean binary, String payload) {}

    /** A new bus; closed by the test. */
    abstract RoomBus newBus();

    /** Waits until the bus's subscription to {@code room} is gone (asynchronous buses). */
    abstract void awaitUnsubscribed(RoomBus bus, String room);

    static final class Recorder implements RoomBus.Subscriber {
        final LinkedBlockingQueue<Delivery> got = new LinkedBlockingQueue<>();

        @Override
        public void onBroadcast(String roomId, String originInstance, boolean binary, ByteBuf payload) {
            got.add(new Delivery(roomId, originInstance, binary, payload.toString(StandardCharsets.UTF_8)));
        }

        Delivery next() throws InterruptedException {
            Delivery d = got.poll(5, TimeUnit.SECONDS);
            assertThat(d).as("a delivery within 5 s").isNotNull();
            return d;
        }
    }

    /** Waits (at most 5 s) for a subscription's confirmation; fails if it failed. */
    private static void active(CompletionStage<Void> subscribed) throws Exception {
        assertThat(subscribed.toCompletableFuture().get(5, TimeUnit.SECONDS)).isNull();
    }

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    private static void publish(RoomBus bus, String room, String origin, boolean binary, String payload) {
        ByteBuf b = bytes(payload);
        try {
            bus.publish(room, origin, binary, b);
            assertThat(b.refCnt())
                    .as("publish does not release the caller's buffer")
                    .isEqualTo(1);
            assertThat(b.readerIndex())
                    .as("publish does not consume the caller's buffer")
                    .isZero();
        } finally {
            b.release();
        }
    }

    @Test
    void aSubscriberGetsThePublicationsOfItsRoomOnlyWithOriginAndFrameKind() throws Exception {
        try (RoomBus bus = newBus()) {
            Recorder r = new Recorder();
            active(bus.subscribe("room-1", r));
            publish(bus, "room-2", "a", false, "elsewhere");
            publish(bus, "room-1", "a", false, "{\"x\":1}");
            publish(bus, "room-1", "b", true, "bin");
            assertThat(r.next()).isEqualTo(new Delivery("room-1", "a", false, "{\"x\":1}"));
            assertThat(r.next()).isEqualTo(new Delivery("room-1", "b", true, "bin"));
        }
    }

    @Test
    void afterUnsubscribeNothingMoreArrives() throws Exception {
        try (RoomBus bus = newBus()) {
            Recorder gone = new Recorder();
            Recorder stays = new Recorder();
            active(bus.subscribe("room-1", gone));
            active(bus.subscribe("room-3", stays));
            bus.unsubscribe("room-1", gone);
            awaitUnsubscribed(bus, "room-1");
            publish(bus, "room-1", "a", false, "missed");
            publish(bus, "room-3", "a", false, "marker");
            assertThat(stays.next().payload()).isEqualTo("marker");
            assertThat(gone.got).isEmpty();
        }
    }

    @Test
    void aConfirmedSubscriptionMissesNoPublicationMadeRightAfterIt() throws Exception {
        // no polling of the bus's backend: the confirmation alone says the subscription is active
        try (RoomBus bus = newBus()) {
            for (int i = 0; i < 20; i++) {
                Recorder r = new Recorder();
                String room = "confirmed-" + i;
                active(bus.subscribe(room, r));
                publish(bus, room, "other", false, "first " + i);
                assertThat(r.next().payload()).isEqualTo("first " + i);
            }
        }
    }

    @Test
    void aSecondSubscriberOfAnActiveRoomIsConfirmedAndBothReceive() throws Exception {
        try (RoomBus bus = newBus()) {
            Recorder first = new Recorder();
            Recorder second = new Recorder();
            active(bus.subscribe("room-2", first));
            active(bus.subscribe("room-2", second));
            publish(bus, "room-2", "a", false, "both");
            assertThat(first.next().payload()).isEqualTo("both");
            assertThat(second.next().payload()).isEqualTo("both");
        }
    }

    @Test
    void completingTheReturnedStageFromOutsideDoesNotConfirmAnything() throws Exception {
        try (RoomBus bus = newBus()) {
            CompletionStage<Void> s = bus.subscribe("room-4", new Recorder());
            s.toCompletableFuture().completeExceptionally(new IllegalStateException("meddling"));
            active(bus.subscribe("room-4", new Recorder()));
        }
    }

    @Test
    void subscribingToAClosedBusFailsTheConfirmation() {
        RoomBus bus = newBus();
        bus.close();
        CompletionStage<Void> s = bus.subscribe("room-1", new Recorder());
        assertThatThrownBy(() -> s.toCompletableFuture().get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(WsException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void closeIsIdempotentAndPublishAfterCloseDoesNothing() {
        RoomBus bus = newBus();
        bus.close();
        bus.close();
        publish(bus, "room-1", "a", false, "late");
    }
}
