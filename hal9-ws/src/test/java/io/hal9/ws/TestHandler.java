package io.hal9.ws;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.BiConsumer;

/**
 * A handler for tests: records sessions, messages and closes, and answers a few commands: {@code echo}
 * (sends the message back), {@code burst} ({@code n} messages in one event-loop turn), {@code join} (joins
 * room {@code text}), {@code say} (broadcasts to room {@code text} except the sender), {@code shout} (broadcasts
 * to room {@code text}).
 */
final class TestHandler implements WsHandler<Msg> {
    final LinkedBlockingQueue<Session<Msg>> opened = new LinkedBlockingQueue<>();
    final LinkedBlockingQueue<Msg> received = new LinkedBlockingQueue<>();
    final ConcurrentHashMap<Long, CompletableFuture<Integer>> closed = new ConcurrentHashMap<>();
    final List<RuntimeException> decodeErrors = new CopyOnWriteArrayList<>();
    final LinkedBlockingQueue<Session<Msg>> resumed = new LinkedBlockingQueue<>();
    final LinkedBlockingQueue<Session<Msg>> detached = new LinkedBlockingQueue<>();
    /** "roomId missed" per {@link #onBroadcastsMissed} call. */
    final List<String> missed = new CopyOnWriteArrayList<>();
    /** The server, for the tests' own use (the handler itself reaches it through {@link Session#server()}). */
    volatile WsServer<Msg> server;

    volatile BiConsumer<Session<Msg>, Msg> extra = (s, m) -> {};
    /** The host's refusal message for (reason, detail); null: HAL9's control message. */
    volatile java.util.function.BiFunction<String, String, Msg> refusals = (reason, detail) -> null;

    @Override
    public void onOpen(Session<Msg> session) {
        closed.put(session.id(), new CompletableFuture<>());
        opened.add(session);
    }

    @Override
    public void onMessage(Session<Msg> session, Msg message) {
        received.add(message);
        switch (message.type()) {
            case "echo" -> session.trySend(message);
            case "burst" -> {
                for (int i = 0; i < message.n(); i++) {
                    session.trySend(Msg.of("b", i));
                }
            }
            case "join" -> session.server().room(message.text()).join(session);
            case "say" -> session.server().room(message.text()).broadcastExcept(message, session);
            case "shout" -> session.server().room(message.text()).broadcast(message);
            default -> extra.accept(session, message);
        }
    }

    @Override
    public void onClose(Session<Msg> session, int code, String reason) {
        closed.computeIfAbsent(session.id(), k -> new CompletableFuture<>()).complete(code);
    }

    @Override
    public void onResume(Session<Msg> session) {
        resumed.add(session);
    }

    @Override
    public void onDetach(Session<Msg> session) {
        detached.add(session);
    }

    @Override
    public void onDecodeError(Session<Msg> session, RuntimeException error) {
        decodeErrors.add(error);
    }

    @Override
    public void onBroadcastsMissed(Room<Msg> room, long count) {
        missed.add(room.id() + " " + count);
    }

    @Override
    public Msg refusal(Session<Msg> session, String reason, String detail) {
        return refusals.apply(reason, detail);
    }

    Session<Msg> nextOpened() {
        try {
            Session<Msg> s = opened.poll(5, java.util.concurrent.TimeUnit.SECONDS);
            if (s == null) {
                throw new AssertionError("no session opened within 5 s");
            }
            return s;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    int closeCodeOf(Session<Msg> s) {
        try {
            return closed.get(s.id()).get(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("session " + s.id() + " not closed within 5 s", e);
        }
    }
}
