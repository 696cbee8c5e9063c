package io.hal9.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback server that answers the first command of every connection with a fixed reply: a
 * stand-in for Redis (or for something that is not Redis) in tests that need no real server.
 */
final class FakeRedisServer implements AutoCloseable {

    private final ServerSocket server;
    private final byte[] reply;
    private final AtomicInteger connections = new AtomicInteger();
    private final Thread acceptor;

    FakeRedisServer(String reply) throws IOException {
        this.server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        this.reply = reply.getBytes(StandardCharsets.UTF_8);
        this.acceptor =
                Thread.ofVirtual().name("fake-redis-" + server.getLocalPort()).start(this::acceptLoop);
    }

    int port() {
        return server.getLocalPort();
    }

    /** How many connections were accepted so far. */
    int connections() {
        return connections.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                connections.incrementAndGet();
                readOneCommand(s.getInputStream());
                OutputStream out = s.getOutputStream();
                out.write(reply);
                out.flush();
            } catch (IOException e) {
                // closed by the test, or the client went away: nothing to do
            }
        }
    }

    /** Reads one RESP array command of bulk strings, e.g. {@code *1 $4 PING}. */
    private static void readOneCommand(InputStream in) throws IOException {
        String header = readLine(in);
        int args = header.startsWith("*") ? Integer.parseInt(header.substring(1)) : 0;
        for (int i = 0; i < args; i++) {
            readLine(in); // $length
            readLine(in); // argument
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    /** A port on which nothing listens (bound, then released). */
    static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        try {
            acceptor.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
