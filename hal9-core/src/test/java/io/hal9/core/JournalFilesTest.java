package io.hal9.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalFilesTest {
    @TempDir
    Path dir;

    private static final JournalCodec<String> CODEC = new JournalCodec<>() {
        @Override
        public void encode(String action, ByteBuffer out) {
            out.put(action.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String decode(ByteBuffer in) {
            byte[] b = new byte[in.remaining()];
            in.get(b);
            return new String(b, StandardCharsets.UTF_8);
        }
    };

    /** One record in the journal's format: [length][crc32c of sequence and payload][sequence][payload]. */
    private static byte[] record(long sequence, String payload) {
        byte[] p = payload.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(JournalFiles.HEADER_BYTES + p.length);
        b.putInt(p.length).putInt(0).putLong(sequence).put(p);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 8, 8 + p.length);
        b.putInt(4, (int) crc.getValue());
        return b.array();
    }

    private Path segment(JournalFiles files, long first, byte[]... parts) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        Path p = files.segmentPath(first);
        Files.write(p, out.toByteArray());
        return p;
    }

    @Test
    void aTornTailIsCutAfterTheLastGoodRecordAndCounted() throws IOException {
        JournalFiles files = new JournalFiles("journal 'test'", dir);
        byte[] third = record(3, "c");
        byte[] torn = java.util.Arrays.copyOf(third, third.length - 1);
        Path p = segment(files, 1, record(1, "a"), record(2, "bb"), torn);

        JournalFiles.Scan scan = files.scan(p);

        assertThat(scan).isNotNull();
        assertThat(scan.lastSequence()).isEqualTo(2);
        assertThat(scan.cutBytes()).isEqualTo(torn.length);
        assertThat(scan.segment().size).isEqualTo(Files.size(p)).isEqualTo(2L * JournalFiles.HEADER_BYTES + 3);
    }

    @Test
    void aPreallocatedSegmentsUnusedZerosAreNoDamage() throws IOException {
        JournalFiles files = new JournalFiles("journal 'test'", dir);
        Path p = segment(files, 5, record(5, "x"), new byte[4096]);

        JournalFiles.Scan scan = files.scan(p);

        assertThat(scan).isNotNull();
        assertThat(scan.lastSequence()).isEqualTo(5);
        assertThat(scan.cutBytes()).isZero();
    }

    @Test
    void aSegmentWithoutOneGoodRecordIsDeleted() throws IOException {
        JournalFiles files = new JournalFiles("journal 'test'", dir);
        byte[] bad = record(7, "y");
        bad[5] ^= 1; // checksum no longer matches
        Path p = segment(files, 7, bad);

        assertThat(files.scan(p)).isNull();
        assertThat(p).doesNotExist();
    }

    @Test
    void segmentsAreListedInSequenceOrderWithoutTheOtherFiles() throws IOException {
        JournalFiles files = new JournalFiles("journal 'test'", dir);
        Path later = segment(files, 10, record(10, "j"));
        Path first = segment(files, 1, record(1, "a"));
        Files.write(dir.resolve(JournalFiles.PREALLOCATED), new byte[16]);
        Files.write(dir.resolve("lock"), new byte[0]);

        assertThat(files.listSegments()).containsExactly(first, later);
    }

    @Test
    void theCheckpointRoundTripsAndAnInvalidOneMeansReplayEverything() throws IOException {
        JournalFiles files = new JournalFiles("journal 'test'", dir);
        assertThat(files.readCheckpoint()).isZero();

        assertThat(files.writeCheckpoint(41)).isTrue();
        assertThat(files.readCheckpoint()).isEqualTo(41);

        Path checkpoint = dir.resolve(JournalFiles.CHECKPOINT);
        byte[] bytes = Files.readAllBytes(checkpoint);
        bytes[9] ^= 1;
        Files.write(checkpoint, bytes);
        assertThat(files.readCheckpoint()).isZero();
    }

    @Test
    void replayHandsOverTheRecordsAfterTheCheckpointInBatchesAndSkipsUndecodableOnes() throws IOException {
        JournalFiles files = new JournalFiles("journal 'test'", dir);
        segment(files, 1, record(1, "a"), record(2, "b"), record(3, "c"));
        segment(files, 4, record(4, "d"), record(5, "e"));
        List<JournalFiles.Segment> segments = new ArrayList<>();
        for (Path p : files.listSegments()) {
            segments.add(files.scan(p).segment());
        }
        JournalCodec<String> failsOnD = new JournalCodec<>() {
            @Override
            public void encode(String action, ByteBuffer out) {
                CODEC.encode(action, out);
            }

            @Override
            public String decode(ByteBuffer in) {
                String s = CODEC.decode(in);
                if (s.equals("d")) {
                    throw new IllegalArgumentException("undecodable");
                }
                return s;
            }
        };
        List<List<String>> batches = new ArrayList<>();

        long handed = files.replay(segments, 1, failsOnD, 2, batches::add);

        assertThat(handed).isEqualTo(3);
        assertThat(batches).containsExactly(List.of("b", "c"), List.of("e"));
    }
}
