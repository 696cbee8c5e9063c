package io.hal9.examples.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A JSON WebSocket client of the game protocol for tests (the JDK's client). */
final class WsClient implements WebSocket.Listener {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private final LinkedBlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private final CompletableFuture<String> closeReason = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    private final java.io.ByteArrayOutputStream binaryPartial = new java.io.ByteArrayOutputStream();
    private static final ObjectMapper MSGPACK = new org.msgpack.jackson.dataformat.MessagePackMapper();
    private WebSocket socket;

    static WsClient connect(String url) {
        WsClient c = new WsClient();
        try {
            c.socket = HTTP.newWebSocketBuilder()
                    .connectTimeout(Duration.ofSeconds(5))
                    .buildAsync(URI.create(url), c)
                    .get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new CompletionException(e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new IllegalStateException(e);
        }
        return c;
    }

    /** The HTTP status with which the handshake to {@code url} is refused (fails if it is accepted). */
    static int refusal(String url) {
        try {
            WsClient c = connect(url);
            c.socket.abort();
            throw new AssertionError("handshake to " + url + " was accepted");
        } catch (CompletionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException h) {
                return h.getResponse().statusCode();
            }
            throw e;
        }
    }

    void send(String json) {
        socket.sendText(json, true).join();
    }

    /** Sends raw bytes in a binary frame. */
    void sendBinary(byte[] bytes) {
        socket.sendBinary(java.nio.ByteBuffer.wrap(bytes), true).join();
    }

    /** Sends the JSON message encoded as MessagePack in a binary frame. */
    void sendMsgPack(String json) {
        try {
            byte[] b = MSGPACK.writeValueAsBytes(JSON.readTree(json));
            socket.sendBinary(java.nio.ByteBuffer.wrap(b), true).join();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The next message, whatever it is (hal9-ws's control messages included); fails after 10 s. */
    JsonNode nextAny() {
        try {
            JsonNode m = received.poll(10, TimeUnit.SECONDS);
            if (m == null) {
                throw new AssertionError("no message within 10 s");
            }
            return m;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The next message of this type, skipping others; fails after 10 s. */
    JsonNode next(String type) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                JsonNode m = received.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
                if (m == null) {
                    throw new AssertionError("no '" + type + "' message within 10 s");
                }
                if (m.path("type").asText().equals(type)) {
                    return m;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    int awaitClose() {
        try {
            return closeCode.get(15, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new AssertionError("no close frame", e);
        }
    }

    /** The reason of the server's close frame; fails after 15 s without one. */
    String awaitCloseReason() {
        awaitClose();
        return closeReason.getNow("");
    }

    /** Whether the server's close frame (or an error) has arrived. */
    boolean closed() {
        return closeCode.isDone();
    }

    void close() {
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            try {
                received.add(JSON.readTree(partial.toString()));
            } catch (java.io.IOException e) {
                throw new IllegalStateException("not JSON: " + partial, e);
            }
            partial.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, java.nio.ByteBuffer data, boolean last) {
        byte[] b = new byte[data.remaining()];
        data.get(b);
        binaryPartial.writeBytes(b);
        if (last) {
            try {
                received.add(MSGPACK.readTree(binaryPartial.toByteArray()));
            } catch (java.io.IOException e) {
                throw new IllegalStateException("not MessagePack", e);
            }
            binaryPartial.reset();
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closeReason.complete(reason);
        closeCode.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closeCode.completeExceptionally(error);
    }
}
