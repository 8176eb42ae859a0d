package io.ferrite.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsumeQueueTest {
    private static final int ENTRIES = 256;

    @TempDir
    Path dir;

    private ConsumeQueue open(long commitLogLimit) throws Exception {
        FileAllocator allocator = new FileAllocator(BlockAllocator.DEFAULT, null, 4096, 0);
        ConsumeQueue q = new ConsumeQueue(new MappedFileQueue(dir, allocator,
                new FileAllocator.Spec(ENTRIES * ConsumeQueue.ENTRY_SIZE, false, false, false, false, false)));
        q.load(commitLogLimit);
        return q;
    }

    /** Batches of 10 records at positions 100 bytes apart. */
    private static void add(ConsumeQueue q, int batches, long[] timestamps) {
        for (int i = 0; i < batches; i++) {
            q.ensureCapacity();
            q.append(i * 10L, i * 100L, 100, 9, timestamps == null ? 1000 + i : timestamps[i]);
        }
    }

    @Test
    void findsTheBatchHoldingAnOffsetAcrossFiles() throws Exception {
        ConsumeQueue q = open(Long.MAX_VALUE);
        add(q, 1000, null);
        assertEquals(0, q.indexOf(0, 0));
        assertEquals(0, q.indexOf(9, 0));
        assertEquals(1, q.indexOf(10, 0));
        assertEquals(600, q.indexOf(6005, 0));
        assertEquals(999, q.indexOf(1_000_000, 0));
        assertEquals(-1, q.indexOf(-1, 0));
        assertEquals(300, q.firstIndexAtOrAfterPosition(29_999, 0));
        assertEquals(4, q.files().files().size());
        q.close();
    }

    @Test
    void timestampSearchHandlesOutOfOrderTimestamps() throws Exception {
        ConsumeQueue q = open(Long.MAX_VALUE);
        long[] ts = {100, 500, 200, 300, 600, 50, 700};
        add(q, ts.length, ts);
        // The first batch whose own max timestamp is >= T, not the first after a sorted position.
        assertEquals(1, q.firstIndexWithRunningMaxAtLeast(250, 0));
        assertEquals(1, q.firstIndexWithRunningMaxAtLeast(500, 0));
        assertEquals(4, q.firstIndexWithRunningMaxAtLeast(550, 0));
        assertEquals(6, q.firstIndexWithRunningMaxAtLeast(650, 0));
        assertEquals(-1, q.firstIndexWithRunningMaxAtLeast(701, 0));
        assertEquals(0, q.firstIndexWithRunningMaxAtLeast(Long.MIN_VALUE, 0));
        q.close();
    }

    @Test
    void loadDropsEntriesAtOrPastTheCommitLogLimit() throws Exception {
        ConsumeQueue q = open(Long.MAX_VALUE);
        add(q, 300, null);
        q.flush();
        q.close();
        ConsumeQueue again = open(200 * 100L); // entries whose bytes end after position 20000 are not trusted
        assertEquals(200, again.endIndex());
        assertEquals(1990, again.entry(199).baseOffset());
        assertNull(again.entry(200));
        again.ensureCapacity();
        again.append(2000, 20_000, 100, 9, 5000);
        assertEquals(201, again.endIndex());
        again.close();
    }

    @Test
    void loadCutsEntriesPastTheLimitEvenManyFilesBack() throws Exception {
        ConsumeQueue q = open(Long.MAX_VALUE);
        add(q, 700, null); // three files
        q.flush();
        q.close();
        ConsumeQueue again = open(100 * 100L);
        assertEquals(100, again.endIndex());
        assertEquals(1, again.files().files().size());
        again.close();
        assertEquals(100, open(Long.MAX_VALUE).endIndex(), "the cut entries were zeroed, not just skipped");
    }

    @Test
    void loadStopsAtAnEntryThatDoesNotFollowItsPredecessor() throws Exception {
        ConsumeQueue q = open(Long.MAX_VALUE);
        add(q, 10, null);
        q.append(5, 2000, 100, 9, 2000); // offset goes backwards: a torn or stale entry
        q.append(200, 3000, 100, 9, 2000);
        q.flush();
        q.close();
        assertEquals(10, open(Long.MAX_VALUE).endIndex());
    }

    @Test
    void headFilesBeforeAnIndexAreDeleted() throws Exception {
        ConsumeQueue q = open(Long.MAX_VALUE);
        add(q, 600, null);
        q.deleteBefore(520);
        assertEquals(512, q.startIndex());
        assertNull(q.entry(100));
        assertEquals(5120, q.entry(512).baseOffset());
        assertEquals(512, q.indexOf(5125, 0));
        assertEquals(-1, q.indexOf(100, 0), "offsets in deleted files are not found");
        q.close();
    }
}
