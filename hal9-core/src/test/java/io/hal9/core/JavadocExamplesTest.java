package io.hal9.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.hal9.testkit.JavadocExamples;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every Javadoc example of hal9-core, word for word between its markers, in a method that declares what the
 * example assumes, so that the compiler checks it as pasted; each runs (none needs a service).
 */
@Timeout(10)
class JavadocExamplesTest {
    record Action(long id) {}

    record Profile(long id) {}

    record Move(long gameId, String action) {}

    record Ticket(long playerId) {}

    record Match(List<Ticket> players) {}

    interface ProfileStore {
        CompletionStage<Profile> loadProfileAsync(long id);

        Profile loadProfile(long id);
    }

    interface Matchmaker {
        Match match(Ticket ticket);
    }

    private final List<String> replies = new CopyOnWriteArrayList<>();

    @Test
    void everyJavadocExampleOfTheModuleIsHeldHereWordForWord() {
        assertThat(JavadocExamples.checkModule(Path.of(""))).isPositive();
    }

    @Test
    void boundedChannel() {
        Action action = new Action(7);
        // javadoc-example: BoundedChannel#1 begins
        BoundedChannel<Action> actions =
                BoundedChannel.<Action>builder("actions").capacity(1000).build();
        if (actions.trySend(action) == Admission.FULL) {
            // shed load: tell the client to back off
        }
        // consumer thread
        Action next = actions.receive(Duration.ofMillis(50)); // null on timeout
        // javadoc-example: BoundedChannel#1 ends
        actions.close();
        assertThat(next).isEqualTo(action);
    }

    @Test
    void coalescer() {
        long playerId = 42;
        ProfileStore db = new ProfileStore() {
            @Override
            public CompletionStage<Profile> loadProfileAsync(long id) {
                return CompletableFuture.completedFuture(new Profile(id));
            }

            @Override
            public Profile loadProfile(long id) {
                return new Profile(id);
            }
        };
        // javadoc-example: Coalescer#1 begins
        Coalescer<Long, Profile> profiles = Coalescer.create("profiles");
        CompletableFuture<Profile> p = profiles.get(playerId, id -> db.loadProfileAsync(id));
        Profile q = profiles.join(playerId, id -> db.loadProfile(id)); // blocking form
        // javadoc-example: Coalescer#1 ends
        assertThat(p.join()).isEqualTo(q).isEqualTo(new Profile(42));
    }

    @Test
    void taskLimiter() {
        Ticket ticket = new Ticket(42);
        Matchmaker matchmaker = t -> new Match(List.of(t));
        // javadoc-example: TaskLimiter#1 begins
        TaskLimiter limiter =
                TaskLimiter.builder("matchmaking").maxConcurrent(100).build();
        if (limiter.tryExecute(() -> matchmaker.match(ticket)) == Admission.FULL) {
            reply(ticket, "server busy, try again"); // backpressure, nothing was taken
        }
        CompletableFuture<Match> f = limiter.submit(() -> matchmaker.match(ticket), Duration.ofMillis(50));
        // javadoc-example: TaskLimiter#1 ends
        assertThat(f.join().players()).containsExactly(ticket);
        limiter.close();
        assertThat(replies).isEmpty();
    }

    @Test
    void taskLimiterPermit() {
        try (TaskLimiter limiter = TaskLimiter.builder("work").maxConcurrent(1).build()) {
            assertThat(permitted(limiter)).isEqualTo("done");
            try (TaskLimiter.Permit held = limiter.tryAcquirePermit()) {
                assertThat(held).isNotNull();
                assertThat(permitted(limiter)).isEqualTo("busy");
            }
        }
    }

    @Test
    void closer() throws IOException {
        List<Move> written = new CopyOnWriteArrayList<>();
        BatchSink<Move> sink = written::addAll;
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        // javadoc-example: Closer#1 begins
        Closer closer = Closer.create("game-server");
        try {
            // each component right after it is built: a JdbcPool, a SharedRedis, a WsServer, ...
            ActionBatcher<Move> moves =
                    closer.register(ActionBatcher.builder("moves", sink).build());
            TaskLimiter players = closer.register(TaskLimiter.builder("players").build());
            closer.register(() -> http.stop(1), "stop the HTTP server"); // a step of the host's own
            http.start();
        } catch (RuntimeException e) {
            closer.close(); // what had started is closed again
            throw e;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(closer::close));
        // javadoc-example: Closer#1 ends
        closer.close();
        assertThat(closer.isClosed()).isTrue();
    }

    private String permitted(TaskLimiter limiter) {
        // javadoc-example: TaskLimiter#2 begins
        try (TaskLimiter.Permit permit = limiter.tryAcquirePermit()) {
            if (permit == null) return busy();
            return doWork();
        }
        // javadoc-example: TaskLimiter#2 ends
    }

    private void reply(Ticket ticket, String message) {
        replies.add(ticket + ": " + message);
    }

    private static String busy() {
        return "busy";
    }

    private static String doWork() {
        return "done";
    }
}
