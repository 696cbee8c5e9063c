package io.hal9.testkit;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serial;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A minimal blocking RESP2 client: enough for PING, AUTH, SELECT, SCAN and DEL.
 *
 * <p>Replies map to: simple string to {@link String}, integer to {@link Long}, bulk string to
 * {@code byte[]} (null when nil), array to {@code List} (null when nil); an error reply is thrown
 * as {@link ErrorReply}. Not thread-safe: one owner at a time.
 */
final class RespClient implements AutoCloseable {

    /** The largest bulk reply accepted; the testkit only reads keys and short answers. */
    private static final int MAX_BULK = 64 * 1024 * 1024;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RespClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = new BufferedOutputStream(socket.getOutputStream());
    }

    /** Connects, then authenticates and selects the database when the endpoint says so. */
    static RespClient open(RedisEndpoint endpoint, int timeoutSeconds) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), timeoutSeconds * 1000);
            socket.setSoTimeout(timeoutSeconds * 1000);
            socket.setTcpNoDelay(true);
            RespClient client = new RespClient(socket);
            String password = endpoint.password();
            String user = endpoint.user();
            if (password != null) {
                if (user != null) {
                    client.call("AUTH", user, password);
                } else {
                    client.call("AUTH", password);
                }
            }
            if (endpoint.database() != 0) {
                client.call("SELECT", Integer.toString(endpoint.database()));
            }
            return client;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** Sends one command of UTF-8 arguments and reads its reply. */
    @Nullable
    Object call(String... args) throws IOException {
        List<byte[]> bytes = new ArrayList<>(args.length);
        for (String a : args) {
            bytes.add(a.getBytes(StandardCharsets.UTF_8));
        }
        return call(bytes);
    }

    /** Sends one command of binary arguments and reads its reply. */
    @Nullable
    Object call(List<byte[]> args) throws IOException {
        out.write(('*' + Integer.toString(args.size()) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (byte[] a : args) {
            out.write(('$' + Integer.toString(a.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(a);
            out.write('\r');
            out.write('\n');
        }
        out.flush();
        return read();
    }

    private @Nullable Object read() throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new EOFException("connection closed before a reply");
        }
        String line = readLine();
        switch (type) {
            case '+':
                return line;
            case '-':
                throw new ErrorReply(line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int length = parseLength(line);
                if (length < 0) {
                    return null;
                }
                byte[] data = in.readNBytes(length);
                if (data.length != length || in.read() != '\r' || in.read() != '\n') {
                    throw new EOFException("connection closed inside a bulk reply");
                }
                return data;
            }
            case '*': {
                int count = parseLength(line);
                if (count < 0) {
                    return null;
                }
                List<@Nullable Object> items = new ArrayList<>(Math.min(count, 1024));
                for (int i = 0; i < count; i++) {
                    items.add(read());
                }
                return items;
            }
            default:
                throw new IOException("not a RESP reply: starts with '" + printable(type) + line + "'");
        }
    }

    private static int parseLength(String line) throws IOException {
        int n;
        try {
            n = Integer.parseInt(line);
        } catch (NumberFormatException e) {
            throw new IOException("not a RESP length: '" + line + "'", e);
        }
        if (n > MAX_BULK) {
            throw new IOException("RESP length " + n + " is larger than the testkit accepts (" + MAX_BULK + ")");
        }
        return n;
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(64);
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed inside a reply");
            }
            if (b == '\r') {
                int next = in.read();
                if (next == '\n') {
                    return line.toString(StandardCharsets.UTF_8);
                }
                line.write(b);
                if (next < 0) {
                    throw new EOFException("connection closed inside a reply");
                }
                line.write(next);
            } else {
                line.write(b);
            }
            if (line.size() > 4096) {
                throw new IOException("not a RESP reply: a line longer than 4096 bytes");
            }
        }
    }

    private static String printable(int b) {
        return b >= 0x20 && b < 0x7f ? Character.toString(b) : String.format("\\x%02x", b);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** An error reply from the server, e.g. {@code NOAUTH Authentication required.} */
    static final class ErrorReply extends IOException {
        @Serial
        private static final long serialVersionUID = 1L;

        ErrorReply(String message) {
            super(message);
        }
    }
}
