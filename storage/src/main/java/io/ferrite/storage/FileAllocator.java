package io.ferrite.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The preallocation service: creates files ahead of need on its own thread, so the append path finds the
 * next file ready. Creating a file means allocating its disk blocks, mapping it, and (for files that ask
 * for it) warming every page, madvise(WILLNEED), mlock, and attaching a pooled write buffer.
 *
 * <p>{@link #prefetch} queues a file and returns at once; {@link #take} returns the file, waiting only if
 * preallocation has not caught up. A full disk fails the request with {@link StoreException.Category#DISK_FULL}.
 *
 * <p>The same thread unmaps and unlinks deleted files ({@link #free}) once their last reader lets go.
 */
final class FileAllocator implements Agent {
    private static final Logger LOG = LogManager.getLogger(FileAllocator.class);
    private static final long TAKE_TIMEOUT_SECONDS = 30;

    /**
     * How a queue wants its files made.
     *
     * @param aheadOnRoll queue the file after next whenever a queue rolls to a new file
     * @param readAround  let a page fault in the mapping read the pages around it too (the kernel's default);
     *                    off for files touched a few bytes at a time, where every first fault would otherwise
     *                    fill a whole read-ahead window, zeroing it where the file has not been written yet
     * @param stepped     allocate the file's blocks in steps as it fills rather than whole (see {@link MappedFile}):
     *                    for index files, thousands of which may each hold only a few entries
     */
    record Spec(int fileSize, boolean warm, boolean mlock, boolean usePool, boolean aheadOnRoll, boolean readAround,
                boolean stepped) {
        Spec(int fileSize, boolean warm, boolean mlock, boolean usePool, boolean aheadOnRoll, boolean readAround) {
            this(fileSize, warm, mlock, usePool, aheadOnRoll, readAround, false);
        }
    }

    private record Request(Path path, long fromOffset, Spec spec, CompletableFuture<MappedFile> result,
                           AtomicBoolean wanted) {
        Request(Path path, long fromOffset, Spec spec) {
            this(path, fromOffset, spec, new CompletableFuture<>(), new AtomicBoolean());
        }
    }

    private final BlockAllocator blocks;
    private final TransientStorePool pool;
    private final int pageSize;
    private final int warmFlushPages;
    private final ConcurrentHashMap<Path, Request> requests = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Request> pending = new ConcurrentLinkedQueue<>();
    /** Unmaps and unlinks of deleted files, handed over by whichever thread let go of them last. */
    private final ConcurrentLinkedQueue<Runnable> frees = new ConcurrentLinkedQueue<>();
    private volatile ServiceRunner runner;
    private volatile boolean closed;

    FileAllocator(BlockAllocator blocks, TransientStorePool pool, int pageSize, int warmFlushPages) {
        this.blocks = blocks;
        this.pool = pool;
        this.pageSize = pageSize;
        this.warmFlushPages = warmFlushPages;
    }

    /** Reserves the blocks of the files this service makes, and of stepped files' later ranges. */
    BlockAllocator blocks() {
        return blocks;
    }

    @Override
    public String roleName() {
        return "ferrite-file-allocator";
    }

    /** Lets {@link #prefetch} wake the service thread; without a runner, requests wait for {@link #take}. */
    void attach(ServiceRunner runner) {
        this.runner = runner;
    }

    /** Queues the creation of a file if it is not queued yet. Never blocks. */
    void prefetch(Path path, long fromOffset, Spec spec) {
        Request r = requests.compute(path, (p, existing) -> {
            if (existing != null && !existing.result.isCompletedExceptionally()) {
                return existing;
            }
            // New, or an earlier try failed (say on a full disk): try afresh, there may be room now.
            Request req = new Request(p, fromOffset, spec);
            pending.add(req);
            return req;
        });
        ServiceRunner sr = runner;
        if (sr != null && !r.result.isDone()) {
            sr.wakeUp();
        }
    }

    /**
     * Returns the file. If the service has not started on it yet (it may be busy warming a large file), the
     * caller makes it itself rather than queue behind that work.
     *
     * @param cutWarmShort stop a warm under way (or skip it) so the caller need not wait for it; the rest of
     *                     the file stays unwarmed. A queue's very first file is warmed whole instead.
     */
    MappedFile take(Path path, long fromOffset, Spec spec, boolean cutWarmShort) {
        prefetch(path, fromOffset, spec);
        Request r = requests.get(path);
        if (cutWarmShort) {
            r.wanted.set(true);
        }
        if (pending.contains(r)) {
            serve(r);
        }
        try {
            MappedFile f = r.result.get(TAKE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            requests.remove(path, r);
            return f;
        } catch (ExecutionException e) {
            requests.remove(path, r);
            Throwable c = e.getCause();
            throw c instanceof StoreException se ? se
                    : new StoreException(StoreException.Category.IO, "creating file failed", path, -1, c);
        } catch (TimeoutException e) {
            throw new StoreException(StoreException.Category.IO, "file creation took over "
                    + TAKE_TIMEOUT_SECONDS + " s", path, -1, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException(StoreException.Category.IO, "interrupted waiting for a file", path, -1, e);
        }
    }

    /** Drops requests for files in {@code dir}, deleting any already made: their queue is going away. */
    void cancelUnder(Path dir) {
        for (Request r : requests.values()) {
            if (r.path.getParent().equals(dir) && requests.remove(r.path, r)) {
                pending.remove(r);
                r.result.thenAccept(MappedFile::destroy);
            }
        }
    }

    /**
     * Runs a deleted file's unmap and unlink on the service thread (after any file it is making), not on the
     * caller's: that may be an event loop. Runs it at once if the service is not running.
     */
    void free(Runnable unmapAndDelete) {
        ServiceRunner sr = runner;
        if (sr == null || closed) {
            unmapAndDelete.run();
            return;
        }
        frees.add(unmapAndDelete);
        sr.wakeUp();
        if (closed && frees.remove(unmapAndDelete)) { // the service stopped meanwhile, maybe before draining
            unmapAndDelete.run();
        }
    }

    private int drainFrees() {
        int n = 0;
        for (Runnable r = frees.poll(); r != null; r = frees.poll()) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.warn("releasing a deleted file failed", e);
            }
            n++;
        }
        return n;
    }

    @Override
    public int doWork() {
        int freed = drainFrees();
        Request r = pending.poll();
        if (r == null) {
            return freed;
        }
        serve(r);
        return freed + 1;
    }

    private void serve(Request r) {
        synchronized (r) { // the service thread and a taking thread may both reach a request
            pending.remove(r);
            if (r.result.isDone()) {
                return;
            }
            long start = System.nanoTime();
            ByteBuffer writeBuffer = r.spec.usePool && pool != null ? pool.borrowBuffer() : null;
            try {
                MappedFile f = MappedFile.create(r.path, r.fromOffset, r.spec.fileSize, blocks, writeBuffer, pool,
                        r.spec.mlock, r.spec.stepped);
                if (r.spec.warm) {
                    f.warm(pageSize, warmFlushPages, r.wanted::get);
                }
                LOG.debug("created {} in {} ms", r.path, (System.nanoTime() - start) / 1_000_000);
                r.result.complete(f);
            } catch (IOException | RuntimeException e) {
                if (writeBuffer != null) {
                    pool.returnBuffer(writeBuffer);
                }
                StoreException se = e instanceof IOException io ? StoreException.fromIo("cannot create file", r.path, io)
                        : new StoreException(StoreException.Category.IO, "cannot create file", r.path, -1, e);
                LOG.warn("{}", se.getMessage());
                r.result.completeExceptionally(se);
            }
        }
    }

    /** Closes files created ahead but never taken, and deletes them: they hold nothing. */
    @Override
    public void onClose() {
        closed = true;
        drainFrees();
        for (Request r : requests.values()) {
            r.result.thenAccept(MappedFile::destroy);
        }
        requests.clear();
        pending.clear();
    }
}
