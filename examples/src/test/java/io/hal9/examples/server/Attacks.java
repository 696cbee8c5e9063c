package io.hal9.examples.server;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The clients of the flood tests: what one hostile client on the network can do, written with plain sockets
 * so that nothing in them is polite. Each attacker binds to a source address of its own on loopback
 * ({@code 127.0.0.2} and up; Linux routes all of {@code 127/8} to the loopback interface), so the server sees
 * it as another address than the real players on {@code 127.0.0.1}.
 */
final class Attacks {
    private Attacks() {}

    /** The loopback address {@code 127.0.0.n}. */
    static InetAddress loopback(int n) {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) n});
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Slowloris: many connections that each send an HTTP request one byte at a time, never finishing it. In
     * {@link Mode#HEADER} mode the request head never ends; in {@link Mode#BODY} mode the head is complete and
     * announces a body that trickles. One platform thread drives every connection through a selector.
     */
    static final class Slowloris implements AutoCloseable {
        enum Mode {
            HEADER,
            BODY
        }

        private final Selector selector;
        private final List<SocketChannel> channels = new ArrayList<>();
        private final Thread driver;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final byte[] prefix;
        private final Duration byteEvery;
        /** Connections whose TCP connect completed. */
        final AtomicInteger connected = new AtomicInteger();
        /** Connections the server closed (end of stream or reset), whatever it answered before. */
        final AtomicInteger closedByServer = new AtomicInteger();
        /** Connections that could not be opened at all. */
        final AtomicInteger connectFailed = new AtomicInteger();
        /** Bytes of the trickle sent, over every connection. */
        final AtomicLong trickled = new AtomicLong();

        /**
         * Opens {@code connections} connections to {@code target}, spread round-robin over the source addresses
         * {@code 127.0.0.<firstSource>} to {@code 127.0.0.<firstSource + sources - 1>}.
         */
        Slowloris(
                InetSocketAddress target, int connections, int firstSource, int sources, Mode mode, Duration byteEvery)
                throws IOException {
            this.selector = Selector.open();
            this.byteEvery = byteEvery;
            String host = "Host: " + target.getHostString() + ":" + target.getPort() + "\r\n";
            this.prefix = (mode == Mode.HEADER
                            ? "GET /api/games HTTP/1.1\r\n" + host + "X-Slow: "
                            : "POST /api/games HTTP/1.1\r\n" + host
                                    + "Content-Type: application/json\r\nContent-Length: 4000\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < connections; i++) {
                SocketChannel ch;
                try {
                    ch = SocketChannel.open();
                } catch (IOException e) {
                    // this process is out of descriptors: what could not be opened counts as failed
                    connectFailed.addAndGet(connections - i);
                    break;
                }
                try {
                    ch.configureBlocking(false);
                    ch.bind(new InetSocketAddress(loopback(firstSource + i % sources), 0));
                    if (ch.connect(target)) {
                        onConnected(ch);
                    } else {
                        ch.register(selector, SelectionKey.OP_CONNECT);
                    }
                    channels.add(ch);
                } catch (IOException e) {
                    connectFailed.incrementAndGet();
                    ch.close();
                }
            }
            driver = Thread.ofPlatform().name("slowloris").daemon().start(this::drive);
        }

        private void onConnected(SocketChannel ch) throws IOException {
            connected.incrementAndGet();
            ch.write(ByteBuffer.wrap(prefix));
            ch.register(selector, SelectionKey.OP_READ);
        }

        private void drive() {
            ByteBuffer sink = ByteBuffer.allocate(4096);
            ByteBuffer one = ByteBuffer.allocate(1);
            long nextTrickle = System.nanoTime() + byteEvery.toNanos();
            try {
                while (!stop.get()) {
                    long wait = Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextTrickle - System.nanoTime()));
                    selector.select(wait);
                    Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                    while (it.hasNext()) {
                        SelectionKey k = it.next();
                        it.remove();
                        SocketChannel ch = (SocketChannel) k.channel();
                        if (!k.isValid()) {
                            continue;
                        }
                        try {
                            if (k.isConnectable()) {
                                ch.finishConnect();
                                connected.incrementAndGet();
                                ch.write(ByteBuffer.wrap(prefix));
                                k.interestOps(SelectionKey.OP_READ);
                            } else if (k.isReadable()) {
                                sink.clear();
                                if (ch.read(sink) < 0) {
                                    serverClosed(k, ch);
                                }
                            }
                        } catch (IOException e) {
                            if (k.isConnectable() || !ch.isConnected()) {
                                connectFailed.incrementAndGet();
                                k.cancel();
                                closeQuietly(ch);
                            } else {
                                serverClosed(k, ch);
                            }
                        }
                    }
                    if (System.nanoTime() - nextTrickle >= 0) {
                        nextTrickle += byteEvery.toNanos();
                        for (SelectionKey k : selector.keys()) {
                            if (k.isValid() && (k.interestOps() & SelectionKey.OP_READ) != 0) {
                                SocketChannel ch = (SocketChannel) k.channel();
                                try {
                                    ch.write(one.clear().put((byte) 'a').flip());
                                    trickled.incrementAndGet();
                                } catch (IOException e) {
                                    serverClosed(k, ch);
                                }
                            }
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                if (!stop.get()) {
                    throw new IllegalStateException("slowloris driver failed", e);
                }
            }
        }

        private void serverClosed(SelectionKey k, SocketChannel ch) {
            k.cancel();
            closeQuietly(ch);
            closedByServer.incrementAndGet();
        }

        /** Connections still open on this side. */
        int open() {
            return connected.get() - closedByServer.get();
        }

        @Override
        public void close() {
            stop.set(true);
            selector.wakeup();
            join(driver);
            for (SocketChannel ch : channels) {
                closeQuietly(ch);
            }
            try {
                selector.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    /**
     * A WebSocket client that floods ping frames at full speed and never reads: its receive buffer is small,
     * so every pong the server sends stays on the server's side. Answers when the server closed it (a write
     * failed) or the time is up.
     */
    static final class PingFlood implements AutoCloseable {
        private final Socket socket;
        private final Thread writer;
        private final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong pingsSent = new AtomicLong();
        final CountDownLatch closedByServer = new CountDownLatch(1);
        /** The HTTP status line of the handshake's answer. */
        final String handshakeStatus;

        PingFlood(String wsUrl, InetAddress source) throws IOException {
            URI uri = URI.create(wsUrl);
            socket = new Socket();
            socket.setReceiveBufferSize(4096);
            socket.bind(new InetSocketAddress(source, 0));
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5_000);
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + uri.getRawPath() + "?" + uri.getRawQuery() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":"
                            + uri.getPort() + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            handshakeStatus = readHead(socket.getInputStream());
            if (!handshakeStatus.startsWith("HTTP/1.1 101")) {
                socket.close();
                throw new IllegalStateException("WebSocket handshake refused: " + handshakeStatus);
            }
            writer = Thread.ofPlatform().name("ping-flood").daemon().start(this::flood);
        }

        private static String readHead(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            int b;
            while ((b = in.read()) >= 0) {
                head.append((char) b);
                if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                    break;
                }
            }
            return head.toString().lines().findFirst().orElse("");
        }

        private void flood() {
            // 1,000 masked ping frames with a 16-byte payload per write
            byte[] frame = new byte[2 + 4 + 16];
            frame[0] = (byte) 0x89; // FIN + ping
            frame[1] = (byte) (0x80 | 16); // masked, 16 bytes
            byte[] mask = {1, 2, 3, 4};
            System.arraycopy(mask, 0, frame, 2, 4);
            for (int i = 0; i < 16; i++) {
                frame[6 + i] = (byte) ('p' ^ mask[i & 3]);
            }
            byte[] chunk = new byte[frame.length * 1000];
            for (int i = 0; i < 1000; i++) {
                System.arraycopy(frame, 0, chunk, i * frame.length, frame.length);
            }
            try {
                OutputStream out = socket.getOutputStream();
                while (!stop.get()) {
                    out.write(chunk);
                    pingsSent.addAndGet(1000);
                }
            } catch (IOException e) {
                if (!stop.get()) {
                    closedByServer.countDown();
                }
            }
        }

        @Override
        public void close() throws IOException {
            stop.set(true);
            socket.close();
            join(writer);
        }
    }

    /**
     * Plain TCP connections that send nothing, opened from one source address, to find where the server's
     * per-address limit bites: answers how many the server closed within {@code settle}.
     */
    static final class SilentConnections implements AutoCloseable {
        private final List<Socket> sockets = new ArrayList<>();
        final AtomicInteger refused = new AtomicInteger();

        SilentConnections(InetSocketAddress target, InetAddress source, int count) {
            for (int i = 0; i < count; i++) {
                Socket s = new Socket();
                try {
                    s.bind(new InetSocketAddress(source, 0));
                    s.connect(target, 5_000);
                    sockets.add(s);
                } catch (IOException e) {
                    refused.incrementAndGet();
                    closeQuietly(s);
                }
            }
        }

        /** Connections the server has closed so far (a read sees end of stream or a reset). */
        int closedByServer() {
            int closed = 0;
            for (Socket s : sockets) {
                try {
                    s.setSoTimeout(1);
                    InputStream in = s.getInputStream();
                    while (in.read() >= 0) {
                        // skip what the server answered (a 503, a 408) before it closed
                    }
                    closed++;
                } catch (java.net.SocketTimeoutException e) {
                    // still open
                } catch (IOException e) {
                    closed++;
                }
            }
            return closed;
        }

        int opened() {
            return sockets.size();
        }

        @Override
        public void close() {
            sockets.forEach(Attacks::closeQuietly);
        }
    }

    /**
     * A keep-alive HTTP/1.1 client on one plain socket, bound to a source address of its own: it sends one
     * request at a time and reads the whole answer (status line, headers, a {@code Content-Length} body) before
     * the next, and opens a new connection only after an answer that said {@code Connection: close}.
     *
     * <p>The flood tests count every request that got no answer, and count it against the server. The JDK's
     * {@code HttpClient} cannot be the counter: under a flood of fast answers its HTTP/1.1 connection pool
     * sometimes hands the next answer to the subscriber of a connection that is still "in the pool", drops the
     * connection and reports {@code "HTTP/1.1 header parser received no bytes"} (caused by {@code "Data
     * received while in pool"}): once in 17,000 to 37,000 requests on JDK 25.0.3 here. That is a race in the
     * client (the JDK fixed earlier forms of it as JDK-8338569 and JDK-8357639), not a missing answer. This client
     * has no pool, so what it reports is what the server sent: an answer, or a connection closed without one, or
     * bytes that are not an answer.
     *
     * <p>Not thread-safe: one per thread.
     */
    static final class KeepAliveClient implements AutoCloseable {
        /** What the server answered: the status, the headers (names in lower case) and the body. */
        record Answer(int status, Map<String, String> headers, String body) {}

        private final InetSocketAddress server;
        private final InetAddress source;
        private Socket socket;
        private BufferedInputStream in;
        /** Connections opened so far, the first included. */
        int connections;

        KeepAliveClient(URI base, InetAddress source) throws IOException {
            this.server = new InetSocketAddress(base.getHost(), base.getPort());
            this.source = source;
            open();
        }

        private void open() throws IOException {
            socket = new Socket();
            socket.bind(new InetSocketAddress(source, 0));
            socket.connect(server, 5_000);
            socket.setSoTimeout(10_000);
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream());
            connections++;
        }

        /** Sends a POST with a JSON body and reads its answer; an IOException when none came. */
        Answer post(String path, String json) throws IOException {
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            String head = "POST " + path + " HTTP/1.1\r\nHost: " + server.getHostString() + ":" + server.getPort()
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n";
            byte[] request = Arrays.copyOf(head.getBytes(StandardCharsets.US_ASCII), head.length() + body.length);
            System.arraycopy(body, 0, request, head.length(), body.length);
            socket.getOutputStream().write(request); // one write: no wait on Nagle's algorithm for the body
            Answer a = read();
            if ("close".equalsIgnoreCase(a.headers().get("connection"))) {
                socket.close();
                open();
            }
            return a;
        }

        private Answer read() throws IOException {
            String status = line();
            if (status == null) {
                throw new IOException("the connection closed without an answer");
            }
            String[] parts = status.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP answer: '" + status + "'");
            }
            Map<String, String> headers = new HashMap<>();
            for (String h = line(); h != null && !h.isEmpty(); h = line()) {
                int colon = h.indexOf(':');
                if (colon <= 0) {
                    throw new IOException("not a header line: '" + h + "'");
                }
                headers.put(
                        h.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        h.substring(colon + 1).trim());
            }
            String length = headers.get("content-length");
            if (length == null) {
                throw new IOException("an answer without Content-Length: " + status);
            }
            int expected = Integer.parseInt(length);
            byte[] body = in.readNBytes(expected);
            if (body.length < expected) {
                throw new IOException("the connection closed inside an answer's body");
            }
            return new Answer(Integer.parseInt(parts[1]), headers, new String(body, StandardCharsets.UTF_8));
        }

        /** One line without its CRLF, or null at the end of the stream before any byte of it. */
        private String line() throws IOException {
            StringBuilder b = new StringBuilder();
            for (int c = in.read(); c >= 0; c = in.read()) {
                if (c == '\n') {
                    int end = b.length();
                    return end > 0 && b.charAt(end - 1) == '\r' ? b.substring(0, end - 1) : b.toString();
                }
                b.append((char) c);
            }
            if (b.length() > 0) {
                throw new IOException("the connection closed inside a line: '" + b + "'");
            }
            return null;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** Waits up to 10 s for {@code t}; keeps the interrupt for the caller. */
    static void join(Thread t) {
        try {
            t.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // closing anyway
        }
    }
}
