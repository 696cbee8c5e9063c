package io.hal9.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hal9.testkit.JavadocExamples;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every Javadoc example of io.hal9.pool, word for word between its markers, in a method that declares what
 * the example assumes, so that the compiler checks it as pasted; each runs against an in-memory
 * {@link MatchmakingClient}. The examples of io.hal9.pool.jdbc are held by {@code
 * io.hal9.pool.jdbc.JavadocExamplesTest}; this class checks the whole module.
 */
@Timeout(10)
class JavadocExamplesTest {

    /** What the game-loop examples pool: a state that a tick changes and that clear() resets. */
    static final class GameState {
        int ticks;

        void tick() {
            ticks++;
        }

        void clear() {
            ticks = 0;
        }
    }

    record Ticket(long playerId) {}

    enum Reply {
        MATCHED,
        BUSY
    }

    /** What the connection examples pool: a client whose findMatch fails while the service is broken. */
    static final class MatchmakingClient {
        static final List<MatchmakingClient> OPENED = new CopyOnWriteArrayList<>();
        volatile boolean broken;
        volatile boolean closed;

        static MatchmakingClient connect(String host, int port) throws IOException {
            if (port <= 0) {
                throw new IOException("cannot connect to " + host + ":" + port);
            }
            MatchmakingClient c = new MatchmakingClient();
            OPENED.add(c);
            return c;
        }

        Reply findMatch(Ticket ticket) throws IOException {
            if (broken) {
                throw new IOException("connection reset while matching " + ticket);
            }
            return Reply.MATCHED;
        }

        boolean ping(Duration timeout) {
            return !closed && !broken;
        }

        void close() {
            closed = true;
        }
    }

    @Test
    void everyJavadocExampleOfTheModuleIsHeldWordForWord() {
        assertThat(JavadocExamples.checkModule(Path.of(""))).isPositive();
    }

    @Test
    void objectPool() {
        // javadoc-example: ObjectPool#1 begins
        ObjectPool<GameState> states = ObjectPool.builder("game-states", GameState::new)
                .reset(GameState::clear) // runs on release: a reused object never shows the last game
                .maxIdle(1024)
                .build();
        try (Lease<GameState> lease = states.claim()) {
            GameState state = lease.get();
            state.tick(); // simulate one tick
        } // reset and kept for the next claim
        // javadoc-example: ObjectPool#1 ends
        try (Lease<GameState> again = states.claim()) {
            assertThat(again.get().ticks).isZero();
        }
        states.close();
    }

    static ConnectionFactory<MatchmakingClient> factory(String host, int port) {
        // javadoc-example: ConnectionFactory#1 begins
        ConnectionFactory<MatchmakingClient> factory = new ConnectionFactory<>() {
            public MatchmakingClient create() throws IOException {
                return MatchmakingClient.connect(host, port);
            }

            public void destroy(MatchmakingClient c) {
                c.close();
            }

            public boolean validate(MatchmakingClient c) {
                return c.ping(Duration.ofMillis(100));
            }
        };
        // javadoc-example: ConnectionFactory#1 ends
        return factory;
    }

    /** The pool example declares the pool and the two ways to ask as members of a game server's class. */
    static final class Matchmaking implements AutoCloseable {
        private final ConnectionFactory<MatchmakingClient> factory = factory("matchmaker", 7000);

        // javadoc-example: ConnectionPool#1 begins
        ConnectionPool<MatchmakingClient> pool = ConnectionPool.builder("matchmaking", factory)
                .maxConnections(20)
                .minConnections(4)
                .build();

        // Game loop: never blocks. null is the backpressure signal.
        Reply onTick(Ticket ticket) throws IOException {
            try (ConnectionLease<MatchmakingClient> lease = pool.tryAcquire()) {
                if (lease == null) return Reply.BUSY;
                return lease.get().findMatch(ticket);
            }
        }

        // Request thread (or a virtual thread): waits fairly, then throws PoolExhaustedException.
        Reply onRequest(Ticket ticket) throws IOException {
            try (ConnectionLease<MatchmakingClient> lease = pool.acquire(Duration.ofMillis(200))) {
                return lease.get().findMatch(ticket);
            }
        }
        // javadoc-example: ConnectionPool#1 ends

        @Override
        public void close() {
            pool.close();
        }
    }

    @Test
    void connectionPool() throws IOException {
        try (Matchmaking m = new Matchmaking()) {
            assertThat(m.onRequest(new Ticket(1))).isEqualTo(Reply.MATCHED);
            assertThat(m.onTick(new Ticket(2))).isEqualTo(Reply.MATCHED); // the first one is idle again
        }
    }

    static Reply findMatch(ConnectionPool<MatchmakingClient> pool, Ticket ticket) throws IOException {
        // javadoc-example: ConnectionLease#1 begins
        try (ConnectionLease<MatchmakingClient> lease = pool.acquire()) {
            try {
                return lease.get().findMatch(ticket);
            } catch (IOException e) {
                lease.closeBroken(); // destroyed and replaced; the close() that follows is a no-op
                throw e;
            }
        }
        // javadoc-example: ConnectionLease#1 ends
    }

    @Test
    void connectionLease() throws IOException {
        try (ConnectionPool<MatchmakingClient> pool = ConnectionPool.builder("leases", factory("matchmaker", 7000))
                .maxConnections(1)
                .build()) {
            MatchmakingClient first;
            try (ConnectionLease<MatchmakingClient> lease = pool.acquire()) {
                first = lease.get();
            }
            first.broken = true;
            assertThatThrownBy(() -> findMatch(pool, new Ticket(1))).isInstanceOf(IOException.class);
            assertThat(first.closed).isTrue();
            assertThat(findMatch(pool, new Ticket(2))).isEqualTo(Reply.MATCHED); // on a replacement
        }
    }
}
