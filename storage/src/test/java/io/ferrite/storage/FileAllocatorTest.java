package io.ferrite.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileAllocatorTest {
    private static final FileAllocator.Spec SPEC = new FileAllocator.Spec(64 * 1024, true, false, false, true, true);

    @TempDir
    Path dir;

    @Test
    void prefetchedFilesAreMadeByTheServiceStepAndTakenReady() {
        FileAllocator a = new FileAllocator(BlockAllocator.DEFAULT, null, 4096, 4);
        Path p = dir.resolve(MappedFile.fileName(0));
        a.prefetch(p, 0, SPEC);
        a.prefetch(p, 0, SPEC); // asked twice, made once
        assertFalse(Files.exists(p));
        assertEquals(1, a.doWork());
        assertEquals(0, a.doWork());
        assertTrue(Files.exists(p));
        MappedFile f = a.take(p, 0, SPEC, true);
        assertEquals(0, f.fileFromOffset());
        f.destroy();
    }

    @Test
    void aQueueRollingOverHasTheNextFileQueued() throws Exception {
        FileAllocator a = new FileAllocator(BlockAllocator.DEFAULT, null, 4096, 0);
        MappedFileQueue q = new MappedFileQueue(dir, a, SPEC);
        q.load();
        q.lastForAppend(0);
        assertEquals(1, a.doWork(), "file after the first was queued");
        assertTrue(Files.exists(dir.resolve(MappedFile.fileName(SPEC.fileSize()))));
        q.close();
        a.onClose();
        assertFalse(Files.exists(dir.resolve(MappedFile.fileName(SPEC.fileSize()))), "never-used files are removed");
    }

    @Test
    void aFullDiskIsATypedFailureAndALaterTryCanSucceed() {
        AtomicBoolean full = new AtomicBoolean(true);
        BlockAllocator blocks = (file, ch, off, len) -> {
            if (full.get()) {
                throw new IOException("No space left on device");
            }
            BlockAllocator.DEFAULT.allocate(file, ch, off, len);
        };
        FileAllocator a = new FileAllocator(blocks, null, 4096, 0);
        Path p = dir.resolve(MappedFile.fileName(0));
        StoreException e = assertThrows(StoreException.class, () -> a.take(p, 0, SPEC, true));
        assertEquals(StoreException.Category.DISK_FULL, e.category());
        assertFalse(Files.exists(p));
        assertFalse(Files.exists(dir.resolve(p.getFileName() + ".allocating")));
        full.set(false);
        a.take(p, 0, SPEC, true).destroy();
    }

    @Test
    void fallocateReservesTheWholeLength() throws Exception {
        Path p = Files.createFile(dir.resolve("f"));
        if (NativeIO.fallocate(p, 1 << 20)) {
            assertEquals(1 << 20, Files.size(p));
        }
    }

    @Test
    void aDeletedFileLetGoOfOnAnotherThreadIsUnmappedAndUnlinkedOnTheServiceThread() throws Exception {
        FileAllocator a = new FileAllocator(BlockAllocator.DEFAULT, null, 4096, 0);
        ServiceRunner runner = new ServiceRunner(a, 1000, t -> { });
        a.attach(runner);
        runner.start();
        try {
            Path p = dir.resolve(MappedFile.fileName(0));
            MappedFile f = a.take(p, 0, SPEC, true);
            Slice held = f.slice(0, 0); // a reader's reference, as a fetch response holds one
            AtomicReference<String> freedOn = new AtomicReference<>();
            f.destroy(work -> a.free(() -> {
                freedOn.set(Thread.currentThread().getName());
                work.run();
            }));
            assertTrue(Files.exists(p), "still held");
            Thread reader = new Thread(held::close, "a-network-thread"); // the last reference goes there
            reader.start();
            reader.join();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (Files.exists(p) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertFalse(Files.exists(p));
            assertEquals(a.roleName(), freedOn.get());
        } finally {
            runner.close();
        }
    }
}
