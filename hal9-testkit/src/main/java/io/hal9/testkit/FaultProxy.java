package io.hal9.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP proxy on {@code 127.0.0.1} that a test puts between the code under test and PostgreSQL or
 * Redis, so that it can cut or stall that connection without touching the shared server.
 *
 * <p>Every connection accepted on {@link #port()} is forwarded to the target, bytes both ways, until
 * the test switches the mode; a switch takes effect at once for open connections and new ones:
 *
 * <ul>
 *   <li>{@link #pass()} (the default): bytes are forwarded.
 *   <li>{@link #refuse()}: every open connection is reset on both sides (TCP RST: {@code SO_LINGER}
 *       0), and each new connection is accepted and reset at once. A client sees "connection reset"
 *       while it connects or on its first read or write (not "connection refused": the proxy keeps listening so that its
 *       port stays its own), within milliseconds; a JDBC connect fails with SQL state {@code 08001}.
 *   <li>{@link #stall()}: nothing is forwarded and nothing is closed. What each side sends is held by
 *       the proxy (one buffer per direction, then TCP backpressure), and so are end of stream and
 *       resets; a new connection is accepted but the proxy does not connect it to the target yet. A
 *       client hangs until its own timeouts fire, like behind a network partition that drops packets.
 *   <li>{@link #pass()} after {@link #stall()}: the connections resume as if the network came back.
 *       Held bytes are delivered, a held end of stream or reset is passed on, connections accepted
 *       during the stall are connected to the target. A test that wants the stalled connections
 *       dropped instead (a partition that the server noticed) calls {@link #refuse()} then {@link
 *       #pass()}.
 * </ul>
 *
 * <pre>{@code
 * @RequiresPostgres
 * @Timeout(60)
 * class OutageTest {
 *     @Test
 *     void theServerWaitsOutAnOutage(PostgresService pg) throws Exception {
 *         try (FaultProxy db = FaultProxy.startForJdbcUrl(pg.jdbcUrl());
 *                 GameServer server = GameServer.start(db.jdbcUrlThrough(pg.jdbcUrl()))) {
 *             db.refuse();   // PostgreSQL "down": connections reset, new ones fail fast
 *             ...
 *             db.stall();    // PostgreSQL "hangs": queries wait for their socket timeouts
 *             ...
 *             db.pass();     // back
 *             await().until(() -> server.isReady());
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>Counters for assertions: {@link #acceptedConnections()}, {@link #refusedConnections()}, {@link
 * #openConnections()}, {@link #bytesToTarget()}, {@link #bytesFromTarget()}, {@link #liveThreads()}.
 *
 * <p>Limits: listens on IPv4 loopback only. Bytes are passed through untouched, so TLS works, but a
 * client that checks the host name ({@code sslmode=verify-full}) fails on {@code 127.0.0.1}. A write
 * to one side that had begun before {@link #stall()} returned may still complete (at most one buffer
 * of 16 KiB per direction); everything read after it returned is held. Bytes
 * already in the kernel's socket buffers are delivered by the kernel regardless. Each connection costs
 * two virtual threads and two buffers of 16 KiB. The proxy connects to the target with a timeout
 * of 5 seconds; when that fails, the client's
 * connection is reset.
 *
 * <p>Thread safety: safe to use from any number of threads; mode switches, counters and {@link
 * #close()} may be called while connections forward bytes.
 */
public final class FaultProxy implements AutoCloseable {

    /*
     * Design: one virtual thread accepts; per connection one virtual thread connects to the target and
     * then pumps client -> target, and a second pumps target -> client. A pump reads into its own
     * buffer, then passes the gate (awaitForwarding) before it writes, or passes on end of stream or a
     * reset; so a stall holds at most one read per direction and TCP backpressure does the rest.
     *
     * Concurrency: `lock` guards mode changes, `closed`, admission into `conns`, Conn.upstream, Conn.dead
     * and the start of every thread; `changed` is signalled whenever mode, `closed` or a Conn's `dead`
     * changes. `mode`, `closed` and Conn.dead are volatile too, so that a pump in PASS reads them on
     * its fast path without the lock (a stale PASS can only let through a write that had passed the
     * gate before the switch, see the class Javadoc). Counters are LongAdders read racily: they are
     * for assertions after the fact, through Awaitility.
     *
     * Invariants:
     * 1. A connection is in `conns` from admission until it is killed or both pumps have ended; so
     *    refuse() and close(), which kill everything in `conns` after changing the mode under the
     *    lock, reach every connection admitted before the change, and none is admitted after it
     *    in REFUSE or once closed (admission checks both under the same lock).
     * 2. No thread starts once `closed` is set (the check is under the lock), so the `threads`
     *    snapshot taken by close() after setting it only shrinks.
     * 3. A killed connection's sockets are closed with SO_LINGER 0 (RST); a connection whose two
     *    streams both ended normally is closed with FIN.
     */

    /** What the proxy does with the bytes of its connections; see {@link FaultProxy}. */
    public enum Mode {
        /** Bytes are forwarded both ways. */
        PASS,
        /** Connections are reset, open ones and new ones. */
        REFUSE,
        /** Nothing is forwarded or closed; new connections are accepted and held. */
        STALL
    }

    private static final Logger LOG = LoggerFactory.getLogger(FaultProxy.class);

    /** The listening address: IPv4 loopback. */
    public static final String HOST = "127.0.0.1";

    private static final int BUFFER_SIZE = 16 * 1024;
    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    private static final Duration CLOSE_JOIN_TIMEOUT = Duration.ofSeconds(5);
    private static final String JDBC_PREFIX = "jdbc:postgresql://";
    private static final String REDIS_PREFIX = "redis://";

    private final InetSocketAddress target;
    private final ServerSocket server;
    private final String name;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Set<Conn> conns = ConcurrentHashMap.newKeySet();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final AtomicLong connectionIds = new AtomicLong();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder toTarget = new LongAdder();
    private final LongAdder fromTarget = new LongAdder();
    private volatile Mode mode = Mode.PASS;
    private volatile boolean closed;

    /** One proxied connection: the client's socket, and the target's once connected. */
    private static final class Conn {
        final long id;
        final Socket client;
        /** Guarded by the proxy's lock; set once, before the connect to the target starts. */
        @Nullable
        Socket upstream;
        /** Written under the proxy's lock; volatile for the pumps' fast path. */
        volatile boolean dead;
        /** The pumps still running; the last to end closes the connection. */
        final AtomicInteger pumps = new AtomicInteger(2);

        Conn(long id, Socket client) {
            this.id = id;
            this.client = client;
        }
    }

    private FaultProxy(InetSocketAddress target, ServerSocket server) {
        this.target = target;
        this.server = server;
        this.name = "fault-proxy " + HOST + ":" + server.getLocalPort() + "->" + target.getHostString() + ":"
                + target.getPort();
    }

    /**
     * Starts a proxy to {@code targetHost:targetPort}, listening on {@link #HOST} on an ephemeral port,
     * in {@link Mode#PASS}.
     *
     * @param targetHost the host to forward to; resolved once, now
     * @param targetPort the port to forward to, 1 to 65535
     * @return the running proxy; close it when the test ends
     * @throws IllegalArgumentException when the port is out of range or the host cannot be resolved
     * @throws IllegalStateException when the proxy cannot listen
     */
    public static FaultProxy start(String targetHost, int targetPort) {
        Objects.requireNonNull(targetHost, "targetHost");
        if (targetPort < 1 || targetPort > 65_535) {
            throw new IllegalArgumentException(
                    "fault-proxy: targetPort must be between 1 and 65535, was " + targetPort);
        }
        InetSocketAddress target = new InetSocketAddress(targetHost, targetPort);
        if (target.isUnresolved()) {
            throw new IllegalArgumentException("fault-proxy: targetHost '" + targetHost + "' cannot be resolved");
        }
        ServerSocket server;
        try {
            server = new ServerSocket(0, 128, InetAddress.getByName(HOST));
        } catch (IOException e) {
            throw new IllegalStateException("fault-proxy: cannot listen on " + HOST + ": " + e.getMessage(), e);
        }
        FaultProxy proxy = new FaultProxy(target, server);
        proxy.lock.lock();
        try {
            proxy.startThread("accept", proxy::acceptLoop);
        } finally {
            proxy.lock.unlock();
        }
        LOG.info("{}: started", proxy.name);
        return proxy;
    }

    /**
     * Starts a proxy to the host and port of a {@code jdbc:postgresql://host[:port]/...} URL (port
     * 5432 when the URL names none), such as {@link PostgresService#jdbcUrl()}.
     *
     * @param jdbcUrl a single-host PostgreSQL JDBC URL
     * @return the running proxy
     * @throws IllegalArgumentException when the URL is not of that form
     */
    public static FaultProxy startForJdbcUrl(String jdbcUrl) {
        HostPort hp = HostPort.parse(jdbcUrl, JDBC_PREFIX, 5432);
        return start(hp.host(), hp.port());
    }

    /**
     * Starts a proxy to the host and port of a {@code redis://[[user:]password@]host[:port][/db]} URI
     * (port 6379 when it names none), such as {@link RedisService#uri()}.
     *
     * @param redisUri a Redis URI
     * @return the running proxy
     * @throws IllegalArgumentException when the URI is not of that form
     */
    public static FaultProxy startForRedisUri(String redisUri) {
        HostPort hp = HostPort.parse(redisUri, REDIS_PREFIX, 6379);
        return start(hp.host(), hp.port());
    }

    /**
     * The address this proxy listens on.
     *
     * @return {@value #HOST}
     */
    public String host() {
        return HOST;
    }

    /**
     * The port this proxy listens on, chosen by the system when it started.
     *
     * @return the port
     */
    public int port() {
        return server.getLocalPort();
    }

    /**
     * The given JDBC URL with its host and port replaced by this proxy's; database and parameters are
     * kept. The URL's own host is not checked against the target.
     *
     * @param jdbcUrl a single-host {@code jdbc:postgresql://host[:port]/...} URL
     * @return {@code jdbc:postgresql://127.0.0.1:<port>/...}
     * @throws IllegalArgumentException when the URL is not of that form
     */
    public String jdbcUrlThrough(String jdbcUrl) {
        return HostPort.parse(jdbcUrl, JDBC_PREFIX, 5432).replacedBy(HOST + ":" + port());
    }

    /**
     * The given Redis URI with its host and port replaced by this proxy's; credentials and database are
     * kept.
     *
     * @param redisUri a {@code redis://[[user:]password@]host[:port][/db]} URI
     * @return {@code redis://[...@]127.0.0.1:<port>[/db]}
     * @throws IllegalArgumentException when the URI is not of that form
     */
    public String redisUriThrough(String redisUri) {
        return HostPort.parse(redisUri, REDIS_PREFIX, 6379).replacedBy(HOST + ":" + port());
    }

    /**
     * The mode in effect.
     *
     * @return the last mode set, {@link Mode#PASS} at first
     */
    public Mode mode() {
        return mode;
    }

    /**
     * Forwards bytes again; connections held by {@link #stall()} resume with what was held.
     *
     * @throws IllegalStateException when the proxy is closed
     */
    public void pass() {
        switchTo(Mode.PASS);
    }

    /**
     * Resets every open connection on both sides and every new one at once, until the mode changes.
     * When this returns, every connection that was open has been reset.
     *
     * @throws IllegalStateException when the proxy is closed
     */
    public void refuse() {
        for (Conn c : switchTo(Mode.REFUSE)) {
            kill(c);
        }
    }

    /**
     * Holds every connection, open and new, without forwarding or closing anything, until the mode
     * changes.
     *
     * @throws IllegalStateException when the proxy is closed
     */
    public void stall() {
        switchTo(Mode.STALL);
    }

    /**
     * Connections accepted since the start, including those reset at once by {@link #refuse()}.
     *
     * @return the count
     */
    public long acceptedConnections() {
        return accepted.sum();
    }

    /**
     * Connections accepted and reset at once because {@link #refuse()} was in effect.
     *
     * @return the count
     */
    public long refusedConnections() {
        return refused.sum();
    }

    /**
     * Client connections the proxy holds open now, forwarding or stalled.
     *
     * @return the count
     */
    public int openConnections() {
        return conns.size();
    }

    /**
     * Bytes delivered from clients to the target since the start.
     *
     * @return the count
     */
    public long bytesToTarget() {
        return toTarget.sum();
    }

    /**
     * Bytes delivered from the target to clients since the start.
     *
     * @return the count
     */
    public long bytesFromTarget() {
        return fromTarget.sum();
    }

    /**
     * Threads started by this proxy that have not ended yet; 0 once {@link #close()} has returned.
     *
     * @return the count
     */
    public int liveThreads() {
        return threads.size();
    }

    /**
     * Stops listening, resets every connection and waits (up to 5 seconds) for the proxy's threads to
     * end. Idempotent; mode switches throw afterwards.
     */
    @Override
    public void close() {
        List<Conn> open;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            open = List.copyOf(conns);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("{}: closing the listener failed: {}", name, e.toString());
        }
        for (Conn c : open) {
            kill(c);
        }
        long deadline = System.nanoTime() + CLOSE_JOIN_TIMEOUT.toNanos();
        for (Thread t : List.copyOf(threads)) {
            long left = deadline - System.nanoTime();
            try {
                if (left <= 0 || !t.join(Duration.ofNanos(left))) {
                    break;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!threads.isEmpty()) {
            LOG.warn("{}: {} thread(s) still running {} after close", name, threads.size(), CLOSE_JOIN_TIMEOUT);
        }
        LOG.info(
                "{}: closed after {} connection(s), {} byte(s) to the target, {} from it",
                name,
                accepted.sum(),
                toTarget.sum(),
                fromTarget.sum());
    }

    @Override
    public String toString() {
        return "FaultProxy[" + name + ", mode=" + mode + ", open=" + conns.size() + (closed ? ", closed]" : "]");
    }

    /** Sets the mode and wakes the stalled; returns the connections open at the switch. */
    private List<Conn> switchTo(Mode next) {
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException(name + ": closed, cannot switch to " + next);
            }
            if (mode != next) {
                LOG.info("{}: {} -> {} with {} open connection(s)", name, mode, next, conns.size());
            }
            mode = next;
            changed.signalAll();
            return List.copyOf(conns);
        } finally {
            lock.unlock();
        }
    }

    private void acceptLoop() {
        while (true) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    // Without an acceptor, clients would hang in the backlog: close so they are refused.
                    LOG.warn("{}: accept failed, the proxy stops listening: {}", name, e.toString());
                    try {
                        server.close();
                    } catch (IOException ignored) {
                        // already failing
                    }
                }
                return;
            }
            accepted.increment();
            Conn conn = new Conn(connectionIds.incrementAndGet(), client);
            boolean admitted;
            lock.lock();
            try {
                admitted = !closed && mode != Mode.REFUSE;
                if (admitted) {
                    conns.add(conn);
                    startThread("conn-" + conn.id, () -> handle(conn));
                }
            } finally {
                lock.unlock();
            }
            if (!admitted) {
                refused.increment();
                reset(client);
            }
        }
    }

    /** Connects the client to the target (after any stall) and pumps both ways. */
    private void handle(Conn conn) {
        if (!awaitForwarding(conn)) {
            kill(conn);
            return;
        }
        Socket upstream = new Socket();
        lock.lock();
        try {
            if (conn.dead) {
                return;
            }
            conn.upstream = upstream; // from here kill() closes it, which also ends a connect in progress
        } finally {
            lock.unlock();
        }
        try {
            conn.client.setTcpNoDelay(true);
            upstream.setTcpNoDelay(true);
            upstream.connect(target, CONNECT_TIMEOUT_MILLIS);
        } catch (IOException e) {
            LOG.debug("{}: connection {} could not reach the target: {}", name, conn.id, e.toString());
            kill(conn);
            return;
        }
        lock.lock();
        try {
            if (conn.dead) {
                return;
            }
            startThread("conn-" + conn.id + "-from-target", () -> pump(conn, upstream, conn.client, fromTarget));
        } finally {
            lock.unlock();
        }
        pump(conn, conn.client, upstream, toTarget);
    }

    /**
     * Copies {@code from} to {@code to} through the gate until end of stream or an error; an error on
     * either side resets both, an end of stream is passed on as a half close.
     */
    private void pump(Conn conn, Socket from, Socket to, LongAdder delivered) {
        try {
            byte[] buffer = new byte[BUFFER_SIZE];
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            while (true) {
                int n;
                try {
                    n = in.read(buffer);
                } catch (IOException e) {
                    n = -2; // a reset or our own kill: held like data during a stall
                }
                if (!awaitForwarding(conn)) {
                    kill(conn); // refused or closed: make sure it is a reset, whoever gets here first
                    return;
                }
                if (n == -2) {
                    kill(conn);
                    return;
                }
                if (n == -1) {
                    to.shutdownOutput();
                    return;
                }
                out.write(buffer, 0, n);
                delivered.add(n);
            }
        } catch (IOException e) {
            LOG.trace("{}: connection {}: {}", name, conn.id, e.toString());
            kill(conn);
        } finally {
            if (conn.pumps.decrementAndGet() == 0) {
                finish(conn);
            }
        }
    }

    /** Waits while stalled; true when the connection may forward, false when it was killed. */
    private boolean awaitForwarding(Conn conn) {
        if (mode == Mode.PASS && !conn.dead) {
            return true; // fast path: volatile reads of both, see Concurrency
        }
        lock.lock();
        try {
            while (mode == Mode.STALL && !conn.dead && !closed) {
                changed.awaitUninterruptibly(); // close() signals, nothing needs an interrupt
            }
            return mode == Mode.PASS && !conn.dead && !closed;
        } finally {
            lock.unlock();
        }
    }

    /** Both streams ended normally: close with FIN. */
    private void finish(Conn conn) {
        Socket upstream;
        lock.lock();
        try {
            conns.remove(conn);
            upstream = conn.upstream;
        } finally {
            lock.unlock();
        }
        closeQuietly(conn.client);
        if (upstream != null) {
            closeQuietly(upstream);
        }
    }

    /** Resets both sides of the connection and wakes its pumps. */
    private void kill(Conn conn) {
        Socket upstream;
        lock.lock();
        try {
            conn.dead = true;
            conns.remove(conn);
            upstream = conn.upstream;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        reset(conn.client);
        if (upstream != null) {
            reset(upstream);
        }
    }

    /** Starts a named virtual thread that leaves {@link #threads} when it ends; the lock must be held. */
    private void startThread(String what, Runnable body) {
        Thread t = Thread.ofVirtual()
                .name("hal9-fault-proxy-" + server.getLocalPort() + "-" + what)
                .unstarted(() -> {
                    try {
                        body.run();
                    } catch (RuntimeException | Error e) {
                        LOG.warn("{}: thread {} failed", name, what, e);
                    } finally {
                        threads.remove(Thread.currentThread());
                    }
                });
        threads.add(t);
        t.start();
    }

    private static void reset(Socket s) {
        try {
            s.setSoLinger(true, 0);
        } catch (IOException e) {
            // already closed: nothing to reset
        }
        closeQuietly(s);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing is all that was asked
        }
    }
}
