package io.hal9.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A server that cannot bind says where and why in an unchecked {@link WsException}, and leaves no thread
 * behind: a process whose server failed to start must be able to exit.
 */
@Timeout(30)
class StartFailureTest {
    private final TestHandler handler = new TestHandler();

    @Test
    void aBusyPortThrowsAWsExceptionNamingTheAddressAndEndsEveryThreadTheServerStarted() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            Set<Thread> before = Threads.live();
            WsServer<Msg> server = WsServer.builder("busy", Codecs.json(Msg.class), handler)
                    .host("127.0.0.1")
                    .port(port)
                    .eventLoopThreads(2)
                    .build();

            assertThatThrownBy(server::start)
                    .isInstanceOf(WsException.class)
                    .hasMessageContaining("127.0.0.1:" + port)
                    .hasMessageContaining("in use")
                    .hasCauseInstanceOf(BindException.class);

            assertThat(Threads.startedSince(before, Duration.ofSeconds(5)))
                    .as("threads the failed start left running")
                    .isEmpty();
            assertThat(server.isClosed()).isTrue();
            server.close(); // still idempotent
            assertThatThrownBy(server::start).isInstanceOf(WsException.class).hasMessageContaining("closed");
        }
    }

    @Test
    void anAddressThatIsNotThisMachinesThrowsAWsExceptionNamingItAndEndsEveryThread() {
        // TEST-NET-1 (RFC 5737): never assigned to a host, so never one of this machine's addresses
        Set<Thread> before = Threads.live();
        WsServer<Msg> server = WsServer.builder("elsewhere", Codecs.json(Msg.class), handler)
                .host("192.0.2.1")
                .port(0)
                .eventLoopThreads(1)
                .build();

        assertThatThrownBy(server::start)
                .isInstanceOf(WsException.class)
                .hasMessageStartingWith("ws server 'elsewhere'")
                .hasMessageContaining("cannot bind 192.0.2.1:0: ");

        assertThat(Threads.startedSince(before, Duration.ofSeconds(5)))
                .as("threads the failed start left running")
                .isEmpty();
    }

    /** Thread sets of this JVM. */
    static final class Threads {
        private Threads() {}

        static Set<Thread> live() {
            return Set.copyOf(Thread.getAllStackTraces().keySet());
        }

        /**
         * The threads alive now that were not in {@code before}, polled until none is left or {@code deadline}
         * passes (an event loop's thread ends a moment after its termination is signalled).
         */
        static List<String> startedSince(Set<Thread> before, Duration deadline) {
            long end = System.nanoTime() + deadline.toNanos();
            while (true) {
                List<String> left = Thread.getAllStackTraces().keySet().stream()
                        .filter(t -> t.isAlive() && !before.contains(t))
                        .map(Thread::getName)
                        .sorted()
                        .toList();
                if (left.isEmpty() || System.nanoTime() - end > 0) {
                    return left;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // poll again, within the deadline
            }
        }
    }
}
