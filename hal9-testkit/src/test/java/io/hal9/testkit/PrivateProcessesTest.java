package io.hal9.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

/** The process plumbing the private servers share, on {@code sh} and {@code sleep} instead of a redis-server. */
@Timeout(60)
class PrivateProcessesTest {

    @Test
    void findsExecutablesOnThePathOnly() {
        assertThat(PrivateProcesses.findOnPath("sh")).isNotNull().endsWith("/sh");
        assertThat(PrivateProcesses.findOnPath("no-such-executable-hal9")).isNull();
    }

    @Test
    void anUnavailableExecutableSkipsTheTestOrFailsItWhenServicesAreRequired() {
        assertThatThrownBy(() -> PrivateProcesses.unavailable("redis-server not found"))
                .isInstanceOfAny(TestAbortedException.class, IllegalStateException.class)
                .hasMessageContaining("redis-server not found");
    }

    @Test
    void aPrivateRedisServerKeepsNothingOnDiskAndListensOnLoopback() {
        assertThat(PrivateProcesses.redisServer("/bin/redis-server", 7000, "--dir", "/tmp/x"))
                .containsExactly(
                        "/bin/redis-server",
                        "--port",
                        "7000",
                        "--bind",
                        "127.0.0.1",
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--dir",
                        "/tmp/x");
    }

    @Test
    void awaitAcceptingSeesAListenerAndStopsWhenTheProcessHasExited() throws Exception {
        try (ServerSocket listening = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThat(PrivateProcesses.awaitAccepting(listening.getLocalPort(), null, TimeUnit.SECONDS.toNanos(10)))
                    .isTrue();
        }
        int nothing = FreePorts.take(1).get(0);
        Process exited = PrivateProcesses.launch(List.of("sh", "-c", "exit 0"), ProcessBuilder.Redirect.DISCARD);
        assertThat(exited.waitFor(10, TimeUnit.SECONDS)).isTrue();
        // an hour's timeout: only the exited process ends the wait (the class's @Timeout catches a hang)
        assertThat(PrivateProcesses.awaitAccepting(nothing, exited, TimeUnit.HOURS.toNanos(1)))
                .isFalse();
        assertThat(PrivateProcesses.awaitAccepting(nothing, null, 0)).isFalse();
    }

    @Test
    void awaitPollsUntilTheConditionHoldsCountingExceptionsAsNotYet() {
        AtomicInteger calls = new AtomicInteger();
        assertThat(PrivateProcesses.await(TimeUnit.SECONDS.toNanos(10), () -> {
                    int n = calls.incrementAndGet();
                    if (n == 1) {
                        throw new IOException("not up yet");
                    }
                    return n == 3;
                }))
                .isTrue();
        assertThat(calls).hasValue(3);
        assertThat(PrivateProcesses.await(0, () -> false)).isFalse();
    }

    @Test
    void killEndsAProcessAndKillAllEmptiesTheMap() throws Exception {
        Process a = PrivateProcesses.launch(List.of("sleep", "60"), ProcessBuilder.Redirect.DISCARD);
        Process b = PrivateProcesses.launch(List.of("sleep", "60"), ProcessBuilder.Redirect.DISCARD);
        PrivateProcesses.kill(a);
        assertThat(a.isAlive()).isFalse();
        PrivateProcesses.kill(null); // nothing to kill: no-op

        Map<Integer, Process> byPort = new LinkedHashMap<>(Map.of(1, b));
        PrivateProcesses.killAll(byPort);
        assertThat(byPort).isEmpty();
        assertThat(b.isAlive()).isFalse();
    }

    @Test
    void deleteTreeRemovesTheDirectoryAndEverythingBelow(@TempDir Path tmp) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("cluster/7000"));
        Files.writeString(dir.resolve("redis.log"), "log");
        PrivateProcesses.deleteTree(tmp.resolve("cluster"));
        assertThat(tmp.resolve("cluster")).doesNotExist();
        PrivateProcesses.deleteTree(tmp.resolve("cluster")); // gone already: best effort, no exception
    }
}
