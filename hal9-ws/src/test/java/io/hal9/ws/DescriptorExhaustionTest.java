package io.hal9.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Drives the test JVM, and with it the server, into its file-descriptor limit (20,000 here): accepts fail
 * while no descriptor is free, and the server accepts again as soon as descriptors are released.
 */
@Timeout(60)
class DescriptorExhaustionTest extends WsTestSupport {

    @Test
    void theServerSurvivesRunningOutOfDescriptorsAndAcceptsAgainAfterwards() throws Exception {
        WsServer<Msg> server = start(b -> b);
        // warm up: every class of the connection path loaded while descriptors are still free
        TestClient warm = client(server);
        handler.nextOpened();
        warm.sendText(json(new Msg("echo", "warm", 0)));
        assertThat(parse(warm.nextData()).text()).isEqualTo("warm");
        // classes from target/classes need a descriptor each to load: load the ones used while exhausted
        await().until(() -> server.stats().acceptErrors() == 0);

        List<FileChannel> held = new ArrayList<>();
        CompletableFuture<TestClient> pending;
        try {
            exhaust(held);
            // free exactly one descriptor: the client's socket takes it, the server's accept finds none
            held.remove(held.size() - 1).close();
            pending = TestClient.connectAsync(server.port(), "/ws", TestClient.Options.defaults());
            await().atMost(Duration.ofSeconds(20)).until(() -> server.stats().acceptErrors() > 0);
            assertThat(pending).isNotDone();
        } finally {
            for (FileChannel f : held) {
                f.close();
            }
        }
        // descriptors are free again: the waiting connection is accepted, and so are new ones
        TestClient waited = track(pending.get(20, TimeUnit.SECONDS));
        handler.nextOpened();
        waited.sendText(json(new Msg("echo", "after", 1)));
        assertThat(parse(waited.nextData()).text()).isEqualTo("after");
        TestClient fresh = client(server);
        handler.nextOpened();
        fresh.sendText(json(new Msg("echo", "fresh", 2)));
        assertThat(parse(fresh.nextData()).text()).isEqualTo("fresh");
        assertThat(server.stats().acceptErrors()).isPositive();
    }

    private static void exhaust(List<FileChannel> held) {
        Path devNull = Path.of("/dev/null");
        while (true) {
            try {
                held.add(FileChannel.open(devNull, StandardOpenOption.READ));
            } catch (IOException e) {
                assertThat(e.getMessage()).contains("Too many open files");
                return;
            }
            if (held.size() > 1_000_000) {
                throw new AssertionError("no descriptor limit reached");
            }
        }
    }
}
