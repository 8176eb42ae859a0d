package io.ferrite.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.ferrite.storage.AbortedTransactionIndex.Entry;
import io.ferrite.storage.ProducerStateTable.AbortedTransaction;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The aborted-transaction index: what a read_committed range is told matches a plain scan of the aborts; the
 * file survives a reopen as written, and a lost, cut or damaged file is rebuilt from the log.
 */
class AbortedTransactionIndexTest {
    private static final PartitionKey P = new PartitionKey("t", 0);

    @TempDir
    Path dir;

    private static ByteBuffer transactional(long producerId, int sequence) {
        return MemoryRecords.withTransactionalRecords(Compression.NONE, producerId, (short) 0, sequence,
                new SimpleRecord(1_700_000_000_000L, null, "v".getBytes(StandardCharsets.UTF_8))).buffer();
    }

    private static ByteBuffer marker(long producerId, ControlRecordType type) {
        return MemoryRecords.withEndTransactionMarker(1_700_000_000_000L, producerId, (short) 0,
                new EndTransactionMarker(type, 0)).buffer();
    }

    /**
     * Random interleaved transactions of eight producers, some aborted, written through a real store: each
     * range's answer is what a plain filter of every abort gives, also after a reopen.
     */
    @Test
    void rangesAreAnsweredAsAPlainScanWouldAnswerThem() throws Exception {
        Random random = new Random(42);
        List<AbortedTransaction> all = new ArrayList<>();
        long end;
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            store.createPartition(P);
            long[] first = new long[8];
            int[] sequence = new int[8];
            java.util.Arrays.fill(first, -1);
            for (int i = 0; i < 600; i++) {
                int pid = random.nextInt(8);
                if (first[pid] >= 0 && random.nextInt(4) == 0) {
                    boolean abort = random.nextBoolean();
                    long at = store.append(P, marker(pid, abort ? ControlRecordType.ABORT : ControlRecordType.COMMIT),
                            0, false).get().baseOffset();
                    if (abort) {
                        all.add(new AbortedTransaction(pid, first[pid], at));
                    }
                    first[pid] = -1;
                } else {
                    long at = store.append(P, transactional(pid, sequence[pid]++), 0, false, true).get().baseOffset();
                    if (first[pid] < 0) {
                        first[pid] = at;
                    }
                }
            }
            end = store.logEndOffset(P);
            check(store, all, end, random);
        }
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            check(store, all, end, random);
        }
    }

    private static void check(Store store, List<AbortedTransaction> all, long end, Random random) {
        for (int i = 0; i < 500; i++) {
            long from = random.nextLong(end + 1);
            long upTo = from + random.nextLong(end - from + 1);
            upTo = Math.min(upTo, store.lastStableOffset(P));
            long f = from;
            long u = upTo;
            List<AbortedTransaction> expected = all.stream()
                    .filter(a -> a.lastOffset() >= f && a.firstOffset() < u).toList();
            assertEquals(expected, store.abortedTransactions(P, from, upTo), "range " + from + " to " + upTo);
        }
    }

    private Path indexFile() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.getFileName().toString().equals(AbortedTransactionIndex.FILE)).findFirst()
                    .orElseThrow();
        }
    }

    /** Two aborted transactions; returns what they are. */
    private List<AbortedTransaction> writeTwoAborts() throws Exception {
        try (Store store = TestBatches.open(dir, FlushMode.SYNC)) {
            store.createPartition(P);
            store.append(P, transactional(1, 0), 0, false, true).get();                 // 0
            store.append(P, marker(1, ControlRecordType.ABORT), 0, false).get();        // 1
            store.append(P, transactional(2, 0), 0, false, true).get();                 // 2
            store.append(P, marker(2, ControlRecordType.ABORT), 0, false).get();        // 3
            return store.abortedTransactions(P, 0, 4);
        }
    }

    @Test
    void aLostCutOrDamagedIndexIsRebuiltFromTheLog() throws Exception {
        List<AbortedTransaction> written = writeTwoAborts();
        assertEquals(List.of(new AbortedTransaction(1, 0, 1), new AbortedTransaction(2, 2, 3)), written);
        Path file = indexFile();
        assertEquals(2L * AbortedTransactionIndex.ENTRY_SIZE, Files.size(file));
        byte[] intact = Files.readAllBytes(file);

        Files.delete(file);
        try (Store store = TestBatches.open(dir, FlushMode.SYNC)) {
            assertEquals(written, store.abortedTransactions(P, 0, 4), "a lost index");
        }
        assertEquals(java.util.Arrays.toString(intact), java.util.Arrays.toString(Files.readAllBytes(file)),
                "rebuilt byte for byte");

        try (var ch = Files.newByteChannel(file, StandardOpenOption.WRITE)) {
            ch.truncate(AbortedTransactionIndex.ENTRY_SIZE + 10); // a power failure cut the second entry
        }
        try (Store store = TestBatches.open(dir, FlushMode.SYNC)) {
            assertEquals(written, store.abortedTransactions(P, 0, 4), "a cut index");
        }

        byte[] damaged = Files.readAllBytes(file);
        damaged[5] ^= 0x10; // a flipped bit in the first entry
        Files.write(file, damaged);
        assertNull(AbortedTransactionIndex.decode(ByteBuffer.wrap(damaged)));
        try (Store store = TestBatches.open(dir, FlushMode.SYNC)) {
            assertEquals(written, store.abortedTransactions(P, 0, 4), "a damaged index");
        }
        assertEquals(java.util.Arrays.toString(intact), java.util.Arrays.toString(Files.readAllBytes(file)));
    }

    @Test
    void anEntryReadsBackAsWritten() {
        Entry e = new Entry(new AbortedTransaction(Long.MAX_VALUE, 3, 1L << 40), 12);
        assertEquals(e, AbortedTransactionIndex.decode(AbortedTransactionIndex.encode(e)));
        assertEquals(AbortedTransactionIndex.ENTRY_SIZE, AbortedTransactionIndex.encode(e).remaining());
    }

    @Test
    void aDeletedPartitionTakesItsIndexAlong() throws Exception {
        writeTwoAborts();
        Path file = indexFile();
        try (Store store = TestBatches.open(dir, FlushMode.SYNC)) {
            store.deletePartition(P);
        }
        assertEquals(false, Files.exists(file));
    }
}
