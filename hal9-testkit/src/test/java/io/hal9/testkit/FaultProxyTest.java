package io.hal9.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The fault proxy in front of a local echo server, and in front of the real PostgreSQL. */
@Timeout(60)
class FaultProxyTest {

    /** How long a read waits for bytes the proxy is expected to hold. */
    private static final int HELD_READ_TIMEOUT_MILLIS = 300;

    private EchoServer echo;
    private FaultProxy proxy;

    @BeforeEach
    void start() throws IOException {
        echo = new EchoServer();
        proxy = FaultProxy.start("127.0.0.1", echo.port());
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        echo.close();
    }

    @Test
    void bytesPassBothWaysAndAreCounted() throws IOException {
        try (Socket a = connect();
                Socket b = connect()) {
            assertThat(roundTrip(a, "hello")).isEqualTo("hello");
            assertThat(roundTrip(b, "world!")).isEqualTo("world!");
            assertThat(roundTrip(a, "again")).isEqualTo("again");
        }
        assertThat(proxy.host()).isEqualTo("127.0.0.1");
        assertThat(proxy.mode()).isEqualTo(FaultProxy.Mode.PASS);
        assertThat(proxy.acceptedConnections()).isEqualTo(2);
        assertThat(proxy.refusedConnections()).isZero();
        assertThat(echo.accepted()).isEqualTo(2);
        await().untilAsserted(() -> {
            assertThat(proxy.bytesToTarget()).isEqualTo(16);
            assertThat(proxy.bytesFromTarget()).isEqualTo(16);
            assertThat(proxy.openConnections()).isZero();
            assertThat(echo.open()).isZero();
        });
    }

    @Test
    void refuseResetsOpenConnectionsOnBothSidesAndNewOnesAtOnce() throws IOException {
        try (Socket open = connect()) {
            assertThat(roundTrip(open, "ping")).isEqualTo("ping");
            assertThat(proxy.openConnections()).isEqualTo(1);

            proxy.refuse();

            assertThat(proxy.mode()).isEqualTo(FaultProxy.Mode.REFUSE);
            assertThat(proxy.openConnections()).isZero();
            // a reset (SO_LINGER 0), not an orderly end of stream and not a hang
            assertThatThrownBy(() -> open.getInputStream().read())
                    .isInstanceOf(SocketException.class)
                    .isNotInstanceOf(SocketTimeoutException.class)
                    .hasMessageContaining("reset");
            await().untilAsserted(() -> assertThat(echo.open()).isZero());
        }

        long start = System.nanoTime();
        assertThatThrownBy(() -> {
                    // the reset may already come during connect, or else on the first read
                    try (Socket fresh = connect()) {
                        fresh.getOutputStream().write(1);
                        fresh.getInputStream().read();
                    }
                })
                .isInstanceOf(SocketException.class)
                .isNotInstanceOf(SocketTimeoutException.class)
                .hasMessageContaining("reset");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        assertThat(proxy.refusedConnections()).isEqualTo(1);
        assertThat(proxy.acceptedConnections()).isEqualTo(2);
        assertThat(echo.accepted())
                .as("a refused connection never reaches the target")
                .isEqualTo(1);
    }

    @Test
    void stallHoldsBytesWithoutClosingAndPassDeliversThem() throws IOException {
        try (Socket before = connect()) {
            assertThat(roundTrip(before, "a")).isEqualTo("a");
            await().untilAsserted(() -> assertThat(proxy.bytesFromTarget()).isEqualTo(1));

            proxy.stall();

            before.getOutputStream().write('b');
            before.setSoTimeout(HELD_READ_TIMEOUT_MILLIS);
            assertThatThrownBy(() -> before.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);

            try (Socket during = connect()) {
                during.getOutputStream().write('c');
                during.setSoTimeout(HELD_READ_TIMEOUT_MILLIS);
                assertThatThrownBy(() -> during.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);

                assertThat(proxy.openConnections()).as("held, not closed").isEqualTo(2);
                assertThat(echo.open()).as("held, not closed").isEqualTo(1);
                assertThat(echo.accepted())
                        .as("a connection made during the stall is not connected yet")
                        .isEqualTo(1);
                assertThat(echo.received()).isEqualTo(1);
                assertThat(proxy.bytesToTarget()).isEqualTo(1);

                proxy.pass();

                before.setSoTimeout(10_000);
                during.setSoTimeout(10_000);
                assertThat(before.getInputStream().read())
                        .as("held bytes resume")
                        .isEqualTo('b');
                assertThat(during.getInputStream().read()).isEqualTo('c');
                assertThat(roundTrip(before, "d")).isEqualTo("d");
            }
        }
        try (Socket after = connect()) {
            assertThat(roundTrip(after, "e")).isEqualTo("e");
        }
        assertThat(echo.accepted()).isEqualTo(3);
    }

    @Test
    void stalledConnectionsCanBeDroppedByRefusingBeforePassing() throws IOException {
        try (Socket held = connect()) {
            assertThat(roundTrip(held, "a")).isEqualTo("a");
            proxy.stall();
            held.getOutputStream().write('b');

            proxy.refuse();
            proxy.pass();

            assertThatThrownBy(() -> held.getInputStream().read()).isInstanceOf(SocketException.class);
            await().untilAsserted(() -> assertThat(echo.open()).isZero());
            assertThat(echo.received()).as("the held byte was dropped").isEqualTo(1);
        }
        try (Socket after = connect()) {
            assertThat(roundTrip(after, "c")).isEqualTo("c");
        }
    }

    @Test
    void closeResetsEverythingStopsListeningAndEndsItsThreads() throws IOException {
        try (Socket forwarding = connect();
                Socket stalled = connect()) {
            assertThat(roundTrip(forwarding, "a")).isEqualTo("a");
            assertThat(roundTrip(stalled, "b")).isEqualTo("b");
            proxy.stall();
            stalled.getOutputStream().write('c');
            assertThat(proxy.liveThreads())
                    .as("acceptor and two per connection")
                    .isEqualTo(5);

            proxy.close();

            assertThat(proxy.liveThreads()).isZero();
            assertThat(proxy.openConnections()).isZero();
            assertThatThrownBy(() -> forwarding.getInputStream().read()).isInstanceOf(SocketException.class);
            assertThatThrownBy(() -> stalled.getInputStream().read()).isInstanceOf(SocketException.class);
            await().untilAsserted(() -> assertThat(echo.open()).isZero());
        }
        assertThatThrownBy(this::connect).isInstanceOf(ConnectException.class);

        proxy.close(); // idempotent
        assertThatThrownBy(proxy::pass)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed, cannot switch to PASS");
    }

    @Test
    void urlsAreRewrittenToGoThroughTheProxy() {
        String self = "127.0.0.1:" + proxy.port();
        assertThat(proxy.jdbcUrlThrough("jdbc:postgresql://db.example:6543/game?user=u&currentSchema=t_1"))
                .isEqualTo("jdbc:postgresql://" + self + "/game?user=u&currentSchema=t_1");
        assertThat(proxy.jdbcUrlThrough("jdbc:postgresql://[::1]/game"))
                .isEqualTo("jdbc:postgresql://" + self + "/game");
        assertThat(proxy.jdbcUrlThrough("jdbc:postgresql://localhost?user=a@b"))
                .isEqualTo("jdbc:postgresql://" + self + "?user=a@b");
        assertThat(proxy.redisUriThrough("redis://user:p%40ss@cache.example:7000/3"))
                .isEqualTo("redis://user:p%40ss@" + self + "/3");
        assertThat(proxy.redisUriThrough("redis://cache.example")).isEqualTo("redis://" + self);

        assertThatThrownBy(() -> proxy.jdbcUrlThrough("jdbc:postgresql://a:5432,b:5432/game?password=secret"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("several hosts")
                .hasMessageNotContaining("secret");
        assertThatThrownBy(() -> proxy.jdbcUrlThrough("jdbc:mysql://a/game"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("fault-proxy: expected a URL starting with jdbc:postgresql://host:port, was"
                        + " 'jdbc:mysql://a/game'");
        assertThatThrownBy(() -> proxy.jdbcUrlThrough("jdbc:postgresql://a:99999/game"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("between 1 and 65535, was '99999'");
        assertThatThrownBy(() -> proxy.redisUriThrough("redis://::1:6379"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("in brackets");
        assertThatThrownBy(() -> FaultProxy.start("127.0.0.1", 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("fault-proxy: targetPort must be between 1 and 65535, was 0");
    }

    @Test
    void aProxyStartedForAUrlForwardsToItsHostAndPort() throws IOException {
        try (FaultProxy byUrl = FaultProxy.startForJdbcUrl("jdbc:postgresql://127.0.0.1:" + echo.port() + "/db");
                Socket s = new Socket(byUrl.host(), byUrl.port())) {
            assertThat(roundTrip(s, "x")).isEqualTo("x");
        }
        assertThat(echo.accepted()).isEqualTo(1);
    }

    @Test
    @RequiresPostgres
    void aJdbcQueryGoesThroughAndANewConnectionFailsFastWhenRefused(PostgresService pg) throws SQLException {
        try (FaultProxy db = FaultProxy.startForJdbcUrl(pg.jdbcUrl())) {
            String url = JdbcUrls.withParam(db.jdbcUrlThrough(pg.jdbcUrl()), "socketTimeout", "10");
            try (Connection c = DriverManager.getConnection(url)) {
                assertThat(currentSchema(c)).isEqualTo(pg.schema());
                assertThat(db.acceptedConnections()).isEqualTo(1);
                assertThat(db.bytesToTarget()).isPositive();
                assertThat(db.bytesFromTarget()).isPositive();

                db.refuse();

                long start = System.nanoTime();
                assertThatThrownBy(() -> currentSchema(c))
                        .isInstanceOf(SQLException.class)
                        .hasRootCauseInstanceOf(SocketException.class);
                assertThatThrownBy(() -> DriverManager.getConnection(url))
                        .isInstanceOf(SQLException.class)
                        .satisfies(e ->
                                assertThat(((SQLException) e).getSQLState()).isEqualTo("08001"));
                assertThat(Duration.ofNanos(System.nanoTime() - start))
                        .as("both fail long before the 10 s socket timeout")
                        .isLessThan(Duration.ofSeconds(3));
            }
            db.pass();
            try (Connection again = DriverManager.getConnection(url)) {
                assertThat(currentSchema(again)).isEqualTo(pg.schema());
            }
            assertThat(db.refusedConnections()).isPositive();
        }
    }

    @Test
    @RequiresPostgres
    void aStalledJdbcQueryTimesOutAndANewConnectionWorksAfterPass(PostgresService pg) throws SQLException {
        try (FaultProxy db = FaultProxy.startForJdbcUrl(pg.jdbcUrl())) {
            String url = JdbcUrls.withParam(db.jdbcUrlThrough(pg.jdbcUrl()), "socketTimeout", "2");
            try (Connection c = DriverManager.getConnection(url)) {
                assertThat(currentSchema(c)).isEqualTo(pg.schema());

                db.stall();
                long held = db.bytesToTarget();

                assertThatThrownBy(() -> currentSchema(c))
                        .isInstanceOf(SQLException.class)
                        .hasRootCauseInstanceOf(SocketTimeoutException.class);
                assertThatThrownBy(() -> DriverManager.getConnection(url))
                        .as("a new connection hangs too, until its socket timeout")
                        .isInstanceOf(SQLException.class)
                        .hasRootCauseInstanceOf(SocketTimeoutException.class);
                assertThat(db.bytesToTarget()).isEqualTo(held);
                // pgjdbc's default sslmode=prefer tries twice, so count what came rather than assume
                assertThat(db.acceptedConnections()).isGreaterThanOrEqualTo(2);
                assertThat((long) db.openConnections())
                        .as("every connection is held, even those the client gave up on")
                        .isEqualTo(db.acceptedConnections());
            }
            db.pass();
            try (Connection again = DriverManager.getConnection(url)) {
                assertThat(currentSchema(again)).isEqualTo(pg.schema());
            }
        }
    }

    private static String currentSchema(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT current_schema()")) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(proxy.host(), proxy.port()), 2_000);
        s.setSoTimeout(10_000);
        return s;
    }

    /** Writes {@code text} and reads back as many bytes. */
    private static String roundTrip(Socket s, String text) throws IOException {
        byte[] sent = text.getBytes(StandardCharsets.UTF_8);
        s.getOutputStream().write(sent);
        byte[] got = s.getInputStream().readNBytes(sent.length);
        return new String(got, StandardCharsets.UTF_8);
    }

    /** Echoes every byte back on every connection; counts what it sees. */
    private static final class EchoServer implements AutoCloseable {
        private final ServerSocket server;
        private final Set<Socket> open = ConcurrentHashMap.newKeySet();
        private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
        private final AtomicInteger accepted = new AtomicInteger();
        private final AtomicLong received = new AtomicLong();

        EchoServer() throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
            start(this::acceptLoop);
        }

        int port() {
            return server.getLocalPort();
        }

        int accepted() {
            return accepted.get();
        }

        int open() {
            return open.size();
        }

        long received() {
            return received.get();
        }

        private void start(Runnable body) {
            Thread t = Thread.ofVirtual().unstarted(() -> {
                try {
                    body.run();
                } finally {
                    threads.remove(Thread.currentThread());
                }
            });
            threads.add(t);
            t.start();
        }

        private void acceptLoop() {
            try {
                while (true) {
                    Socket s = server.accept();
                    accepted.incrementAndGet();
                    open.add(s);
                    start(() -> echo(s));
                }
            } catch (IOException e) {
                // closed
            }
        }

        private void echo(Socket s) {
            try (s) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                byte[] buffer = new byte[1024];
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    received.addAndGet(n);
                    out.write(buffer, 0, n);
                }
            } catch (IOException e) {
                // reset by the proxy: the connection is over either way
            } finally {
                open.remove(s);
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : open) {
                s.close();
            }
            try {
                for (Thread t : Set.copyOf(threads)) {
                    t.join(Duration.ofSeconds(5));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            assertThat(threads).as("echo server threads").isEmpty();
        }
    }
}
