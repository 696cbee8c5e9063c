package io.hal9.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.hal9.testkit.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(30)
class BoundedChannelTest {
    private final ExecutorService executor = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() throws InterruptedException {
        executor.shutdownNow();
        assertThat(executor.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    }

    private static BoundedChannel<String> channel(int capacity) {
        return BoundedChannel.<String>builder("actions").capacity(capacity).build();
    }

    private static void fill(BoundedChannel<String> channel) {
        for (int i = 0; i < channel.capacity(); i++) {
            assertThat(channel.trySend("m" + i)).isEqualTo(Admission.ACCEPTED);
        }
    }

    /** Runs {@code body} on a new thread and hands back the thread and its outcome. */
    private record Started<V>(Thread thread, CompletableFuture<V> result) {}

    private <V> Started<V> start(Callable<V> body) {
        CompletableFuture<V> result = new CompletableFuture<>();
        AtomicReference<Thread> thread = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        executor.execute(() -> {
            thread.set(Thread.currentThread());
            started.countDown();
            try {
                result.complete(body.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        try {
            assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        return new Started<>(thread.get(), result);
    }

    private static void awaitParked(Thread thread) {
        await().atMost(Duration.ofSeconds(5))
                .until(() ->
                        thread.getState() == Thread.State.TIMED_WAITING || thread.getState() == Thread.State.WAITING);
    }

    private static Throwable failureOf(CompletableFuture<?> future) throws InterruptedException {
        try {
            future.get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            throw new AssertionError("still running after 5 s", e);
        }
        throw new AssertionError("completed normally");
    }

    // ---------------------------------------------------------------- builder

    @Test
    void buildsWithDocumentedDefaults() {
        BoundedChannel<String> channel =
                BoundedChannel.<String>builder("actions").build();
        assertThat(channel.capacity()).isEqualTo(1000).isEqualTo(BoundedChannel.DEFAULT_CAPACITY);
        assertThat(channel.name()).isEqualTo("actions");
        assertThat(channel.size()).isZero();
        assertThat(channel.isClosed()).isFalse();
        assertThat(channel.isTerminated()).isFalse();
        assertThat(channel.stats()).isEqualTo(new BoundedChannel.Stats(1000, 0, 0, 0, 0, 0, 0, false));
    }

    @ParameterizedTest
    @ValueSource(ints = {Integer.MIN_VALUE, -1, 0, 1, (1 << 30) + 1, Integer.MAX_VALUE})
    void refusesCapacityOutOfRangeNamingTheOption(int capacity) {
        assertThatThrownBy(() -> BoundedChannel.builder("actions").capacity(capacity))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("channel 'actions': capacity must be in [2, 1073741824], was " + capacity);
    }

    @Test
    void acceptsCapacityAtBothEndsOfTheRange() {
        assertThat(channel(2).capacity()).isEqualTo(2);
        assertThat(BoundedChannel.builder("big").capacity(1 << 30)).isNotNull();
    }

    @Test
    void refusesOptionsSetTwice() {
        assertThatThrownBy(() -> BoundedChannel.builder("actions").capacity(8).capacity(8))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("channel 'actions': capacity was already set");
        assertThatThrownBy(() -> BoundedChannel.builder("actions")
                        .ticker(Ticker.system())
                        .ticker(Ticker.system()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("channel 'actions': ticker was already set");
        BoundedChannel.Listener listener = new BoundedChannel.Listener() {};
        assertThatThrownBy(() ->
                        BoundedChannel.builder("actions").listener(listener).listener(listener))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("channel 'actions': listener was already set");
    }

    @Test
    void refusesBadNamesAndNullOptions() {
        assertThatThrownBy(() -> BoundedChannel.builder(" "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("channel name");
        assertThatThrownBy(() -> BoundedChannel.builder(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> BoundedChannel.builder("a").ticker(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("ticker");
        assertThatThrownBy(() -> BoundedChannel.builder("a").listener(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("listener");
    }

    // ---------------------------------------------------------------- capacity and order

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 5, 1000, 1025})
    void refusesTheMessageAfterExactlyCapacityEvenWhenNotAPowerOfTwo(int capacity) {
        BoundedChannel<String> channel = channel(capacity);
        fill(channel);
        assertThat(channel.size()).isEqualTo(capacity);

        assertThat(channel.trySend("one too many")).isEqualTo(Admission.FULL);

        assertThat(channel.size()).isEqualTo(capacity);
        assertThat(channel.stats().accepted()).isEqualTo(capacity);
        assertThat(channel.stats().refusedFull()).isEqualTo(1);
        assertThat(channel.drainTo(new ArrayList<>(), Integer.MAX_VALUE)).isEqualTo(capacity);
    }

    @Test
    void acceptsAgainOnceTheConsumerTookOne() {
        BoundedChannel<String> channel = channel(3);
        fill(channel);
        assertThat(channel.trySend("x")).isEqualTo(Admission.FULL);

        assertThat(channel.poll()).isEqualTo("m0");

        assertThat(channel.trySend("x")).isEqualTo(Admission.ACCEPTED);
        assertThat(channel.trySend("y")).isEqualTo(Admission.FULL);
        assertThat(channel.size()).isEqualTo(3);
    }

    @Test
    void keepsTheCapacityExactOverManyWrapArounds() {
        BoundedChannel<Integer> channel =
                BoundedChannel.<Integer>builder("wrap").capacity(3).build();
        int next = 0;
        int expected = 0;
        for (int round = 0; round < 1000; round++) {
            while (channel.trySend(next) == Admission.ACCEPTED) {
                next++;
            }
            assertThat(channel.size()).isEqualTo(3);
            int take = 1 + round % 3;
            for (int i = 0; i < take; i++) {
                assertThat(channel.poll()).isEqualTo(expected++);
            }
        }
        assertThat(next - expected).isEqualTo(channel.size());
    }

    @Test
    void deliversInSendOrder() {
        BoundedChannel<String> channel = channel(16);
        for (int i = 0; i < 10; i++) {
            channel.trySend("m" + i);
        }
        List<String> taken = new ArrayList<>();
        String m;
        while ((m = channel.poll()) != null) {
            taken.add(m);
        }
        assertThat(taken).containsExactly("m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9");
        assertThat(channel.poll()).isNull();
    }

    @Test
    void drainAndDrainToTakeAtMostMaxOldestFirst() {
        BoundedChannel<String> channel = channel(16);
        for (int i = 0; i < 10; i++) {
            channel.trySend("m" + i);
        }
        List<String> sunk = new ArrayList<>();

        assertThat(channel.drain(sunk::add, 4)).isEqualTo(4);
        assertThat(sunk).containsExactly("m0", "m1", "m2", "m3");
        assertThat(channel.drain(sunk::add, 0)).isZero();

        List<Object> target = new ArrayList<>();
        assertThat(channel.drainTo(target, 3)).isEqualTo(3);
        assertThat(target).containsExactly("m4", "m5", "m6");
        assertThat(channel.drainTo(target, 100)).isEqualTo(3);
        assertThat(target).containsExactly("m4", "m5", "m6", "m7", "m8", "m9");
        assertThat(channel.drainTo(target, 100)).isZero();
        assertThat(channel.stats().received()).isEqualTo(10);
        assertThat(channel.size()).isZero();
    }

    @Test
    void refusesNegativeMaxAndNullArguments() {
        BoundedChannel<String> channel = channel(4);
        assertThatThrownBy(() -> channel.drain(s -> {}, -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("channel 'actions': max must not be negative, was -1");
        assertThatThrownBy(() -> channel.drainTo(new ArrayList<>(), -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> channel.trySend(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("message");
        assertThatThrownBy(() -> channel.send(null, Duration.ZERO))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("message");
        assertThatThrownBy(() -> channel.send("x", null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("timeout");
        assertThatThrownBy(() -> channel.send("x", Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("channel 'actions': timeout must not be negative, was PT-0.001S");
        assertThatThrownBy(() -> channel.receive(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThat(channel.size()).isZero();
    }

    // ---------------------------------------------------------------- receive

    @Test
    void receiveReturnsNullWhenNothingArrivesInTime() {
        BoundedChannel<String> channel = channel(4);
        long start = System.nanoTime();

        assertThat(channel.receive(Duration.ofMillis(20))).isNull();

        assertThat(System.nanoTime() - start)
                .isGreaterThanOrEqualTo(Duration.ofMillis(20).toNanos());
        assertThat(channel.receive(Duration.ZERO)).isNull();
    }

    @Test
    void receiveReturnsAWaitingMessageAtOnce() {
        BoundedChannel<String> channel = channel(4);
        channel.trySend("a");
        assertThat(channel.receive(Duration.ZERO)).isEqualTo("a");
    }

    @Test
    void aParkedReceiverIsWokenBySendFromAnotherThread() throws Exception {
        BoundedChannel<String> channel = channel(4);
        // 30 s: if the send did not wake it, the receiver would still be asleep when the get below gives up.
        Started<String> receiver = start(() -> channel.receive(Duration.ofSeconds(30)));
        awaitParked(receiver.thread());

        assertThat(channel.trySend("wake up")).isEqualTo(Admission.ACCEPTED);

        assertThat(receiver.result().get(5, TimeUnit.SECONDS)).isEqualTo("wake up");
    }

    @Test
    void aParkedReceiverIsWokenByCloseAndSeesEndOfStream() throws Exception {
        BoundedChannel<String> channel = channel(4);
        Started<String> receiver = start(() -> channel.receive(Duration.ofSeconds(30)));
        awaitParked(receiver.thread());

        channel.close();

        assertThat(failureOf(receiver.result()))
                .isInstanceOf(RejectedException.class)
                .hasMessage("channel 'actions': closed and every message taken (end of stream)")
                .extracting(e -> ((RejectedException) e).reason())
                .isEqualTo(Admission.CLOSED);
    }

    @Test
    void interruptedReceiveRestoresTheFlagAndThrows() {
        BoundedChannel<String> channel = channel(4);
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> channel.receive(Duration.ofSeconds(30)))
                    .isInstanceOf(Hal9Exception.class)
                    .hasMessage("channel 'actions': interrupted while waiting for a message (capacity=4, size=0)");
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    // ---------------------------------------------------------------- timed send

    @Test
    void timedSendTakesFreeSpaceAtOnce() {
        BoundedChannel<String> channel = channel(2);
        channel.send("a", Duration.ZERO);
        channel.send("b", Duration.ofSeconds(1));
        assertThat(channel.size()).isEqualTo(2);
    }

    @Test
    void timedSendSucceedsWhenTheConsumerFreesSpaceWhileItWaits() throws Exception {
        BoundedChannel<String> channel = channel(2);
        fill(channel);
        Started<Boolean> sender = start(() -> {
            channel.send("late", Duration.ofSeconds(30));
            return true;
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> channel.stats().waitingSenders() == 1);
        awaitParked(sender.thread());
        assertThat(sender.result()).isNotDone();

        assertThat(channel.poll()).isEqualTo("m0");

        assertThat(sender.result().get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(channel.drainTo(new ArrayList<>(), 10)).isEqualTo(2);
        assertThat(channel.stats().waitingSenders()).isZero();
        assertThat(channel.stats().refusedFull()).isZero();
    }

    @Test
    void manyWaitingSendersAllGetInWhenTheConsumerDrains() throws Exception {
        BoundedChannel<String> channel = channel(2);
        fill(channel);
        List<Started<Boolean>> senders = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String message = "w" + i;
            senders.add(start(() -> {
                channel.send(message, Duration.ofSeconds(30));
                return true;
            }));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> channel.stats().waitingSenders() == 5);

        List<String> taken = new ArrayList<>();
        while (taken.size() < 7) {
            String message = channel.receive(Duration.ofSeconds(5));
            assertThat(message).as("message %d", taken.size()).isNotNull();
            taken.add(message);
        }
        for (Started<Boolean> sender : senders) {
            assertThat(sender.result().get(5, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(taken).containsExactlyInAnyOrder("m0", "m1", "w0", "w1", "w2", "w3", "w4");
    }

    @Test
    void timedSendReportsCapacityAndSizeWhenItGivesUp() {
        BoundedChannel<String> channel =
                BoundedChannel.<String>builder("actions").build();
        fill(channel);

        assertThatThrownBy(() -> channel.send("late", Duration.ofMillis(5)))
                .isInstanceOf(RejectedException.class)
                .hasMessage("channel 'actions': full after waiting 5ms (capacity=1000, size=1000)")
                .satisfies(e -> {
                    RejectedException rejected = (RejectedException) e;
                    assertThat(rejected.reason()).isEqualTo(Admission.FULL);
                    assertThat(rejected.component()).isEqualTo("channel 'actions'");
                });
        assertThat(channel.stats().refusedFull()).isEqualTo(1);
        assertThat(channel.stats().waitingSenders()).isZero();
        assertThat(channel.size()).isEqualTo(1000);
    }

    @Test
    void timedSendMeasuresItsTimeoutWithTheInjectedTicker() throws Exception {
        ManualClock ticker = new ManualClock(42_000_000_000L);
        BoundedChannel<String> channel = BoundedChannel.<String>builder("actions")
                .capacity(2)
                .ticker(ticker::read)
                .build();
        fill(channel);
        Started<Boolean> sender = start(() -> {
            channel.send("late", Duration.ofMillis(250));
            return true;
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> channel.stats().waitingSenders() == 1);

        ticker.advance(Duration.ofMillis(249));
        assertThat(sender.result()).isNotDone(); // the sender may look at the ticker any time now
        ticker.advance(Duration.ofMillis(1));

        assertThat(failureOf(sender.result()))
                .isInstanceOf(RejectedException.class)
                .hasMessage("channel 'actions': full after waiting 250ms (capacity=2, size=2)");
    }

    @Test
    void timedSendWithZeroTimeoutTriesOnce() {
        BoundedChannel<String> channel = channel(2);
        fill(channel);
        assertThatThrownBy(() -> channel.send("x", Duration.ZERO))
                .isInstanceOf(RejectedException.class)
                .hasMessage("channel 'actions': full after waiting 0ms (capacity=2, size=2)");
        assertThatThrownBy(() -> channel.send("x", Duration.ofNanos(1500)))
                .hasMessage("channel 'actions': full after waiting 1500ns (capacity=2, size=2)");
    }

    @Test
    void interruptedSenderRestoresTheFlagAndThrowsFull() {
        BoundedChannel<String> channel = channel(2);
        fill(channel);
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> channel.send("x", Duration.ofSeconds(30)))
                    .isInstanceOf(RejectedException.class)
                    .hasMessage("channel 'actions': interrupted while waiting for space (capacity=2, size=2)")
                    .extracting(e -> ((RejectedException) e).reason())
                    .isEqualTo(Admission.FULL);
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(channel.stats().waitingSenders()).isZero();
    }

    @Test
    void interruptingABlockedSenderEndsItsWait() throws Exception {
        BoundedChannel<String> channel = channel(2);
        fill(channel);
        Started<Boolean> sender = start(() -> {
            try {
                channel.send("x", Duration.ofSeconds(30));
                return false;
            } catch (RejectedException e) {
                return Thread.currentThread().isInterrupted() && e.reason() == Admission.FULL;
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> channel.stats().waitingSenders() == 1);

        sender.thread().interrupt();

        assertThat(sender.result().get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(channel.size()).isEqualTo(2);
    }

    @Test
    void interruptDoesNotStopASendThatFindsSpace() {
        BoundedChannel<String> channel = channel(2);
        Thread.currentThread().interrupt();
        try {
            channel.send("x", Duration.ofSeconds(1));
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(channel.poll()).isEqualTo("x");
    }

    // ---------------------------------------------------------------- close

    @Test
    void refusesNewMessagesAfterCloseButKeepsTheAcceptedOnesForTheConsumer() {
        BoundedChannel<String> channel = channel(4);
        channel.trySend("a");
        channel.trySend("b");

        channel.close();

        assertThat(channel.isClosed()).isTrue();
        assertThat(channel.isTerminated()).isFalse();
        assertThat(channel.trySend("c")).isEqualTo(Admission.CLOSED);
        assertThatThrownBy(() -> channel.send("d", Duration.ofSeconds(1)))
                .isInstanceOf(RejectedException.class)
                .hasMessage("channel 'actions': closed, message refused (capacity=4, size=2)")
                .extracting(e -> ((RejectedException) e).reason())
                .isEqualTo(Admission.CLOSED);
        assertThat(channel.size()).isEqualTo(2);

        assertThat(channel.receive(Duration.ofSeconds(1))).isEqualTo("a");
        assertThat(channel.poll()).isEqualTo("b");
        assertThat(channel.isTerminated()).isTrue();
        assertThat(channel.poll()).isNull();
        assertThatThrownBy(() -> channel.receive(Duration.ofSeconds(1)))
                .isInstanceOf(RejectedException.class)
                .hasMessage("channel 'actions': closed and every message taken (end of stream)");
        assertThat(channel.stats()).isEqualTo(new BoundedChannel.Stats(4, 0, 2, 0, 2, 2, 0, true));
    }

    @Test
    void closeIsIdempotentAndTellsTheListenerOnce() {
        AtomicInteger closes = new AtomicInteger();
        BoundedChannel<String> channel = BoundedChannel.<String>builder("actions")
                .listener(new BoundedChannel.Listener() {
                    @Override
                    public void onClosed(String channel) {
                        assertThat(channel).isEqualTo("actions");
                        closes.incrementAndGet();
                    }
                })
                .build();
        channel.close();
        channel.close();
        assertThat(closes).hasValue(1);
        assertThat(channel.isTerminated()).isTrue();
    }

    @Test
    void aSenderWaitingForSpaceIsWokenByCloseWithClosed() throws Exception {
        BoundedChannel<String> channel = channel(2);
        fill(channel);
        Started<Boolean> sender = start(() -> {
            channel.send("x", Duration.ofSeconds(30));
            return true;
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> channel.stats().waitingSenders() == 1);

        channel.close();

        assertThat(failureOf(sender.result()))
                .isInstanceOf(RejectedException.class)
                .extracting(e -> ((RejectedException) e).reason())
                .isEqualTo(Admission.CLOSED);
        assertThat(channel.drainTo(new ArrayList<>(), 10)).isEqualTo(2);
        assertThat(channel.isTerminated()).isTrue();
    }

    // ---------------------------------------------------------------- stats and listener

    @Test
    void countsAcceptedRefusedAndReceived() {
        ConcurrentLinkedQueue<Admission> refusals = new ConcurrentLinkedQueue<>();
        BoundedChannel<String> channel = BoundedChannel.<String>builder("actions")
                .capacity(2)
                .listener(new BoundedChannel.Listener() {
                    @Override
                    public void onRefused(String channel, Admission reason) {
                        refusals.add(reason);
                    }
                })
                .build();
        channel.trySend("a");
        channel.trySend("b");
        channel.trySend("c");
        assertThatThrownBy(() -> channel.send("d", Duration.ZERO)).isInstanceOf(RejectedException.class);
        channel.poll();
        channel.close();
        channel.trySend("e");

        assertThat(channel.stats()).isEqualTo(new BoundedChannel.Stats(2, 1, 2, 2, 1, 1, 0, true));
        assertThat(refusals).containsExactly(Admission.FULL, Admission.FULL, Admission.CLOSED);
    }

    @Test
    void aThrowingListenerDoesNotBreakTheChannel() {
        BoundedChannel<String> channel = BoundedChannel.<String>builder("actions")
                .capacity(2)
                .listener(new BoundedChannel.Listener() {
                    @Override
                    public void onRefused(String channel, Admission reason) {
                        throw new IllegalStateException("listener bug");
                    }

                    @Override
                    public void onClosed(String channel) {
                        throw new IllegalStateException("listener bug");
                    }
                })
                .build();
        fill(channel);
        assertThat(channel.trySend("x")).isEqualTo(Admission.FULL);
        channel.close();
        assertThat(channel.trySend("x")).isEqualTo(Admission.CLOSED);
        assertThat(channel.stats().refusedFull()).isEqualTo(1);
        assertThat(channel.isClosed()).isTrue();
    }

    @Test
    void toStringShowsNameSizeAndState() {
        BoundedChannel<String> channel = channel(4);
        channel.trySend("a");
        assertThat(channel).hasToString("BoundedChannel[actions, size=1/4]");
        channel.close();
        assertThat(channel).hasToString("BoundedChannel[actions, size=1/4, closed]");
    }

    @Test
    void hundredsOfVirtualThreadSendersWaitAndAllGetIn() throws Exception {
        BoundedChannel<String> channel = channel(2);
        fill(channel);
        try (ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> senders = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                String message = "v" + i;
                senders.add(virtual.submit(() -> channel.send(message, Duration.ofSeconds(30))));
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> channel.stats().waitingSenders() == 100);
            List<String> taken = new ArrayList<>();
            while (taken.size() < 102) {
                String message = channel.receive(Duration.ofSeconds(5));
                assertThat(message).as("message %d", taken.size()).isNotNull();
                taken.add(message);
            }
            assertThat(taken).doesNotHaveDuplicates();
            for (Future<?> sender : senders) {
                sender.get(5, TimeUnit.SECONDS);
            }
        }
    }
}
