package io.hal9.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a process that journals actions with SIGKILL at random instants (mid-append, mid-fdatasync,
 * mid-segment-roll, mid-sink-write), 20 times over one directory, and checks after each crash that
 * every action the process acknowledged is either in its sink or replayed from the journal.
 */
@Timeout(180)
class JournalCrashTest {
    private static final int CRASHES = Integer.getInteger("hal9.crashTest.crashes", 20);
    private static final long IDS_PER_RUN = 100_000_000L;

    @Test
    void noAcknowledgedActionIsLostToAKillAtARandomInstant(@TempDir Path dir) throws Exception {
        long seed = Long.getLong("hal9.crashTest.seed", System.nanoTime());
        Random random = new Random(seed);
        Path journalDir = dir.resolve("journal");
        Path sinkFile = dir.resolve("sink.txt");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        long totalAcked = 0;
        long totalReplayed = 0;
        for (int run = 1; run <= CRASHES; run++) {
            long firstId = run * IDS_PER_RUN;
            Process child = new ProcessBuilder(
                            java,
                            "-Xmx64m",
                            "-cp",
                            System.getProperty("java.class.path"),
                            Child.class.getName(),
                            journalDir.toString(),
                            sinkFile.toString(),
                            Long.toString(firstId))
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            long acked = firstId - 1;
            int killAfter = 1 + random.nextInt(40); // acknowledged groups before the kill is sent
            try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII))) {
                String line;
                int groups = 0;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith("ACK ")) {
                        acked = Long.parseLong(line.substring(4));
                        if (++groups == killAfter) {
                            child.destroyForcibly(); // SIGKILL: whatever the child does at this instant
                            break;
                        }
                    }
                }
            }
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(acked)
                    .as("run %d (seed %d): the child acknowledged something", run, seed)
                    .isGreaterThanOrEqualTo(firstId);

            Set<Long> stored = readSink(sinkFile);
            List<Long> replayed = new CopyOnWriteArrayList<>();
            try (ActionBatcher<Long> recovery = ActionBatcher.<Long>builder("recovery", replayed::addAll)
                    .journal(ActionJournal.builder("crash", journalDir, new LongCodec())
                            .build())
                    .build()) {
                recovery.replayed().get(30, TimeUnit.SECONDS);
            }
            stored.addAll(replayed);
            List<Long> lost = new ArrayList<>();
            for (long id = firstId; id <= acked; id++) {
                if (!stored.contains(id)) {
                    lost.add(id);
                }
            }
            assertThat(lost)
                    .as(
                            "run %d (seed %d): acknowledged %d actions, these are neither in the sink nor in the journal",
                            run, seed, acked - firstId + 1)
                    .isEmpty();
            totalAcked += acked - firstId + 1;
            totalReplayed += replayed.size();
        }
        assertThat(totalAcked).isGreaterThan(CRASHES);
        assertThat(totalReplayed)
                .as("some crashes left actions for the replay (seed %d)", seed)
                .isPositive();
    }

    /** The ids the child's sink wrote: whole lines only (a torn last line was never committed). */
    private static Set<Long> readSink(Path sinkFile) throws IOException {
        Set<Long> ids = new HashSet<>();
        if (!Files.exists(sinkFile)) {
            return ids;
        }
        String text = Files.readString(sinkFile, StandardCharsets.US_ASCII);
        int end = text.lastIndexOf('\n');
        if (end < 0) {
            return ids;
        }
        for (String line : text.substring(0, end).split("\n")) {
            if (!line.isEmpty()) {
                ids.add(Long.parseLong(line));
            }
        }
        return ids;
    }

    /** The length of the sink's whole lines: everything up to and including its last newline. */
    static long committedLength(Path sinkFile) throws IOException {
        byte[] bytes = Files.readAllBytes(sinkFile);
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] != '\n') {
            end--;
        }
        return end;
    }

    /**
     * The process that is killed: submits ids in groups of 50, prints {@code ACK <last id>} once a
     * group is durable, and writes batches to a file sink that syncs each batch and fails every third
     * call (a flaky database), with small segments so that rolls and deletions happen often. At start
     * it cuts a torn last line off the sink, as a database rolls back a transaction a crash cut short.
     */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            Path journalDir = Path.of(args[0]);
            Path sinkFile = Path.of(args[1]);
            long id = Long.parseLong(args[2]);
            AtomicInteger calls = new AtomicInteger();
            FileChannel sinkChannel = FileChannel.open(
                    sinkFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            // Recover the "database" the way a real one does: a batch whose write was torn by the
            // previous kill was never committed, so its partial last line goes before anything is
            // appended (else the first id of this run would be glued onto it and read as another id).
            sinkChannel.truncate(committedLength(sinkFile));
            BatchSink<Long> sink = batch -> {
                if (calls.incrementAndGet() % 3 == 0) {
                    throw new IOException("flaky database");
                }
                StringBuilder sb = new StringBuilder();
                for (Long l : batch) {
                    sb.append(l).append('\n');
                }
                ByteBuffer b = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.US_ASCII));
                while (b.hasRemaining()) {
                    sinkChannel.write(b);
                }
                sinkChannel.force(false);
            };
            ActionBatcher<Long> batcher = ActionBatcher.builder("child", sink)
                    .journal(ActionJournal.builder("crash", journalDir, new LongCodec())
                            .segmentBytes(64 << 10)
                            .maxBytes(64 << 20)
                            .build())
                    .capacity(100_000)
                    .maxBatchSize(200)
                    .maxLinger(Duration.ofMillis(1))
                    .backoff(Duration.ofMillis(1), Duration.ofMillis(5))
                    .build();
            batcher.replayed().get();
            PrintStream out = new PrintStream(System.out, true, StandardCharsets.US_ASCII);
            while (true) {
                List<CompletableFuture<Void>> group = new ArrayList<>(50);
                for (int i = 0; i < 50; i++) {
                    group.add(batcher.trySubmitDurable(id++));
                }
                CompletableFuture.allOf(group.toArray(CompletableFuture[]::new)).get();
                out.println("ACK " + (id - 1));
            }
        }
    }
}
