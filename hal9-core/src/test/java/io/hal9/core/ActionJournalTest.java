package io.hal9.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class ActionJournalTest {

    /** A sink that fails with a transient exception while {@code down} is set, and records what it wrote. */
    static final class OutageSink implements BatchSink<Long> {
        final List<Long> written = new CopyOnWriteArrayList<>();
        final AtomicInteger calls = new AtomicInteger();
        volatile boolean down;

        @Override
        public void write(List<Long> batch) throws IOException {
            calls.incrementAndGet();
            if (down) {
                throw new IOException("database unreachable");
            }
            written.addAll(batch);
        }
    }

    private static ActionJournal<Long> journal(Path dir) {
        return ActionJournal.builder("j", dir, new LongCodec()).build();
    }

    private static ActionBatcher<Long> batcher(OutageSink sink, ActionJournal<Long> journal) {
        return ActionBatcher.builder("b", sink)
                .journal(journal)
                .backoff(Duration.ofMillis(1), Duration.ofMillis(20))
                .closeTimeout(Duration.ofMillis(200))
                .maxLinger(Duration.ZERO)
                .build();
    }

    private static void ackAll(ActionBatcher<Long> b, long from, long to) throws Exception {
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        for (long i = from; i < to; i++) {
            acks.add(b.trySubmitDurable(i));
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
    }

    private static List<Path> segments(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".seg")).sorted().toList();
        }
    }

    @Test
    void acknowledgedActionsLeftByACloseDuringAnOutageAreReplayedAtTheNextStartExactlyOnce(@TempDir Path dir)
            throws Exception {
        OutageSink sink = new OutageSink();
        sink.down = true;
        ActionBatcher<Long> b = batcher(sink, journal(dir));
        ackAll(b, 1, 501);
        await().until(() -> sink.calls.get() >= 3); // the flusher is retrying
        b.close();
        assertThat(sink.written).isEmpty();
        assertThat(b.stats().unwrittenAtClose()).isEqualTo(500);
        assertThat(b.stats().deadLettered()).isZero();

        OutageSink next = new OutageSink();
        try (ActionBatcher<Long> b2 = batcher(next, journal(dir))) {
            b2.replayed().get(10, TimeUnit.SECONDS);
            assertThat(next.written)
                    .containsExactlyElementsOf(LongStream.range(1, 501).boxed().toList());
            assertThat(b2.stats().replayed()).isEqualTo(500);
            ackAll(b2, 501, 511);
            await().until(() -> next.written.size() == 510);
        }
        assertThat(next.written.subList(500, 510))
                .containsExactlyElementsOf(LongStream.range(501, 511).boxed().toList());
        assertThat(segments(dir))
                .as("a clean close after everything was written leaves no segment")
                .isEmpty();

        OutageSink third = new OutageSink();
        try (ActionBatcher<Long> b3 = batcher(third, journal(dir))) {
            b3.replayed().get(10, TimeUnit.SECONDS);
            ackAll(b3, 600, 601);
            await().until(() -> third.written.size() == 1);
        }
        assertThat(third.written).as("nothing committed is replayed").containsExactly(600L);
    }

    @Test
    void segmentsArePreallocatedAndTheirUnusedZerosAreNoDamageAtTheNextStart(@TempDir Path dir) throws Exception {
        long segmentBytes = 64 * 1024;
        OutageSink sink = new OutageSink();
        sink.down = true;
        ActionJournal<Long> j = ActionJournal.builder("j", dir, new LongCodec())
                .segmentBytes(segmentBytes)
                .build();
        ActionBatcher<Long> b = batcher(sink, j);
        ackAll(b, 1, 101); // 2,400 bytes: written over the zeros of a preallocated segment
        Path first = segments(dir).getFirst();
        assertThat(Files.size(first))
                .as("the segment keeps its preallocated size")
                .isEqualTo(segmentBytes);
        await().until(() -> Files.exists(dir.resolve("preallocated.tmp"))); // the next one, ready ahead
        ackAll(b, 101, 3_001); // 69,600 bytes: past the first segment, into the next (renamed) one
        b.close();
        assertThat(dir.resolve("preallocated.tmp")).as("dropped at close").doesNotExist();
        assertThat(segments(dir)).hasSizeGreaterThanOrEqualTo(2);

        ActionJournal<Long> reopened = ActionJournal.builder("j", dir, new LongCodec())
                .segmentBytes(segmentBytes)
                .build();
        assertThat(reopened.stats().truncatedBytes())
                .as("zeros after the last record are not damage")
                .isZero();
        assertThat(reopened.stats().replayed()).isEqualTo(3_000);
        OutageSink next = new OutageSink();
        try (ActionBatcher<Long> b2 = batcher(next, reopened)) {
            b2.replayed().get(10, TimeUnit.SECONDS);
        }
        assertThat(next.written)
                .containsExactlyElementsOf(LongStream.range(1, 3_001).boxed().toList());
    }

    @Test
    void bytesAfterZerosInAPreallocatedSegmentAreCutAsAnUnsyncedGroup(@TempDir Path dir) throws Exception {
        OutageSink sink = new OutageSink();
        sink.down = true;
        ActionBatcher<Long> b = batcher(sink, journal(dir));
        ackAll(b, 1, 11);
        b.close();
        Path last = segments(dir).getLast();
        try (FileChannel ch = FileChannel.open(last, StandardOpenOption.WRITE)) {
            // a crash can leave a later page of an unsynced group on disk without the pages before it
            ch.write(ByteBuffer.wrap(new byte[] {7, 7, 7, 7}), 24L * 10 + 4_096);
        }
        ActionJournal<Long> reopened = journal(dir);
        assertThat(reopened.stats().truncatedBytes()).isEqualTo(4_096 + 4);
        assertThat(reopened.stats().replayed()).isEqualTo(10);
        reopened.close();
    }

    @Test
    void aTornTailIsCutAtTheLastGoodRecordAndReportedNotThrown(@TempDir Path dir) throws Exception {
        OutageSink sink = new OutageSink();
        sink.down = true;
        ActionBatcher<Long> b = batcher(sink, journal(dir));
        ackAll(b, 1, 101);
        b.close();
        Path last = segments(dir).getLast();
        long size = 24L * 100; // 100 records of 16 header and 8 payload bytes; zeros follow (preallocated)
        try (FileChannel ch = FileChannel.open(last, StandardOpenOption.WRITE)) {
            ch.truncate(size - 5); // the last record loses part of its payload, as in a crash mid-write
        }
        try (FileChannel ch = FileChannel.open(last, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3})); // and garbage follows
        }
        ActionJournal<Long> reopened = journal(dir);
        assertThat(reopened.stats().truncatedBytes()).isEqualTo(24 - 5 + 3);
        assertThat(reopened.stats().replayed()).isEqualTo(99);
        OutageSink next = new OutageSink();
        try (ActionBatcher<Long> b2 = batcher(next, reopened)) {
            b2.replayed().get(10, TimeUnit.SECONDS);
        }
        assertThat(next.written)
                .containsExactlyElementsOf(LongStream.range(1, 100).boxed().toList());
    }

    @Test
    void aCorruptRecordEndsItsSegmentThere(@TempDir Path dir) throws Exception {
        OutageSink sink = new OutageSink();
        sink.down = true;
        ActionBatcher<Long> b = batcher(sink, journal(dir));
        ackAll(b, 1, 51);
        b.close();
        Path last = segments(dir).getLast();
        try (FileChannel ch = FileChannel.open(last, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            long offset = 24L * 20 + 16 + 3; // a payload byte of the 21st record
            ch.read(one, offset);
            one.put(0, (byte) (one.get(0) ^ 0x40)).rewind();
            ch.write(one, offset);
        }
        OutageSink next = new OutageSink();
        ActionJournal<Long> reopened = journal(dir);
        assertThat(reopened.stats().truncatedBytes()).isEqualTo(24L * 30);
        try (ActionBatcher<Long> b2 = batcher(next, reopened)) {
            b2.replayed().get(10, TimeUnit.SECONDS);
        }
        assertThat(next.written)
                .containsExactlyElementsOf(LongStream.range(1, 21).boxed().toList());
    }

    @Test
    void segmentsRollAndAreDeletedOnceTheSinkHasCommittedThem(@TempDir Path dir) throws Exception {
        OutageSink sink = new OutageSink();
        ActionJournal<Long> j = ActionJournal.builder("roll", dir, new LongCodec())
                .segmentBytes(64 << 10)
                .maxBytes(1 << 20)
                .build();
        try (ActionBatcher<Long> b = batcher(sink, j)) {
            for (int round = 0; round < 20; round++) {
                ackAll(b, round * 2_000L, (round + 1) * 2_000L); // 48 KB a round: a roll every ~1.4 rounds
            }
            await().until(() -> sink.written.size() == 40_000);
            await().untilAsserted(() -> assertThat(j.stats().segments()).isLessThanOrEqualTo(2));
            assertThat(j.stats().bytesOnDisk()).isLessThan(2L * (64 << 10) + 64 * 1024);
            assertThat(j.stats().syncs()).isPositive();
            assertThat(j.stats().durableSequence()).isEqualTo(40_000);
        }
        assertThat(segments(dir)).isEmpty();
        assertThat(sink.written).hasSize(40_000).doesNotHaveDuplicates();
    }

    @Test
    void aFullJournalRefusesWithFullAndLosesNothingItTook(@TempDir Path dir) throws Exception {
        OutageSink sink = new OutageSink();
        sink.down = true;
        ActionJournal<Long> j = ActionJournal.builder("small", dir, new LongCodec())
                .segmentBytes(64 << 10)
                .maxBytes(1 << 20)
                .build();
        ActionBatcher<Long> b = ActionBatcher.builder("big-queue", sink)
                .journal(j)
                .capacity(1 << 20)
                .backoff(Duration.ofMillis(1), Duration.ofMillis(20))
                .closeTimeout(Duration.ofMillis(200))
                .build();
        long accepted = 0;
        Admission last = Admission.ACCEPTED;
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        while (last == Admission.ACCEPTED && accepted < 200_000) {
            CompletableFuture<Void> ack = b.trySubmitDurable(accepted);
            if (ack.isCompletedExceptionally()) {
                Throwable t = ack.handle((v, e) -> e).join();
                last = ((RejectedException) t).reason();
            } else {
                acks.add(ack);
                accepted++;
            }
            if (accepted % 1_000 == 0) {
                CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
            }
        }
        assertThat(last).isEqualTo(Admission.FULL);
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        assertThat(j.stats().refusedFull()).isPositive();
        assertThat(j.stats().bytesOnDisk()).isLessThanOrEqualTo(1 << 20);
        b.close();

        OutageSink next = new OutageSink();
        try (ActionBatcher<Long> b2 = batcher(next, journal(dir))) {
            b2.replayed().get(10, TimeUnit.SECONDS);
        }
        assertThat(next.written)
                .containsExactlyElementsOf(LongStream.range(0, accepted).boxed().toList());
    }

    @Test
    void anActionTheCodecCannotEncodeIsRefusedAndNothingIsTaken(@TempDir Path dir) throws Exception {
        JournalCodec<Long> picky = new JournalCodec<>() {
            @Override
            public void encode(Long action, ByteBuffer out) {
                if (action < 0) {
                    throw new IllegalStateException("negative ids are not allowed");
                }
                out.putLong(action);
            }

            @Override
            public Long decode(ByteBuffer in) {
                return in.getLong();
            }
        };
        OutageSink sink = new OutageSink();
        try (ActionBatcher<Long> b =
                batcher(sink, ActionJournal.builder("picky", dir, picky).build())) {
            assertThatThrownBy(() -> b.trySubmitDurable(-1L))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(
                            "journal 'picky': the codec could not encode the action (nothing was journaled)")
                    .hasMessageContaining("negative ids are not allowed");
            assertThat(b.stats().accepted()).isZero();
            b.trySubmitDurable(7L).get(10, TimeUnit.SECONDS);
            await().until(() -> sink.written.size() == 1);
        }
        assertThat(sink.written).containsExactly(7L);
    }

    @Test
    void aRecordLargerThanMaxRecordBytesIsRefused(@TempDir Path dir) {
        JournalCodec<Long> huge = new JournalCodec<>() {
            @Override
            public void encode(Long action, ByteBuffer out) {
                out.put(new byte[action.intValue()]);
            }

            @Override
            public Long decode(ByteBuffer in) {
                return (long) in.remaining();
            }
        };
        OutageSink sink = new OutageSink();
        try (ActionBatcher<Long> b = batcher(
                sink,
                ActionJournal.builder("huge", dir, huge).maxRecordBytes(1024).build())) {
            assertThatThrownBy(() -> b.trySubmit(1025L))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("journal 'huge': an action's record must be at most maxRecordBytes (1024) bytes; this"
                            + " one did not fit (nothing was journaled)");
            assertThat(b.trySubmit(1024L)).isEqualTo(Admission.ACCEPTED);
        }
    }

    @Test
    void oneDirectoryServesOneJournal(@TempDir Path dir) {
        try (ActionJournal<Long> first = journal(dir)) {
            assertThatThrownBy(() -> journal(dir))
                    .isInstanceOf(Hal9Exception.class)
                    .hasMessage(
                            "journal 'j': directory " + dir
                                    + " is in use by another journal (its lock file is held); give each journal its own directory");
            assertThat(first.stats().failed()).isFalse();
        }
    }

    @Test
    void optionsAreValidatedWithMessagesThatNameThem(@TempDir Path dir) {
        assertThatThrownBy(
                        () -> ActionJournal.builder("v", dir, new LongCodec()).segmentBytes(1))
                .hasMessage("journal 'v': segmentBytes must be in [65536, 1073741824], was 1");
        assertThatThrownBy(() -> ActionJournal.builder("v", dir, new LongCodec())
                        .segmentBytes(1 << 20)
                        .maxBytes(1 << 20)
                        .build())
                .hasMessage("journal 'v': maxBytes must be >= 2 * segmentBytes (2097152), was 1048576");
        assertThatThrownBy(() -> ActionJournal.builder("v", dir, new LongCodec())
                        .maxRecordBytes(8)
                        .maxRecordBytes(9))
                .hasMessageContaining("maxRecordBytes");
    }

    @Test
    void aSinkThatFailsLongerThanTheOldRetryLimitIsWaitedOutNotDeadLettered() throws Exception {
        AtomicInteger failuresLeft = new AtomicInteger(30);
        List<String> written = new CopyOnWriteArrayList<>();
        AtomicReference<Throwable> deadLetter = new AtomicReference<>();
        try (ActionBatcher<String> b = ActionBatcher.<String>builder("patient", batch -> {
                    if (failuresLeft.getAndDecrement() > 0) {
                        throw new IOException("connection refused");
                    }
                    written.addAll(batch);
                })
                .backoff(Duration.ofMillis(1), Duration.ofMillis(2))
                .deadLetterHandler((actions, cause) -> deadLetter.set(cause))
                .build()) {
            b.trySubmitTracked("move").get(10, TimeUnit.SECONDS);
            assertThat(b.stats().retries()).isEqualTo(30);
        }
        assertThat(written).containsExactly("move");
        assertThat(deadLetter.get()).isNull();
    }

    @Test
    void withoutAJournalACloseDuringAnOutageHandsTheUnwrittenActionsToTheDeadLetterHandler() throws Exception {
        List<String> lastChance = new CopyOnWriteArrayList<>();
        AtomicReference<Throwable> cause = new AtomicReference<>();
        ActionBatcher<String> b = ActionBatcher.<String>builder("doomed", batch -> {
                    throw new IOException("connection refused");
                })
                .backoff(Duration.ofMillis(1), Duration.ofMillis(5))
                .closeTimeout(Duration.ofMillis(100))
                .maxLinger(Duration.ZERO)
                .deadLetterHandler((actions, c) -> {
                    lastChance.addAll(actions);
                    cause.set(c);
                })
                .build();
        CompletableFuture<Void> tracked = b.trySubmitTracked("a");
        for (String s : List.of("b", "c", "d")) {
            assertThat(b.trySubmit(s)).isEqualTo(Admission.ACCEPTED);
        }
        await().until(() -> b.stats().retries() >= 2);
        b.close();
        assertThat(lastChance).containsExactly("a", "b", "c", "d");
        assertThat(cause.get())
                .isInstanceOf(BatcherClosedException.class)
                .hasMessageContaining("handed to the dead-letter handler as unwritten at close")
                .hasRootCauseMessage("connection refused");
        assertThat(b.stats().unwrittenAtClose()).isEqualTo(4);
        assertThat(b.pending()).isZero();
        assertThat(tracked).isCompletedExceptionally();
    }

    @Test
    void submitWithAJournalReturnsOnceTheActionIsDurable(@TempDir Path dir) {
        OutageSink sink = new OutageSink();
        sink.down = true;
        ActionJournal<Long> j = journal(dir);
        try (ActionBatcher<Long> b = batcher(sink, j)) {
            b.submit(42L, Duration.ofSeconds(5));
            assertThat(j.stats().durableSequence()).isEqualTo(1);
            sink.down = false;
            await().until(() -> sink.written.size() == 1);
            await().until(() -> j.stats().committedSequence() == 1);
        } catch (UncheckedIOException e) {
            throw e;
        }
    }

    @Test
    void aSinkThatCloseHadToInterruptDeadLettersNothingAndTheJournalKeepsItAll(@TempDir Path dir) throws Exception {
        // A hanging sink whose interrupted wait surfaces as a failure that retryOn calls permanent, as an
        // interrupted pool wait does in JDBC: close() must not mistake its own interrupt for poison.
        java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        AtomicReference<List<Long>> deadLettered = new AtomicReference<>();
        ActionBatcher<Long> b = ActionBatcher.<Long>builder("hanging", batch -> {
                    entered.countDown();
                    try {
                        new java.util.concurrent.CountDownLatch(1).await();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException("interrupted during connection acquisition");
                    }
                })
                .journal(journal(dir))
                .retryOn(t -> t instanceof IOException)
                .closeTimeout(Duration.ofMillis(100))
                .maxLinger(Duration.ZERO)
                .deadLetterHandler((actions, cause) -> deadLettered.set(actions))
                .build();
        ackAll(b, 1, 21);
        entered.await(10, TimeUnit.SECONDS);
        b.close();
        assertThat(deadLettered.get()).isNull();
        assertThat(b.stats().deadLettered()).isZero();
        assertThat(b.stats().unwrittenAtClose()).isEqualTo(20);
        OutageSink next = new OutageSink();
        try (ActionBatcher<Long> b2 = batcher(next, journal(dir))) {
            b2.replayed().get(10, TimeUnit.SECONDS);
        }
        assertThat(next.written)
                .containsExactlyElementsOf(LongStream.range(1, 21).boxed().toList());
    }
}
