package io.hal9.benchmarks.ws;

import java.time.Duration;
import java.util.function.IntConsumer;
import org.jspecify.annotations.Nullable;

/**
 * One room-broadcast run of the load client against a server that is already listening: connect,
 * join rooms, optionally add the non-reading spectator, send at a fixed offered rate through a warmup
 * and a measured window, stop, and wait for the messages still in flight.
 *
 * <p>Thread safety: a run uses the calling thread as its controller; runs are independent.
 */
final class BroadcastRun {
    private BroadcastRun() {}

    /**
     * @param clients reading and sending clients
     * @param roomSize clients per room (the last room may be smaller)
     * @param sendsPerSecond offered load: messages sent per second by all clients together
     * @param spectator whether one more client joins every room and stops reading
     */
    record Settings(
            int clients,
            int roomSize,
            double sendsPerSecond,
            Duration warmup,
            Duration measure,
            Duration drain,
            int clientThreads,
            int maxInFlight,
            boolean spectator) {}

    /**
     * @param allDelivered whether every message reached every reading member of its room
     * @param spectatorConnected whether the spectator (if any) was still connected at the end of the window
     */
    record Result(
            LoadClient.ConnectResult connect,
            LoadClient.Window window,
            LoadClient.Totals totals,
            boolean allDelivered,
            boolean spectatorConnected) {}

    /**
     * Runs once. {@code eachSecond}, when given, is called on this thread after every whole second of
     * the measured window with the number of seconds elapsed (the slow-consumer scenario samples the
     * server there).
     */
    static Result run(String host, int port, Settings s, @Nullable IntConsumer eachSecond) {
        try (LoadClient client = new LoadClient(host, port, s.clientThreads())) {
            LoadClient.ConnectResult connect = client.connect(s.clients(), s.maxInFlight());
            if (connect.opened() < s.clients()) {
                throw new IllegalStateException("only " + connect.opened() + " of " + s.clients()
                        + " clients connected; first failure: " + connect.firstFailure());
            }
            Duration joinTimeout = Duration.ofSeconds(30);
            client.joinRooms(s.roomSize(), joinTimeout);
            if (s.spectator()) {
                client.addSpectator(joinTimeout);
            }
            client.startSending(s.sendsPerSecond());
            pause(s.warmup().toMillis());
            client.beginWindow();
            long start = System.nanoTime();
            long total = s.measure().toMillis();
            int second = 0;
            while (true) {
                long elapsed = (System.nanoTime() - start) / 1_000_000;
                long nextMark = (second + 1) * 1000L;
                if (nextMark > total) {
                    pause(total - elapsed);
                    break;
                }
                pause(nextMark - elapsed);
                second++;
                if (eachSecond != null) {
                    eachSecond.accept(second);
                }
            }
            LoadClient.Window window = client.endWindow();
            boolean spectatorConnected = client.spectatorConnected();
            client.stopSending();
            boolean all = client.awaitDelivered(s.drain());
            return new Result(connect, window, client.totals(), all, spectatorConnected);
        }
    }

    /** Paces the run (not a synchronisation: the window is defined by wall-clock time). */
    static void pause(long millis) {
        if (millis <= 0) {
            return;
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
