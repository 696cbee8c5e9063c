package io.hal9.examples.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server that cannot start stops what it started and says why in one line: in process, {@link
 * GameServer#start} throws naming the address and leaves no thread behind; as a program, {@link Main} prints
 * {@code hal9: cannot start: ...} on standard error, no stack trace, and exits with 1.
 */
@Timeout(120)
class StartupFailureTest {

    @Test
    void aBusyPortFailsTheStartNamingTheAddressAndLeavesNoThreadRunning() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            ServerConfig config = SharedServices.parse(List.of("--port", String.valueOf(port), "--admin-port", "0"));
            Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());

            assertThatThrownBy(() -> GameServer.start("busy", config))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("cannot listen on 127.0.0.1:" + port + " (port)")
                    .hasMessageContaining("in use");

            assertThat(startedSince(before, Duration.ofSeconds(10)))
                    .as("threads the failed start left running")
                    .isEmpty();
        }
    }

    @Test
    void theProgramOnABusyPortPrintsOneLineAndExitsWith1(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            MainRun run = MainRun.of(
                    dir, Duration.ofSeconds(60), List.of("--port", String.valueOf(port), "--admin-port", "0"));

            assertThat(run.exitCode()).as("exit code; stderr:%n%s", run.err()).isEqualTo(1);
            assertThat(run.failureLines())
                    .as("stderr:%n%s", run.err())
                    .singleElement()
                    .asString()
                    .contains("127.0.0.1:" + port)
                    .contains("in use");
            assertThat(run.stackTraceLines()).as("stderr:%n%s", run.err()).isEmpty();
            assertThat(run.out()).doesNotContain("server on http://");
        }
    }

    @Test
    void theProgramOnADatabaseThatRefusesPrintsOneLineAndExitsWith1(@TempDir Path dir) throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            closed = s.getLocalPort(); // free again once closed: nothing listens there
        }
        MainRun run = MainRun.of(
                dir,
                Duration.ofSeconds(60),
                List.of(
                        "--port",
                        "0",
                        "--db-url",
                        "jdbc:postgresql://127.0.0.1:" + closed + "/test?password=hunter2",
                        "--journal-dir",
                        "off"));

        assertThat(run.exitCode()).as("exit code; stderr:%n%s", run.err()).isEqualTo(1);
        assertThat(run.failureLines())
                .as("stderr:%n%s", run.err())
                .singleElement()
                .asString()
                .contains("cannot connect to the database jdbc:postgresql://127.0.0.1:" + closed + "/test: ")
                .contains("refused");
        assertThat(run.stackTraceLines()).as("stderr:%n%s", run.err()).isEmpty();
        assertThat(run.err()).doesNotContain("hunter2");
    }

    @Test
    void theFailureLineQuotesTheRootCauseOnlyWhenTheMessageDoesNotAlreadySayIt() {
        assertThat(Main.describe(new IllegalStateException(
                        "game: cannot listen on 127.0.0.1:80 (port): Address already in use",
                        new java.net.BindException("Address already in use"))))
                .isEqualTo("game: cannot listen on 127.0.0.1:80 (port): Address already in use");
        assertThat(Main.describe(new IllegalStateException(
                        "redis: no answer", new RuntimeException("wrapped", new IOException("Connection\nreset")))))
                .isEqualTo("redis: no answer: Connection reset");
    }

    /**
     * The threads alive now that were not in {@code before}, polled until none is left or the deadline passes
     * (a thread ends a moment after its executor reports termination). The JVM's own shared threads are left
     * out: the common fork-join pool's workers and the virtual-thread scheduler's carriers (and its unblocker),
     * which serve every user and end on their own when idle.
     */
    static List<String> startedSince(Set<Thread> before, Duration deadline) {
        long end = System.nanoTime() + deadline.toNanos();
        while (true) {
            List<String> left = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.isAlive() && !before.contains(t))
                    .filter(t -> !t.getClass().getName().equals("jdk.internal.misc.CarrierThread"))
                    .map(Thread::getName)
                    .filter(n ->
                            !n.startsWith("ForkJoinPool.commonPool-worker-") && !n.equals("VirtualThread-unblocker"))
                    .sorted()
                    .toList();
            if (left.isEmpty() || System.nanoTime() - end > 0) {
                return left;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // poll again, within the deadline
        }
    }
}
