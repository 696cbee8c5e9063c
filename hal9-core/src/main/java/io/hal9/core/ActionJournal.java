package io.hal9.core;

import io.hal9.core.internal.BuilderOptions;
import io.hal9.core.internal.Checks;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;

/**
 * A write-ahead journal on local disk for the actions an {@link ActionBatcher} accepts, so that an
 * action acknowledged to a client survives a crash of the process, an outage of the sink's database,
 * and a shutdown during one. Hand it to {@link ActionBatcher.Builder#journal}; the batcher owns it
 * from then on and closes it.
 *
 * <p><b>What "acknowledged" means.</b> With a journal, {@link ActionBatcher#trySubmitDurable}'s future
 * completes once the action's record is on disk: written to the current segment file and covered by
 * an {@code fdatasync} ({@link java.nio.channels.FileChannel#force force(false)}). Only then should
 * the host tell its client the action was taken.
 *
 * <p><b>Group commit.</b> Submitting threads encode their record into an in-memory buffer under one
 * short lock; one writer thread swaps that buffer for an empty one, writes it and syncs it, and then
 * completes every acknowledgement the buffer carried. Every action that arrived while one sync was
 * running shares the next sync, so the cost of a sync is spread over as many actions as arrive in
 * its time.
 *
 * <p><b>On disk.</b> The directory holds append-only segment files named after the sequence number of
 * their first record ({@code 00000000000000000001.seg}), a {@code checkpoint} file with the highest
 * sequence the sink has committed, and a {@code lock} file that keeps a second process out. Each
 * record is {@code [length:int][crc32c:int][sequence:long][payload]}; the CRC-32C covers the
 * sequence and the payload. A segment is closed when it has grown past {@code segmentBytes}, and
 * deleted once the sink has committed every record in it.
 *
 * <p><b>Recovery.</b> {@link Builder#build()} scans every segment. A torn or corrupt record (a crash
 * mid-write, a bad checksum, a sequence out of order) ends its segment: the file is cut at the last
 * good record and the cut is reported at WARN and in {@link Stats#truncatedBytes()}, never thrown. The
 * batcher then replays every record after the checkpoint into its sink before it writes anything new.
 * Because a crash can fall between the sink's commit and the checkpoint, a record may be replayed
 * that the sink already has: <b>sinks must be idempotent</b> for the action's identity (an {@code
 * INSERT ... ON CONFLICT DO NOTHING} on a unique key of the action, for example).
 *
 * <p><b>Limits.</b> At most {@code maxBytes} on disk: segments plus what waits in memory for the
 * writer. When the sink is away long enough for the journal to reach it, submissions are refused with
 * {@link Admission#FULL}, the same backpressure as a full batcher. At most {@code maxBufferedBytes} wait
 * in memory for the writer (a stalled disk: {@link Admission#FULL}). A record larger than {@code
 * maxRecordBytes} is refused with an {@link IllegalArgumentException}. If the disk fails (an {@link
 * java.io.IOException} on write or sync), the journal stops: waiting acknowledgements fail with a
 * {@link Hal9Exception}, later submissions are refused with {@link Admission#CLOSED}, and the error is
 * logged once; what the batcher already holds is still written to the sink.
 *
 * <p>Thread safety: safe for concurrent use; its mutating operations are driven by the batcher that
 * owns it.
 *
 * @param <T> the action type
 */
public sealed interface ActionJournal<T> extends AutoCloseable permits ActionJournalImpl {

    /** Default {@code segmentBytes}: 8 MiB. */
    long DEFAULT_SEGMENT_BYTES = 8L << 20;
    /** Default {@code maxBytes}: 1 GiB. */
    long DEFAULT_MAX_BYTES = 1L << 30;
    /** Default {@code maxRecordBytes}: 64 KiB. */
    int DEFAULT_MAX_RECORD_BYTES = 64 << 10;
    /** Default {@code maxBufferedBytes}: 16 MiB. */
    int DEFAULT_MAX_BUFFERED_BYTES = 16 << 20;

    /**
     * Starts a builder.
     *
     * @param name names the journal in messages, logs and thread names
     * @param directory where the segments live; created if missing; one journal per directory
     * @param codec turns actions into record payloads and back
     */
    static <T> Builder<T> builder(String name, Path directory, JournalCodec<T> codec) {
        return new Builder<>(name, directory, codec);
    }

    /** The name given to the builder. */
    String name();

    /** The directory given to the builder. */
    Path directory();

    /** A snapshot of the counters. */
    Stats stats();

    /**
     * Writes and syncs what is buffered, records the last committed sequence and closes the files.
     * Called by the owning batcher's {@link ActionBatcher#close()}; idempotent.
     */
    @Override
    void close();

    /**
     * A counters snapshot.
     *
     * @param appended records appended since the start (not counting replayed ones)
     * @param lastSequence the sequence of the newest record (0 when none was ever written)
     * @param durableSequence every record up to this sequence is on disk
     * @param committedSequence every record up to this sequence is in the sink
     * @param syncs {@code fdatasync} calls
     * @param bytesOnDisk bytes in segment files now
     * @param segments segment files now
     * @param replayed records found after the checkpoint at start, to be replayed
     * @param truncatedBytes bytes cut from torn or corrupt segment tails at start
     * @param refusedFull appends refused because {@code maxBytes} or {@code maxBufferedBytes} was reached
     * @param failed whether a disk error stopped the journal
     */
    record Stats(
            long appended,
            long lastSequence,
            long durableSequence,
            long committedSequence,
            long syncs,
            long bytesOnDisk,
            int segments,
            long replayed,
            long truncatedBytes,
            long refusedFull,
            boolean failed) {}

    /**
     * Configures an {@link ActionJournal}. Each option may be set once; values are checked when set.
     *
     * <p>Thread safety: not thread-safe; use from one thread, then discard.
     *
     * @param <T> the action type
     */
    final class Builder<T> {
        final String name;
        final String component;
        private final BuilderOptions options;
        final Path directory;
        final JournalCodec<T> codec;
        long segmentBytes = DEFAULT_SEGMENT_BYTES;
        long maxBytes = DEFAULT_MAX_BYTES;
        int maxRecordBytes = DEFAULT_MAX_RECORD_BYTES;
        int maxBufferedBytes = DEFAULT_MAX_BUFFERED_BYTES;

        /** Default: platform daemon threads named {@code hal9-journal-<name>}. */
        ThreadFactory threadFactory;

        Builder(String name, Path directory, JournalCodec<T> codec) {
            this.name = Checks.name("journal", name);
            this.component = "journal '" + name + "'";
            this.options = new BuilderOptions(component);
            this.threadFactory = Thread.ofPlatform()
                    .name("hal9-journal-" + name)
                    .daemon(true)
                    .factory();
            this.directory = Objects.requireNonNull(directory, "directory");
            this.codec = Objects.requireNonNull(codec, "codec");
        }

        /** A segment is closed and a new one started once it holds this many bytes. Default 8 MiB, range [64 KiB, 1 GiB]. */
        public Builder<T> segmentBytes(long segmentBytes) {
            this.segmentBytes = options.set(
                    "segmentBytes", Checks.inRange(component, "segmentBytes", segmentBytes, 64L << 10, 1L << 30));
            return this;
        }

        /**
         * At most this many bytes on disk and waiting for the writer; beyond it submissions are refused
         * with {@link Admission#FULL}. Default 1 GiB, range [1 MiB, 1 TiB], and at least twice {@code
         * segmentBytes}.
         */
        public Builder<T> maxBytes(long maxBytes) {
            this.maxBytes =
                    options.set("maxBytes", Checks.inRange(component, "maxBytes", maxBytes, 1L << 20, 1L << 40));
            return this;
        }

        /** The largest record payload; larger actions are refused. Default 64 KiB, range [16, 16 MiB]. */
        public Builder<T> maxRecordBytes(int maxRecordBytes) {
            this.maxRecordBytes = options.set(
                    "maxRecordBytes", Checks.inRange(component, "maxRecordBytes", maxRecordBytes, 16, 16 << 20));
            return this;
        }

        /**
         * At most this many bytes wait in memory for the writer (a slow or stalled disk); beyond it
         * submissions are refused with {@link Admission#FULL}. Default 16 MiB, range [64 KiB, 1 GiB].
         */
        public Builder<T> maxBufferedBytes(int maxBufferedBytes) {
            this.maxBufferedBytes = options.set(
                    "maxBufferedBytes",
                    Checks.inRange(component, "maxBufferedBytes", maxBufferedBytes, 64 << 10, 1 << 30));
            return this;
        }

        /** Creates the writer thread. Default: a platform daemon thread named {@code hal9-journal-<name>}. */
        public Builder<T> threadFactory(ThreadFactory threadFactory) {
            this.threadFactory = options.set("threadFactory", Objects.requireNonNull(threadFactory, "threadFactory"));
            return this;
        }

        /**
         * Validates the options, locks the directory, scans and repairs the segments found there, and
         * starts the writer thread. The records found are replayed by the batcher the journal is given to.
         *
         * @throws IllegalArgumentException when the options do not fit together
         * @throws Hal9Exception when the directory cannot be created, read or locked (another process
         *     uses it)
         */
        public ActionJournal<T> build() {
            if (maxBytes < 2 * segmentBytes) {
                throw new IllegalArgumentException(component + ": maxBytes must be >= 2 * segmentBytes ("
                        + 2 * segmentBytes + "), was " + maxBytes);
            }
            if (maxBufferedBytes < maxRecordBytes + JournalFiles.HEADER_BYTES) {
                throw new IllegalArgumentException(component + ": maxBufferedBytes must be >= maxRecordBytes + "
                        + JournalFiles.HEADER_BYTES + " ("
                        + (maxRecordBytes + JournalFiles.HEADER_BYTES)
                        + "), was " + maxBufferedBytes);
            }
            return ActionJournalImpl.open(this);
        }
    }
}
