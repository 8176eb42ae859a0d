package io.ferrite.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MappedFileQueueTest {
    private static final int SIZE = 4096;

    @TempDir
    Path dir;

    private MappedFileQueue queue(boolean ahead) {
        FileAllocator allocator = new FileAllocator(BlockAllocator.DEFAULT, null, 4096, 0);
        return new MappedFileQueue(dir, allocator, new FileAllocator.Spec(SIZE, false, false, false, ahead, true));
    }

    /**
     * A first write into a new file through its mapping: with read-around the fault fills a read-ahead window
     * around the page (zeroes, for blocks never written); without, only the page written.
     */
    @Test
    void withoutReadAroundAFirstWriteBringsInOnlyItsPage() throws Exception {
        int[] resident = new int[2];
        for (boolean readAround : new boolean[] {true, false}) {
            Path sub = Files.createDirectory(dir.resolve("read-around-" + readAround));
            FileAllocator allocator = new FileAllocator(BlockAllocator.DEFAULT, null, 4096, 0);
            MappedFileQueue q = new MappedFileQueue(sub, allocator,
                    new FileAllocator.Spec(1 << 20, false, false, false, false, readAround));
            q.load();
            MappedFile f = q.lastForAppend(0);
            f.putLong(512 * 1024, 42L);
            resident[readAround ? 0 : 1] = f.residentPages();
            q.close();
        }
        assertTrue(resident[1] >= 0, "mincore answers");
        assertEquals(1, resident[1], "without read-around");
        assertTrue(resident[0] > 4, "with read-around, the kernel's default: " + resident[0] + " pages");
    }

    private static void fill(MappedFile f) {
        f.reserve(f.remaining());
        f.advance(f.remaining());
    }

    @Test
    void rollsOverAndFindsFilesByPosition() throws Exception {
        MappedFileQueue q = queue(false);
        q.load();
        MappedFile a = q.lastForAppend(0);
        fill(a);
        MappedFile b = q.lastForAppend(0);
        assertEquals(SIZE, b.fileFromOffset());
        assertSame(a, q.find(4095));
        assertSame(b, q.find(4096));
        assertNull(q.find(8192));
        assertTrue(Files.exists(dir.resolve("00000000000000004096")));
        q.close();
    }

    @Test
    void truncateDeletesLaterFilesAndZeroesThePartOne() throws Exception {
        MappedFileQueue q = queue(false);
        q.load();
        MappedFile a = q.lastForAppend(0);
        a.putLong(100, 42L);
        fill(a);
        MappedFile b = q.lastForAppend(0);
        fill(b);
        q.truncateTo(50, 50, MappedFile.Zeroing.REST);
        assertEquals(1, q.files().size());
        assertEquals(50, q.writePosition());
        assertEquals(0L, a.getLong(100));
        q.close();
        assertFalse(Files.exists(dir.resolve("00000000000000004096")));
    }

    @Test
    void deleteBeforeNeverTakesTheLastFile() throws Exception {
        MappedFileQueue q = queue(false);
        q.load();
        for (int i = 0; i < 3; i++) {
            fill(q.lastForAppend(0));
        }
        assertEquals(2, q.deleteBefore(Long.MAX_VALUE));
        assertEquals(2 * SIZE, q.minPosition());
        q.close();
    }

    @Test
    void loadRefusesAGapBetweenFiles() throws Exception {
        MappedFileQueue q = queue(false);
        q.load();
        for (int i = 0; i < 3; i++) {
            fill(q.lastForAppend(0));
        }
        q.close();
        Files.delete(dir.resolve("00000000000000004096"));
        assertThrows(IOException.class, () -> queue(false).load());
    }
}
