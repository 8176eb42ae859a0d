package io.ferrite.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cleaned generation on disk: written whole or not at all, found again on open (the newest one, leftovers of
 * a crash removed), looked up by offset across gaps and files, and deleted once retired and let go.
 */
class CleanedLogTest {
    @TempDir
    Path dir;

    /** A CommitLog entry holding a batch of {@code records} records at {@code base}, sealed. */
    private static ByteBuffer entry(long base, int records, long timestamp) {
        ByteBuffer batch = TestBatches.batch("t", records, timestamp);
        RecordBatchHeader.assignOffset(batch, base, 0);
        ByteBuffer e = ByteBuffer.allocate(CommitLogEntry.HEADER_SIZE + batch.remaining());
        CommitLogEntry.writeHead(e, 7, batch);
        e.put(CommitLogEntry.HEADER_SIZE, batch, 0, batch.remaining());
        CommitLogEntry.seal(e);
        return e;
    }

    @Test
    void aGenerationIsFoundByOffsetAcrossGapsAndFilesAndReplacedWhole() throws Exception {
        ByteBuffer first = entry(0, 2, 100);
        int fileBytes = first.remaining() * 2; // two entries per file
        try (CleanedLog.Writer w = new CleanedLog.Writer(dir, 20, fileBytes)) {
            w.append(first, 0, 1, 100);
            w.append(entry(5, 2, 300), 5, 1, 300);
            w.append(entry(10, 2, 200), 10, 1, 200);
            assertThrows(IllegalStateException.class, () -> w.append(entry(8, 1, 0), 8, 0, 0), "out of order");
            CleanedLog c = w.publish();
            assertEquals(20, c.endOffset());
            assertEquals(3, c.batches());
            assertEquals(0, c.indexOf(0));
            assertEquals(1, c.indexOf(2), "an offset in a gap finds the next batch");
            assertEquals(1, c.indexOf(6));
            assertEquals(3, c.indexOf(12), "past the last batch");
            assertEquals(1, c.firstWithRunningMaxAtLeast(250));
            assertEquals(3, c.firstWithRunningMaxAtLeast(301));
            try (Slice s = c.slice(c.entry(2))) {
                assertEquals(10, RecordBatchHeader.baseOffset(s.buffer()), "read from the second file");
            }
            assertTrue(Files.isDirectory(dir.resolve("cleaned-00000000000000000020")));
            c.close();
        }
        // A newer generation, and what a crash could leave: an unfinished one.
        try (CleanedLog.Writer w = new CleanedLog.Writer(dir, 30, fileBytes)) {
            w.append(entry(10, 2, 200), 10, 1, 200);
            w.publish().close();
        }
        Files.createDirectories(dir.resolve("cleaned-00000000000000000040.tmp"));
        CleanedLog opened = CleanedLog.open(dir);
        assertEquals(30, opened.endOffset());
        assertEquals(1, opened.batches());
        assertFalse(Files.exists(dir.resolve("cleaned-00000000000000000020")), "the older generation is gone");
        assertFalse(Files.exists(dir.resolve("cleaned-00000000000000000040.tmp")), "the unfinished one too");

        Slice held = opened.slice(opened.entry(0));
        opened.retire();
        assertNull(opened.slice(opened.entry(0)), "a retired generation hands out nothing new");
        assertTrue(Files.exists(opened.dir()), "kept while a reader holds it");
        assertEquals(10, RecordBatchHeader.baseOffset(held.buffer()));
        held.close();
        assertFalse(Files.exists(opened.dir()), "deleted once the last reader lets go");
        assertNull(CleanedLog.open(dir));
    }

    @Test
    void anUnpublishedGenerationLeavesNothing() throws Exception {
        try (CleanedLog.Writer w = new CleanedLog.Writer(dir, 10, 1 << 20)) {
            w.append(entry(0, 1, 1), 0, 0, 1);
        }
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count());
        }
    }
}
