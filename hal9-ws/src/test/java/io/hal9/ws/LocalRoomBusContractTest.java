package io.hal9.ws;

import org.junit.jupiter.api.Timeout;

@Timeout(30)
class LocalRoomBusContractTest extends RoomBusContract {
    @Override
    RoomBus newBus() {
        return RoomBus.local();
    }

    @Override
    void awaitUnsubscribed(RoomBus bus, String room) {
        // synchronous
    }
}
