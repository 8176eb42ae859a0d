package io.ferrite.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MappedFileTest {
    private static final int SIZE = 16 * 1024;

    @TempDir
    Path dir;

    private MappedFile create(ByteBuffer writeBuffer, TransientStorePool pool) throws Exception {
        return MappedFile.create(dir.resolve(MappedFile.fileName(SIZE)), SIZE, SIZE, BlockAllocator.DEFAULT,
                writeBuffer, pool, false);
    }

    private static void append(MappedFile f, int size, byte fill) {
        ByteBuffer b = f.reserve(size);
        for (int i = 0; i < size; i++) {
            b.put(i, fill);
        }
        f.advance(size);
    }

    @Test
    void fileIsNamedByItsStartAndFullySized() throws Exception {
        MappedFile f = create(null, null);
        assertEquals("00000000000000016384", f.path().getFileName().toString());
        assertEquals(SIZE, Files.size(f.path()));
        assertFalse(Files.exists(dir.resolve("00000000000000016384.allocating")));
        f.destroy();
    }

    @Test
    void writtenThenFlushedPositionsMove() throws Exception {
        MappedFile f = create(null, null);
        append(f, 100, (byte) 7);
        assertEquals(100, f.wrotePosition());
        assertEquals(100, f.readablePosition());
        assertEquals(0, f.flushedPosition());
        assertEquals(100, f.flush());
        append(f, SIZE - 100, (byte) 1);
        assertTrue(f.isFull());
        assertEquals(SIZE, f.flush());
        f.destroy();
    }

    @Test
    void aHeldSliceKeepsTheFileUntilReleased() throws Exception {
        MappedFile f = create(null, null);
        append(f, 64, (byte) 9);
        Slice s = f.slice(0, 64);
        f.destroy();
        assertTrue(Files.exists(f.path()));
        assertEquals(9, s.buffer().get(63));
        assertNull(f.slice(0, 1), "no new readers once shut down");
        s.close();
        s.close(); // idempotent
        assertFalse(Files.exists(f.path()));
    }

    @Test
    void slicesBeyondTheReadableEndAreRefused() throws Exception {
        MappedFile f = create(null, null);
        append(f, 10, (byte) 1);
        assertThrows(IllegalArgumentException.class, () -> f.slice(5, 6));
        f.destroy();
    }

    @Test
    void pooledWritesBecomeReadableOnlyWhenCommitted() throws Exception {
        try (TransientStorePool pool = new TransientStorePool(1, SIZE, false)) {
            MappedFile f = create(pool.borrowBuffer(), pool);
            assertTrue(f.isPooled());
            assertEquals(0, pool.available());
            append(f, 128, (byte) 5);
            assertEquals(0, f.readablePosition());
            assertEquals(128, f.commit());
            assertEquals(128, f.readablePosition());
            try (Slice s = f.slice(0, 128)) {
                assertEquals(5, s.buffer().get(127));
            }
            append(f, SIZE - 128, (byte) 6);
            f.commit();
            assertEquals(1, pool.available(), "a full, committed file gives its buffer back");
            assertEquals(SIZE, f.flush());
            f.destroy();
        }
    }

    @Test
    void warmingWritesEveryPageUnlessTheFileIsWantedFirst() throws Exception {
        MappedFile f = create(null, null);
        assertEquals(SIZE, f.warm(4096, 2, () -> false));
        assertEquals(0, f.warm(4096, 2, () -> true), "a waiting append stops the warm at once");
        f.destroy();
    }

    @Test
    void reopenedFileKeepsItsBytes() throws Exception {
        MappedFile f = create(null, null);
        append(f, 32, (byte) 3);
        f.flush();
        Path p = f.path();
        f.shutdown();
        MappedFile again = MappedFile.open(p, SIZE);
        assertEquals(3, again.getInt(0) & 0xFF);
        assertThrows(java.io.IOException.class, () -> MappedFile.open(p, SIZE * 2));
        again.shutdown();
        assertNotNull(p);
    }
}
