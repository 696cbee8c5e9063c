package io.hal9.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * Free loopback ports for the processes a test starts (private servers, proxies), and whether something
 * listens on one.
 *
 * <p>Thread safety: stateless. Limits: a port chosen here is free when chosen; another process may take it
 * before the caller binds it.
 */
public final class FreePorts {
    private FreePorts() {}

    /** {@code n} distinct ports free on loopback now (all held open together while they are chosen). */
    public static List<Integer> take(int n) {
        List<ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                held.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            }
            return held.stream().map(ServerSocket::getLocalPort).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("hal9-testkit: no free loopback port", e);
        } finally {
            for (ServerSocket s : held) {
                try {
                    s.close();
                } catch (IOException e) {
                    // a probe socket: nothing to do
                }
            }
        }
    }

    /** Whether a connection to 127.0.0.1:{@code port} is accepted within 200 ms. */
    public static boolean accepting(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
