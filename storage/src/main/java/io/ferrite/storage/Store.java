package io.ferrite.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The store: opens the files, recovers, starts the background services, and offers append, read and
 * partition management. It wires components together and holds no storage logic of its own.
 *
 * <p>Layout under the data directory: {@code commitlog/} (the shared log), {@code consumequeue/<id>/}
 * (one index per partition), {@code checkpoint}, and {@code abort} while the store is open.
 * See docs/STORAGE.md for each file's format.
 *
 * <p>Thread safety: every public method may be called from any thread. None waits for disk except those
 * that write the checkpoint: creating and deleting partitions, {@link #startAt}, {@link #truncate} and
 * {@link #persistLogStarts}.
 */
public final class Store implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(Store.class);
    static final String ABORT_FILE = "abort";
    /** The longest a store waits after opening before its first retention pass (Kafka's initial task delay). */
    static final long FIRST_RETENTION_DELAY_MS = 30_000;

    /** Replaced as a whole by {@link #reconfigure}; the settings that cannot change stay as opened. */
    private volatile StoreConfig config;
    private final Path root;
    private final TransientStorePool pool;
    private final FileAllocator allocator;
    private final CommitLog commitLog;
    private final Partitions partitions;
    private final LogReader reader;
    private final LeaderEpochs epochs;
    private final GroupCommitService groupCommit;
    private final Recovery.Report recovery;
    private final boolean recoveredFromCrash;
    /** Every service thread; read by {@link #view} from any thread, changed when the cleaners restart. */
    private final List<ServiceRunner> services = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final ServiceRunner commitRunner;
    private final RetentionService retention;
    private final List<CleanerService> cleaners = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Held while settings change; not the store's monitor, which a failing service thread takes. */
    private final Object reconfiguring = new Object();
    private final List<ServiceRunner> cleanerRunners = new ArrayList<>(); // guarded by reconfiguring
    private final ServiceRunner flushRunner;
    private final DiskMonitor diskMonitor; // null when a full disk deletes the oldest file instead
    private final MappedFileQueue logFiles;
    private final RecordCleaning cleaning;
    private final Clock clock;
    private volatile StoreException failure;
    private volatile Consumer<StoreException> failureListener;
    private volatile boolean closed;
    private volatile StoreObserver observer = StoreObserver.NONE;

    private Store(StoreConfig config, Clock clock, BlockAllocator blocks, Collection<PartitionKey> pinned,
                  RecordCleaning cleaning) throws IOException {
        this.config = config;
        this.root = config.dataDir();
        Files.createDirectories(root);
        Path abort = root.resolve(ABORT_FILE);
        this.recoveredFromCrash = Files.exists(abort);
        if (recoveredFromCrash) {
            LOG.warn("{} was not closed cleanly: recovering from the last checkpoint", root);
        }
        Checkpoint cp = readPartitionTable(root);
        boolean tableRebuilt = !cp.partitions().isEmpty() && !Files.exists(root.resolve(Checkpoint.FILE));
        this.pool = config.transientStorePoolEnabled()
                ? new TransientStorePool(config.transientStorePoolBuffers(), config.commitLogFileSize(), true)
                : null;
        this.allocator = new FileAllocator(blocks, pool, StoreConfig.PAGE_SIZE, config.warmFlushPages());
        this.clock = clock;
        this.cleaning = cleaning;
        MappedFileQueue logFiles = new MappedFileQueue(root.resolve("commitlog"), allocator,
                new FileAllocator.Spec(config.commitLogFileSize(), config.warmFiles(), config.mlock(),
                        pool != null, true, true));
        logFiles.load();
        this.logFiles = logFiles;
        this.commitLog = new CommitLog(logFiles, clock, config.appendIntoMapping());
        // ConsumeQueues are written 32 bytes at a time, through their mappings: no read-around, and their blocks
        // allocated as they fill, so thousands of partitions with a few batches each hold a page each (see Spec).
        this.partitions = new Partitions(root, allocator, new FileAllocator.Spec(
                config.consumeQueueEntriesPerFile() * ConsumeQueue.ENTRY_SIZE, false, false, false, false, false, true));
        partitions.load(cp);
        this.recovery = Recovery.run(commitLog, partitions, cp, recoveredFromCrash);
        if (tableRebuilt) { // log starts were in the lost checkpoint: each starts at its first batch left
            for (PartitionLog p : partitions.all()) {
                ConsumeQueue q = p.queue();
                CleanedLog c = p.cleaned();
                ConsumeQueue.Entry first = c != null ? (c.batches() > 0 ? c.entry(0) : null)
                        : q.startIndex() < q.endIndex() ? q.entry(q.startIndex()) : null;
                if (first != null && first.baseOffset() > p.logStartOffset()) {
                    p.truncateHead(first.baseOffset());
                }
            }
        }
        // What recovery re-indexed, and CommitLog bytes it found only in the page cache, go to disk before a
        // checkpoint may count them.
        flushAllAndCheckpoint();
        Files.write(abort, new byte[0]);
        MappedFile.fsyncDirectory(root);
        this.reader = new LogReader(logFiles, config.readVerifyCrc());
        this.epochs = new LeaderEpochs(logFiles);

        boolean sync = config.flushMode() == FlushMode.SYNC;
        ServiceRunner allocatorRunner = new ServiceRunner(allocator, 1000, this::serviceDied);
        allocator.attach(allocatorRunner);
        services.add(allocatorRunner.start());
        this.groupCommit = sync
                ? new GroupCommitService(commitLog, pool != null, config.groupCommitGatherMicros(), this::fail,
                        this::observer) : null;
        if (sync) {
            ServiceRunner r = new ServiceRunner(groupCommit, 10, this::serviceDied);
            groupCommit.attach(r);
            services.add(r.start());
        }
        this.commitRunner = pool != null && !sync
                ? new ServiceRunner(new CommitService(commitLog), config.commitIntervalMs(), this::serviceDied).start()
                : null;
        if (commitRunner != null) {
            services.add(commitRunner);
        }
        this.flushRunner = new ServiceRunner(new FlushService(commitLog, partitions, !sync,
                config.releaseFlushedPages(), this::fail, this::observer), config.flushIntervalMs(), this::serviceDied);
        services.add(flushRunner.start());
        // Pinned before retention's first pass.
        partitions.create(pinned);
        for (PartitionKey k : pinned) {
            partitions.require(k).pin();
        }
        this.retention = new RetentionService(commitLog, partitions, config, clock);
        // Not at once: partitions get their retention from their topics' configs only once the broker has read
        // them, and until then the default would apply (and could delete what a topic keeps longer). Kafka's
        // first retention pass waits too.
        services.add(new ServiceRunner(retention, config.retentionCheckIntervalMs(), this::serviceDied)
                .delayFirstRun(Math.min(config.retentionCheckIntervalMs(), FIRST_RETENTION_DELAY_MS)).start());
        this.diskMonitor = config.diskFullDeletesOldest() ? null
                : new DiskMonitor(commitLog, config.maxDiskUsedRatio());
        if (diskMonitor != null) {
            services.add(new ServiceRunner(diskMonitor, 1000, this::serviceDied).start());
        }
        startCleaners(config.cleaner());
    }

    /** The cleaner threads of {@code cc} (none when it is off, or nothing says how to clean records). */
    private void startCleaners(CleanerConfig cc) {
        if (!cc.enable() || cleaning == null) {
            return;
        }
        Set<PartitionLog> busy = CleanerService.sharedBusySet();
        Map<PartitionLog, Long> failed = new ConcurrentHashMap<>();
        for (int n = 0; n < cc.threads(); n++) {
            Cleaner c = new Cleaner(logFiles, partitions, cleaning, cc.mapBytesPerThread(), cc.loadFactor(),
                    new Throttler(cc.ioMaxBytesPerSecond()), config.commitLogFileSize(), clock);
            CleanerService s = new CleanerService(n, partitions, c, busy, failed, clock);
            ServiceRunner r = new ServiceRunner(s, cc.backoffMs(), this::serviceDied);
            cleaners.add(s);
            cleanerRunners.add(r);
            services.add(r.start());
        }
    }

    /**
     * Takes the settings of {@code next} that can change under a running store: the flush interval, the group
     * commit's gather time, the disk-use ratio, the file age limit and the default retention, whether reads check
     * CRCs, and the cleaner's settings (its threads end their pass and start again with them). The others are
     * the store's as opened, whatever {@code next} says.
     */
    public void reconfigure(StoreConfig next) {
        synchronized (reconfiguring) {
            checkNotClosed();
            reconfigureHeld(next);
        }
    }

    private void reconfigureHeld(StoreConfig next) {
        StoreConfig before = config;
        flushRunner.idleMillis(next.flushIntervalMs());
        if (groupCommit != null) {
            groupCommit.gatherMicros(next.groupCommitGatherMicros());
        }
        if (diskMonitor != null) {
            diskMonitor.maxUsedRatio(next.maxDiskUsedRatio());
        }
        retention.reconfigure(next);
        reader.verifyCrc(next.readVerifyCrc());
        config = before.withRunningSettings(next);
        if (!next.cleaner().equals(before.cleaner())) {
            for (ServiceRunner r : cleanerRunners) {
                r.requestStop();
            }
            for (ServiceRunner r : cleanerRunners) {
                r.close();
                services.remove(r);
            }
            cleanerRunners.clear();
            cleaners.clear();
            startCleaners(next.cleaner());
            LOG.info("log cleaner restarted with {}", next.cleaner());
        }
    }

    /**
     * The checkpoint, or, when it is missing from a store that has partitions or cannot be read, the partition
     * table as the queue directories record it (see {@link Partitions#scan}): losing one file must not cost
     * every partition its data, as taking the store for a new one would.
     */
    private static Checkpoint readPartitionTable(Path root) throws IOException {
        try {
            Checkpoint cp = Checkpoint.read(root);
            if (cp != Checkpoint.EMPTY || !Partitions.hasQueues(root)) {
                return cp;
            }
            LOG.error("{} has partitions but no checkpoint: rebuilding the partition table from the partitions' "
                    + "metadata and recovering the whole CommitLog", root);
        } catch (IOException e) {
            LOG.error("{}: rebuilding the partition table from the partitions' metadata and recovering the whole "
                    + "CommitLog", e.getMessage());
            Path damaged = root.resolve(Checkpoint.FILE);
            Files.move(damaged, root.resolve(Checkpoint.FILE + ".damaged-" + System.nanoTime()));
        }
        return Partitions.scan(root);
    }

    /** Opens (creating or recovering) the store under {@code config.dataDir()}. */
    public static Store open(StoreConfig config, Clock clock) {
        return open(config, clock, BlockAllocator.DEFAULT);
    }

    /**
     * As {@link #open(StoreConfig, Clock)}, with {@code pinned} partitions created if missing and pinned (see
     * {@link #pin}) before retention first runs.
     */
    public static Store open(StoreConfig config, Clock clock, Collection<PartitionKey> pinned) {
        return open(config, clock, BlockAllocator.DEFAULT, pinned, null);
    }

    /**
     * As {@link #open(StoreConfig, Clock, Collection)}, with compacted partitions cleaned through
     * {@code cleaning} (without it, none is ever cleaned).
     */
    public static Store open(StoreConfig config, Clock clock, Collection<PartitionKey> pinned,
                             RecordCleaning cleaning) {
        return open(config, clock, BlockAllocator.DEFAULT, pinned, cleaning);
    }

    /** As {@link #open(StoreConfig, Clock)}, with the way disk blocks are reserved for new files injected. */
    public static Store open(StoreConfig config, Clock clock, BlockAllocator blocks) {
        return open(config, clock, blocks, List.of(), null);
    }

    private static Store open(StoreConfig config, Clock clock, BlockAllocator blocks,
                              Collection<PartitionKey> pinned, RecordCleaning cleaning) {
        try {
            return new Store(config, clock, blocks, pinned, cleaning);
        } catch (IOException e) {
            throw StoreException.fromIo("cannot open the store", config.dataDir(), e);
        }
    }

    public StoreConfig config() {
        return config;
    }

    /** True if the last run did not close cleanly and this open recovered from the checkpoint. */
    public boolean recoveredFromCrash() {
        return recoveredFromCrash;
    }

    Recovery.Report recoveryReport() {
        return recovery;
    }

    /** Creates the partition if it does not exist. Durable when it returns. */
    public void createPartition(PartitionKey key) {
        createPartitions(List.of(key));
    }

    /** Creates those of the partitions that do not exist, with one durable write for all. */
    public void createPartitions(Collection<PartitionKey> keys) {
        createPartitions(keys, false);
    }

    /**
     * As {@link #createPartitions(Collection)}; with {@code writeSoon} (a topic created to be written to) each new
     * partition's first index file is made now, so its first append need not make it. Otherwise a partition's
     * first append makes its first file.
     */
    public void createPartitions(Collection<PartitionKey> keys, boolean writeSoon) {
        checkOpen();
        partitions.create(keys, writeSoon);
    }

    public boolean hasPartition(PartitionKey key) {
        return partitions.get(key) != null;
    }

    public List<PartitionKey> partitions() {
        return partitions.all().stream().map(PartitionLog::key).toList();
    }

    /** Deletes the partition and its index. A partition created later under the same name starts empty. */
    public void deletePartition(PartitionKey key) {
        checkOpen();
        PartitionLog p = partitions.require(key);
        commitLog.underAppendLock(() -> {
            p.markDeleted();
            return null;
        });
        partitions.delete(p);
    }

    /*
     * A pinned partition (see open) is never trimmed by retention, and forced file deletion stops before its
     * oldest batch. Its owner keeps it short itself, by rewriting what is live at the tail and advancing the
     * log start, and uses bytesBehind to know when.
     */

    /**
     * How far, in CommitLog bytes, the partition's oldest batch lies behind the end of the CommitLog: the
     * span of CommitLog it keeps from being deleted. 0 for a partition with no batches.
     */
    public long bytesBehind(PartitionKey key) {
        long first = partitions.require(key).firstPosition();
        return first < 0 ? 0 : Math.max(0, commitLog.confirmedPosition() - first);
    }

    public void setRetention(PartitionKey key, Retention retention) {
        partitions.require(key).setRetention(retention);
    }

    /** Makes the partition compacted by {@code compaction}'s settings, or not compacted when null. */
    public void setCompaction(PartitionKey key, Compaction compaction) {
        partitions.require(key).setCompaction(compaction);
    }

    /** Whether the partition has batches the cleaner moved out of the CommitLog (for tests and tools). */
    public long cleanedEndOffset(PartitionKey key) {
        CleanedLog c = partitions.require(key).cleaned();
        return c == null ? -1 : c.endOffset();
    }

    /**
     * Appends one v2 record batch. The future completes once the append counts as done: in sync mode after an
     * fsync covers it, in async mode at once. Errors that concern the batch itself are thrown; I/O that fails
     * later completes the future exceptionally. Both carry a {@link StoreException}.
     */
    public CompletableFuture<AppendResult> append(PartitionKey key, ByteBuffer batch, int leaderEpoch,
                                                  boolean logAppendTime) {
        return append(key, batch, leaderEpoch, logAppendTime, false);
    }

    /**
     * As {@link #append(PartitionKey, ByteBuffer, int, boolean)}; with {@code transactionVerified} a transactional
     * batch may open its producer's transaction in the partition. Without it such a batch is refused with
     * TRANSACTION_NOT_VERIFIED, and the caller asks the transaction coordinator before it tries again.
     */
    public CompletableFuture<AppendResult> append(PartitionKey key, ByteBuffer batch, int leaderEpoch,
                                                  boolean logAppendTime, boolean transactionVerified) {
        checkOpen();
        long start = System.nanoTime();
        int bytes = batch.remaining();
        AppendResult r = commitLog.append(partitions.require(key), batch, leaderEpoch, logAppendTime,
                transactionVerified);
        return appended(r, start, bytes);
    }

    /**
     * Appends one v2 record batch copied from the partition's leader, keeping its base offset and leader epoch:
     * a follower's append. The batch must not start before the partition's log end ({@link
     * StoreException.Category#UNEXPECTED_OFFSET} otherwise, and nothing is written); past it is a gap, as a compacted
     * leader's log has. Like {@link #append}, this checks the framing only; the caller validates the batch's CRC.
     * The future completes as an append's does.
     */
    public CompletableFuture<AppendResult> appendReplica(PartitionKey key, ByteBuffer batch) {
        checkOpen();
        long start = System.nanoTime();
        int bytes = batch.remaining();
        return appended(commitLog.appendReplica(partitions.require(key), batch), start, bytes);
    }

    /**
     * Starts an empty partition at {@code offset}: its log start and end both move there, as a new follower of a
     * leader whose log starts above 0 (retention moved it) begins. The checkpoint is rewritten before this
     * returns, so a restart starts there too. A partition holding batches is refused ({@link
     * StoreException.Category#UNEXPECTED_OFFSET}), as is an offset below its log start.
     */
    public void startAt(PartitionKey key, long offset) {
        checkOpen();
        PartitionLog p = partitions.require(key);
        commitLog.underAppendLock(() -> {
            if (p.isDeleted()) {
                throw new StoreException(StoreException.Category.UNKNOWN_PARTITION, "partition " + key + " was deleted");
            }
            if (p.logEndOffset() != p.logStartOffset() || p.sizeInBytes() != 0 || p.cleaned() != null) {
                throw new StoreException(StoreException.Category.UNEXPECTED_OFFSET, key + " holds batches up to "
                        + p.logEndOffset() + ": only an empty partition starts at an offset");
            }
            if (offset < p.logStartOffset()) {
                throw new StoreException(StoreException.Category.OFFSET_OUT_OF_RANGE, "offset " + offset
                        + " is below the log start " + p.logStartOffset() + " of " + key);
            }
            p.startAt(offset);
            return null;
        });
        persistLogStarts();
    }

    /**
     * Cuts the partition at {@code offset}, as a follower does once its log has diverged from a new leader's: the
     * batches that end at or after it are dropped, and the log end moves back to it (or to the first dropped
     * batch's base offset, if that is lower: a batch goes whole). The cut is kept in the CommitLog as a marker,
     * so a restart, or a rebuild of the indexes, makes it at the same place ({@link Truncation}). Returns the
     * new log end. An offset at or past the log end changes nothing.
     *
     * <p>Reads producer state back from the batches left (from a snapshot at or below the cut, or else from the
     * log start) while the partition's appends are refused ({@link StoreException.Category#UNEXPECTED_OFFSET});
     * other partitions' appends wait only for the cut itself. Waits for disk: in sync mode until the group commit
     * covers the marker, then in either mode for the checkpoint, rewritten with the lower log end. In async mode
     * the marker is flushed with what follows it; a power loss before then may bring back the batches it cut,
     * which a follower cuts again when it next compares its log with its leader's, as Kafka's does after every
     * restart.
     *
     * <p>Refused: an offset below the log start ({@link StoreException.Category#OFFSET_OUT_OF_RANGE}), and one
     * below a compacted partition's cleaned end ({@link StoreException.Category#UNEXPECTED_OFFSET}: the cleaned
     * log is not cut).
     */
    public long truncate(PartitionKey key, long offset) {
        checkOpen();
        PartitionLog p = partitions.require(key);
        long end = commitLog.truncate(p, offset, this::fail);
        if (end < 0) {
            return p.logEndOffset();
        }
        Truncation.rebuildProducerState(p, logFiles, this::fail);
        if (commitRunner != null) {
            commitRunner.wakeUp();
        }
        if (groupCommit != null) {
            try {
                groupCommit.submit(null, end).join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof StoreException se ? se
                        : new StoreException(StoreException.Category.IO, "flushing a truncation failed", e.getCause());
            }
        }
        persistLogStarts();
        return p.logEndOffset();
    }

    /** After an append: observes it, wakes the committer, and completes when the flush mode counts it done. */
    private CompletableFuture<AppendResult> appended(AppendResult r, long start, int bytes) {
        try {
            observer.appended(System.nanoTime() - start, bytes);
        } catch (RuntimeException e) { // the metrics' failure: the append stands
            LOG.warn("the store's observer failed: {}", e.toString());
        }
        if (commitRunner != null && !r.duplicate()) {
            commitRunner.wakeUp();
        }
        if (groupCommit != null) {
            // A retried duplicate is acknowledged no sooner than its original could be: once all written is durable.
            long end = r.duplicate() ? commitLog.confirmedPosition()
                    : r.position() + CommitLogEntry.HEADER_SIZE + bytes;
            return groupCommit.submit(r, end);
        }
        return CompletableFuture.completedFuture(r);
    }

    /** Batches from the one holding {@code offset}, up to about {@code maxBytes}; see {@link LogReader#read}. */
    public ReadResult read(PartitionKey key, long offset, int maxBytes) {
        checkNotClosed();
        return reader.read(partitions.require(key), offset, maxBytes);
    }

    /**
     * As {@link #read(PartitionKey, long, int)}, without batches that start at or after {@code upToOffset}: a
     * read_committed fetch reads up to the last stable offset.
     */
    public ReadResult read(PartitionKey key, long offset, int maxBytes, long upToOffset) {
        checkNotClosed();
        return reader.read(partitions.require(key), offset, maxBytes, upToOffset);
    }

    /**
     * Whether {@link #read} from {@code offset} of up to {@code maxBytes} would find its bytes in memory; one
     * that would not may wait for the disk, and belongs off an event loop. True for an unknown partition.
     */
    public boolean inMemory(PartitionKey key, long offset, int maxBytes) {
        PartitionLog p = partitions.get(key);
        return p == null || closed || reader.inMemory(p, offset, maxBytes);
    }

    /**
     * Whether the partition's next append must first create an index file (its first: made at the first append
     * unless created ahead), which takes a few system calls and may wait for the disk.
     */
    public boolean appendCreatesFile(PartitionKey key) {
        PartitionLog p = partitions.get(key);
        return p != null && !p.queue().hasRoom();
    }

    /** The first batch whose max timestamp is at or after {@code timestamp}; empty if none. */
    public ReadResult batchForTimestamp(PartitionKey key, long timestamp) {
        checkNotClosed();
        return reader.batchForTimestamp(partitions.require(key), timestamp);
    }

    /** The first batch holding the partition's largest timestamp; empty for an empty log. */
    public ReadResult batchWithMaxTimestamp(PartitionKey key) {
        checkNotClosed();
        return reader.batchWithMaxTimestamp(partitions.require(key));
    }

    /**
     * Where {@code leaderEpoch} ended in the partition's log, as Kafka's OffsetForLeaderEpoch answers from a
     * leader epoch cache, here read from the batches' own epochs ({@link LeaderEpochs}). An epoch whose leader
     * wrote no batch is not in the log: the caller answers for the partition's current epoch.
     */
    public EpochEndOffset endOffsetForEpoch(PartitionKey key, int leaderEpoch) {
        checkNotClosed();
        return epochs.endOffsetFor(partitions.require(key), leaderEpoch);
    }

    /** The leader epoch of the partition's last batch, or -1 if it holds none: where a follower's check starts. */
    public int latestEpoch(PartitionKey key) {
        checkNotClosed();
        return epochs.latestEpoch(partitions.require(key));
    }

    public long logStartOffset(PartitionKey key) {
        return partitions.require(key).logStartOffset();
    }

    public long logEndOffset(PartitionKey key) {
        return partitions.require(key).logEndOffset();
    }

    /**
     * Moves the log start forward (DeleteRecords); batches wholly before it are removed by retention. Only in
     * memory: the next checkpoint persists it, or {@link #persistLogStarts} at once.
     */
    public long advanceLogStart(PartitionKey key, long offset) {
        checkOpen();
        PartitionLog p = partitions.require(key);
        if (offset > p.logEndOffset()) {
            throw new StoreException(StoreException.Category.OFFSET_OUT_OF_RANGE,
                    "offset " + offset + " is past the log end " + p.logEndOffset() + " of " + key);
        }
        p.truncateHead(offset);
        return p.logStartOffset();
    }

    /**
     * Writes every partition's log start as it is now to the checkpoint, durably, before returning. Retention
     * needs no such write (a restart that forgot its moves makes them again), but records a client was told
     * are deleted must not come back after a crash. Waits for fsyncs: never call it on an event loop.
     */
    public void persistLogStarts() {
        checkOpen();
        try {
            partitions.rewriteCheckpoint();
        } catch (IOException e) {
            throw StoreException.fromIo("cannot persist log start offsets", root, e);
        }
    }

    /**
     * Bytes of the partition's batches from the one holding the log start to the end, as sent by producers
     * (CommitLog entry headers not counted). Kafka's partition size counts whole segments in the same spirit.
     */
    public long sizeInBytes(PartitionKey key) {
        return partitions.require(key).sizeInBytes();
    }

    /** The idempotent-producer state of one producer in one partition, or null. */
    public ProducerStateTable.ProducerState producerState(PartitionKey key, long producerId) {
        return partitions.require(key).producers().get(producerId);
    }

    /** Every producer the partition remembers, as rebuilt from the log on open and kept since. */
    public List<ProducerStateTable.ProducerState> producerStates(PartitionKey key) {
        return partitions.require(key).producers().all();
    }

    /** The transactions open in the partition: producer id to the first offset of its transaction here. */
    public Map<Long, Long> openTransactions(PartitionKey key) {
        return partitions.require(key).producers().openTransactions();
    }

    /**
     * The last stable offset: the first offset of the earliest transaction still open in the partition, or its
     * log end if none is (a single node's high watermark). A read_committed fetch reads up to it.
     */
    public long lastStableOffset(PartitionKey key) {
        PartitionLog p = partitions.require(key);
        long end = p.logEndOffset(); // read first: a transaction opened after this read lies past it anyway
        return p.producers().lastStableOffset(end);
    }

    /** The aborted transactions that may hold records in {@code [fromOffset, upToOffset)} of the partition. */
    public List<ProducerStateTable.AbortedTransaction> abortedTransactions(PartitionKey key, long fromOffset,
                                                                           long upToOffset) {
        return partitions.require(key).producers().abortedTransactions(fromOffset, upToOffset);
    }

    /**
     * Cleans every compacted partition that is due, on the caller's thread, until none is; returns the passes
     * made. The cleaner threads may run alongside: no partition is cleaned by two at once.
     */
    int runCleaner() throws Exception {
        checkNotClosed();
        int passes = 0;
        for (int i = 0; !cleaners.isEmpty() && cleaners.get(0).doWork() > 0 && i < 1000; i++) {
            passes++;
        }
        return passes;
    }

    /** Whether the checkpoint covers every entry appended so far: a flush ran since the last append. */
    boolean checkpointCoversLog() {
        return partitions.checkpointedPosition() >= commitLog.confirmedPosition();
    }

    /** Runs one retention pass now, on the caller's thread; returns the CommitLog files deleted. */
    int runRetention() throws IOException {
        checkNotClosed();
        return retention.doWork();
    }

    /**
     * Who hears, once, that the store went offline (a failed fsync, a service thread that died): the broker,
     * which stops rather than serve what it can no longer make durable. Called on the failing thread.
     */
    public void onFailure(Consumer<StoreException> listener) {
        this.failureListener = listener;
        StoreException f = failure;
        if (f != null) {
            listener.accept(f);
        }
    }

    /** Who hears of appends, group commits and flushes from now on (see {@link StoreObserver}). */
    public void observeWith(StoreObserver observer) {
        this.observer = observer;
    }

    private StoreObserver observer() {
        return observer;
    }

    /** Where the CommitLog stands, its files, the pool and the services; see {@link StoreView}. */
    public StoreView view() {
        MappedFileQueue q = commitLog.files();
        List<StoreView.LogFile> files = new ArrayList<>();
        long committed = 0;
        for (MappedFile f : q.files()) {
            files.add(new StoreView.LogFile(f.path().getFileName().toString(), f.fileFromOffset(), f.wrotePosition(),
                    f.committedPosition(), f.flushedPosition(), f.isPooled()));
            committed = f.fileFromOffset() + f.committedPosition();
        }
        List<StoreView.Service> threads = new ArrayList<>();
        for (ServiceRunner s : services) {
            threads.add(new StoreView.Service(s.name(), s.isRunning()));
        }
        return new StoreView(config.flushMode(), q.writePosition(), committed, q.flushedPosition(),
                partitions.checkpointedPosition(), q.fileSize(), List.copyOf(files), partitions.all().size(),
                pool == null ? 0 : pool.buffers(), pool == null ? 0 : pool.available(), List.copyOf(threads),
                failure != null || closed, retention.progress());
    }

    /**
     * The share of the head CommitLog file's pages in the page cache (0 to 1), asked of the kernel (mincore);
     * -1 when it cannot tell. Consumers near the head read from memory while this stays high.
     */
    public double headFileResidency() {
        MappedFile f = commitLog.files().last();
        if (f == null || closed || !f.hold()) { // held, so a close cannot unmap it under the mincore
            return -1;
        }
        try {
            int pages = f.residentPages();
            return pages < 0 ? -1 : (double) pages * StoreConfig.PAGE_SIZE / f.fileSize();
        } finally {
            f.release();
        }
    }

    /** Whether the store went offline; null while it serves. */
    public StoreException failure() {
        return failure;
    }

    /** A service without which the store cannot go on: its appends would never be flushed, its files never made. */
    private void serviceDied(Throwable t) {
        fail(new StoreException(StoreException.Category.IO, "a store service thread died: " + t, t));
    }

    private void fail(StoreException e) {
        synchronized (this) {
            if (failure != null) {
                return;
            }
            LOG.error("the store at {} is offline: {}", root, e.getMessage(), e);
            failure = e;
        }
        if (groupCommit != null) {
            groupCommit.failPending(e);
        }
        Consumer<StoreException> listener = failureListener;
        if (listener != null) {
            listener.accept(e);
        }
    }

    private void checkNotClosed() {
        if (closed) {
            throw new StoreException(StoreException.Category.CLOSED, "the store is closed");
        }
    }

    private void checkOpen() {
        checkNotClosed();
        StoreException f = failure;
        if (f != null) {
            throw new StoreException(f.category(), "the store is offline after an earlier failure", f);
        }
    }

    /** Everything written goes to disk, then a checkpoint at the end of the log. No service may be running. */
    private void flushAllAndCheckpoint() throws IOException {
        commitLog.commit();
        commitLog.flush();
        for (PartitionLog p : partitions.all()) {
            p.queue().flush();
        }
        partitions.writeCheckpoint(commitLog.confirmedPosition());
    }

    /**
     * Stops the services (the last group commit and flush run first), writes a final checkpoint at the end
     * of the log, and removes the abort file, so the next open scans nothing.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        synchronized (reconfiguring) { // no cleaner restarts under the close
            closed = true;
        }
        commitLog.shutdown(); // an append already past checkOpen is refused under the lock from here on
        for (ServiceRunner s : services) {
            s.requestStop(); // every cleaner pass ends now, not one after another as each runner is closed
        }
        for (int i = services.size() - 1; i >= 0; i--) {
            services.get(i).close();
        }
        try {
            flushAllAndCheckpoint();
            if (failure == null) {
                retention.writeProducerSnapshots(); // so the next open reads no batch to rebuild producer state
                Files.deleteIfExists(root.resolve(ABORT_FILE));
            }
        } catch (IOException e) {
            LOG.error("final flush of {} failed; the next open will recover", root, e);
        } finally {
            partitions.closeAll();
            commitLog.close();
            if (pool != null) {
                pool.close();
            }
        }
    }
}
