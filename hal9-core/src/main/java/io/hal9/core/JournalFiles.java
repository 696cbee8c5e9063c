package io.hal9.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files of one {@link ActionJournalImpl}'s directory and their format: segments named by the
 * sequence of their first record ({@code 00000000000000000042.seg}), each a run of records {@code
 * [length:int][crc32c:int][sequence:long][payload]}; the checkpoint (the committed sequence, with a
 * magic number and a checksum, replaced through a rename); the preallocated next segment. Reads them
 * at open (scanning each segment, cutting a torn or corrupt tail after the last good record) and for
 * the replay.
 *
 * <p>Thread safety: none needed; the journal calls it from its constructor, its writer thread, and its
 * owning batcher's flusher for the replay, never two at a time on the same file. Limits: a segment is
 * read whole into the heap, so it must stay under 2 GiB (the journal's segment size is at most 1 GiB);
 * a record longer than {@link #ABSOLUTE_MAX_RECORD} is treated as corrupt.
 */
final class JournalFiles {
    private static final Logger log = LoggerFactory.getLogger(ActionJournal.class);

    /** {@code [length:int][crc32c:int][sequence:long]} before each payload. */
    static final int HEADER_BYTES = 16;
    /** A record longer than this is corrupt whatever the current configuration allows. */
    static final int ABSOLUTE_MAX_RECORD = 16 << 20;

    static final String SEGMENT_SUFFIX = ".seg";
    /** The next segment, filled with zeros and synced ahead of use (never matches {@link #SEGMENT_NAME}). */
    static final String PREALLOCATED = "preallocated.tmp";

    static final Pattern SEGMENT_NAME = Pattern.compile("\\d{20}\\.seg");
    static final String CHECKPOINT = "checkpoint";
    static final long CHECKPOINT_MAGIC = 0x4841_4c39_4350_0001L; // "HAL9CP", version 1

    private final String component;
    private final Path directory;

    JournalFiles(String component, Path directory) {
        this.component = component;
        this.directory = directory;
    }

    /** Where the segment whose first record is {@code firstSequence} lives. */
    Path segmentPath(long firstSequence) {
        return directory.resolve(String.format("%020d", firstSequence) + SEGMENT_SUFFIX);
    }

    /** A scanned segment: its file, the sequence of its last good record, the bytes of damage cut from it. */
    record Scan(Segment segment, long lastSequence, long cutBytes) {}

    /** A segment file: its first sequence and its size in bytes. */
    static final class Segment {
        final long firstSequence;
        final Path path;
        long size;

        Segment(long firstSequence, Path path, long size) {
            this.firstSequence = firstSequence;
            this.path = path;
            this.size = size;
        }
    }

    // ---------------------------------------------------------------- scanning at open

    /** The directory's segment files in sequence order. */
    List<Path> listSegments() {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(p ->
                            SEGMENT_NAME.matcher(p.getFileName().toString()).matches())
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(component + ": cannot list " + directory + ": " + e, e);
        }
    }

    /**
     * Checks every record of a segment and cuts the file after the last good one. Returns null (and
     * deletes the file) when it holds no good record; otherwise the segment, the sequence of its last
     * good record and how many bytes of damage were cut (a preallocated segment's unused zeros are none).
     */
    @Nullable
    Scan scan(Path p) {
        String file = p.getFileName().toString();
        long first = Long.parseLong(file.substring(0, file.length() - SEGMENT_SUFFIX.length()));
        ByteBuffer data;
        long size;
        try {
            size = Files.size(p);
            data = readFully(p, size);
        } catch (IOException e) {
            throw new UncheckedIOException(component + ": cannot read segment " + p + ": " + e, e);
        }
        CRC32C crc = new CRC32C();
        int pos = 0;
        long expected = first;
        String problem = null;
        boolean zeroTail = false;
        long damaged = 0;
        while (pos < size) {
            if (pos + HEADER_BYTES > size) {
                problem = "a header cut short";
                break;
            }
            if (data.getLong(pos) == 0 && data.getLong(pos + 8) == 0) {
                // no record starts with 16 zero bytes (sequences start at 1): the unused rest of a
                // preallocated segment, if all of it is zero; else what a crash left of an unsynced group
                zeroTail = allZero(data, pos, size);
                problem = zeroTail ? null : "zeros followed by unsynced bytes";
                break;
            }
            int len = data.getInt(pos);
            if (len < 0 || len > ABSOLUTE_MAX_RECORD || pos + HEADER_BYTES + (long) len > size) {
                problem = "a record cut short or with a bad length";
                break;
            }
            long seq = data.getLong(pos + 8);
            crc.reset();
            crc.update(data.duplicate().limit(pos + HEADER_BYTES + len).position(pos + 8));
            if (data.getInt(pos + 4) != (int) crc.getValue()) {
                problem = "a checksum mismatch";
                break;
            }
            if (seq != expected) {
                problem = "sequence " + seq + " where " + expected + " was expected";
                break;
            }
            pos += HEADER_BYTES + len;
            expected++;
        }
        if (pos < size) {
            // what is cut and reported: the bytes up to the last one that is not zero (a preallocated segment's
            // unused zeros are no damage)
            long cut = Math.max(0, endOfContent(data, size) - pos);
            if (!zeroTail) {
                damaged = cut;
                log.warn(
                        "{}: segment {} ends in a torn or corrupt record at byte {} ({}); cut {} bytes there",
                        component,
                        p,
                        pos,
                        problem,
                        cut);
            }
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                ch.truncate(pos);
                ch.force(true);
            } catch (IOException e) {
                throw new UncheckedIOException(component + ": cannot cut segment " + p + ": " + e, e);
            }
        }
        if (pos == 0) {
            deleteQuietly(p);
            return null;
        }
        return new Scan(new Segment(first, p, pos), expected - 1, damaged);
    }

    /** One past the last byte of {@code data[0, size)} that is not zero (0 when all are). */
    private static long endOfContent(ByteBuffer data, long size) {
        long i = size;
        while (i >= 8 && data.getLong((int) i - 8) == 0) {
            i -= 8;
        }
        while (i > 0 && data.get((int) i - 1) == 0) {
            i--;
        }
        return i;
    }

    private static boolean allZero(ByteBuffer data, int from, long size) {
        int i = from;
        for (; i + 8 <= size; i += 8) {
            if (data.getLong(i) != 0) {
                return false;
            }
        }
        for (; i < size; i++) {
            if (data.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    static ByteBuffer readFully(Path p, long size) throws IOException {
        if (size > Integer.MAX_VALUE - 8) {
            throw new IOException("segment " + p + " is too large to read (" + size + " bytes)");
        }
        ByteBuffer data = ByteBuffer.allocate((int) size);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            while (data.hasRemaining() && ch.read(data) >= 0) {
                // keep reading
            }
        }
        data.flip();
        return data;
    }

    // ---------------------------------------------------------------- replay

    /**
     * Reads every record after the checkpoint, in sequence order, and hands them to {@code batches} in
     * lists of at most {@code batchSize}. A record that does not decode is skipped and logged.
     *
     * @return the number of records handed over
     */
    <T> long replay(
            List<Segment> replaySegments,
            long checkpointAtOpen,
            JournalCodec<T> codec,
            int batchSize,
            Consumer<List<T>> batches) {
        long handed = 0;
        long skipped = 0;
        List<T> batch = new ArrayList<>(Math.min(batchSize, 4096));
        for (Segment s : replaySegments) {
            ByteBuffer data;
            try {
                data = readFully(s.path, s.size);
            } catch (IOException e) {
                log.error("{}: cannot read segment {} for replay; its records are skipped", component, s.path, e);
                continue;
            }
            int pos = 0;
            while (pos + HEADER_BYTES <= data.limit()) {
                int len = data.getInt(pos);
                long seq = data.getLong(pos + 8);
                int start = pos + HEADER_BYTES;
                pos = start + len;
                if (seq <= checkpointAtOpen) {
                    continue;
                }
                T action;
                try {
                    action = Objects.requireNonNull(
                            codec.decode(data.duplicate().limit(start + len).position(start)), "decoded action");
                } catch (RuntimeException e) {
                    skipped++;
                    log.warn(
                            "{}: record {} of {} does not decode and is skipped: {}",
                            component,
                            seq,
                            s.path,
                            e.toString());
                    continue;
                }
                batch.add(action);
                handed++;
                if (batch.size() >= batchSize) {
                    batches.accept(batch);
                    batch = new ArrayList<>(Math.min(batchSize, 4096));
                }
            }
        }
        if (!batch.isEmpty()) {
            batches.accept(batch);
        }
        if (skipped > 0) {
            log.warn("{}: replay skipped {} records that did not decode", component, skipped);
        }
        return handed;
    }

    // ---------------------------------------------------------------- checkpoint, preallocation, housekeeping

    /** The committed sequence the checkpoint file holds; 0 (replay everything) if it is missing or invalid. */
    long readCheckpoint() {
        Path p = directory.resolve(CHECKPOINT);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(p);
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            log.warn("{}: cannot read {} ({}); replaying every segment", component, p, e.toString());
            return 0;
        }
        if (bytes.length == 20) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            CRC32C crc = new CRC32C();
            crc.update(bytes, 0, 16);
            if (b.getLong(0) == CHECKPOINT_MAGIC && b.getInt(16) == (int) crc.getValue() && b.getLong(8) >= 0) {
                return b.getLong(8);
            }
        }
        log.warn("{}: {} is not a valid checkpoint; replaying every segment", component, p);
        return 0;
    }

    /**
     * Writes {@code committed} to the checkpoint file through a rename; false (logged) if it could not.
     * Not synced: a checkpoint lost to a crash only makes the next start replay more, which the
     * idempotent sink absorbs.
     */
    boolean writeCheckpoint(long committed) {
        ByteBuffer b = ByteBuffer.allocate(20);
        b.putLong(CHECKPOINT_MAGIC).putLong(committed);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, 16);
        b.putInt((int) crc.getValue());
        Path tmp = directory.resolve(CHECKPOINT + ".tmp");
        try {
            Files.write(tmp, b.array());
            try {
                Files.move(
                        tmp,
                        directory.resolve(CHECKPOINT),
                        StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, directory.resolve(CHECKPOINT), StandardCopyOption.REPLACE_EXISTING);
            }
            return true;
        } catch (IOException e) {
            log.warn("{}: cannot write the checkpoint ({}); the next start replays more", component, e.toString());
            return false;
        }
    }

    /** Writes {@link #PREALLOCATED}: {@code segmentBytes} of zeros, synced with its size. */
    Path preallocate(long segmentBytes) throws IOException {
        Path tmp = directory.resolve(PREALLOCATED);
        Files.deleteIfExists(tmp);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer zeros = ByteBuffer.allocateDirect((int) Math.min(1 << 20, segmentBytes));
            long written = 0;
            while (written < segmentBytes) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), segmentBytes - written));
                while (zeros.hasRemaining()) {
                    written += ch.write(zeros);
                }
            }
            ch.force(true);
        }
        return tmp;
    }

    void syncDirectory() {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // not every platform can open a directory; the file's own syncs still hold its data
            log.debug("{}: cannot sync directory {}: {}", component, directory, e.toString());
        }
    }

    void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            log.warn("{}: cannot delete {}: {}", component, p, e.toString());
        }
    }
}
