package io.ferrite.storage;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;

/**
 * The process {@link CrashRecoveryTest} kills: opens a store (in sync mode unless told otherwise) and appends from several threads as
 * fast as it can until it is killed, printing one line per batch whose append future completed.
 *
 * <pre>
 * usage: CrashAppender dataDir cycle threads maxSeconds [SYNC|ASYNC [flushIntervalMs]]
 * out:   READY recoveredFromCrash leo(partition 0) .. leo(partition N-1)
 *        ACK partition baseOffset lastOffset contentCrc tag
 * </pre>
 *
 * Each line goes out in a single write of under 4 KiB, so a pipe never carries half a line. Every record
 * value is {@code <tag>-r<index>-<filler>} with tag {@code c<cycle>-p<partition>-t<thread>-s<sequence>}, so
 * any batch found in the log can be traced back to the one append that wrote it.
 */
public final class CrashAppender {
    static final String TOPIC = "crash";
    static final int PARTITIONS = 4;
    static final int LEADER_EPOCH = 7;
    /** Appends a thread keeps in flight, so group commits cover several batches. */
    private static final int IN_FLIGHT = 16;

    private static final Object OUT_LOCK = new Object();
    private static final FileOutputStream OUT = new FileOutputStream(FileDescriptor.out);

    private CrashAppender() {
    }

    static PartitionKey key(int partition) {
        return new PartitionKey(TOPIC, partition);
    }

    static String tag(int cycle, int partition, int thread, long seq) {
        return "c" + cycle + "-p" + partition + "-t" + thread + "-s" + seq;
    }

    /** Records 1 to 4, values of varying length, so entries end at every kind of position in a file. */
    static ByteBuffer batch(String tag, long seq, long timestamp) {
        int records = 1 + (int) (seq % 4);
        SimpleRecord[] rs = new SimpleRecord[records];
        for (int i = 0; i < records; i++) {
            StringBuilder v = new StringBuilder(tag).append("-r").append(i).append('-');
            int filler = (int) ((seq * 37 + i * 101) % 500);
            for (int j = 0; j < filler; j++) {
                v.append((char) ('a' + (seq + j) % 26));
            }
            rs[i] = new SimpleRecord(timestamp, ("k" + i).getBytes(StandardCharsets.UTF_8),
                    v.toString().getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(Compression.NONE, rs).buffer();
    }

    /**
     * CRC-32 of a batch with the two fields the store rewrites (base offset and partition leader epoch) zeroed,
     * so a batch as sent and as stored give the same value.
     */
    static long contentCrc(ByteBuffer batch) {
        byte[] bytes = new byte[batch.remaining()];
        batch.duplicate().get(bytes);
        for (int i = RecordBatchHeader.BASE_OFFSET; i < RecordBatchHeader.BASE_OFFSET + 8; i++) {
            bytes[i] = 0;
        }
        for (int i = RecordBatchHeader.LEADER_EPOCH; i < RecordBatchHeader.LEADER_EPOCH + 4; i++) {
            bytes[i] = 0;
        }
        CRC32 crc = new CRC32();
        crc.update(bytes);
        return crc.getValue();
    }

    private static void println(String line) {
        byte[] b = (line + "\n").getBytes(StandardCharsets.US_ASCII);
        synchronized (OUT_LOCK) {
            try {
                OUT.write(b);
            } catch (IOException e) {
                Runtime.getRuntime().halt(4); // the test is gone: nobody to report to
            }
        }
    }

    private record Pending(int partition, String tag, long crc, CompletableFuture<AppendResult> future) {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int cycle = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        long maxSeconds = Long.parseLong(args[3]);

        // Never outlive a test that failed to kill us.
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(TimeUnit.SECONDS.toMillis(maxSeconds));
            } catch (InterruptedException ignored) {
                // halt anyway
            }
            System.err.println("CrashAppender: not killed within " + maxSeconds + " s, exiting");
            Runtime.getRuntime().halt(3);
        }, "crash-appender-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();

        FlushMode mode = args.length > 4 ? FlushMode.valueOf(args[4]) : FlushMode.SYNC;
        long flushIntervalMs = args.length > 5 ? Long.parseLong(args[5]) : 20;
        Store store = Store.open(TestBatches.smallConfig(dir, mode, flushIntervalMs), Clock.systemUTC());
        StringBuilder ready = new StringBuilder("READY ").append(store.recoveredFromCrash());
        for (int p = 0; p < PARTITIONS; p++) {
            store.createPartition(key(p));
            ready.append(' ').append(store.logEndOffset(key(p)));
        }
        println(ready.toString());

        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread w = new Thread(() -> appendForever(store, cycle, thread), "crash-appender-" + t);
            w.start();
        }
        // The store is never closed: the process ends by SIGKILL, the watchdog, or a failed append.
        Thread.sleep(Long.MAX_VALUE);
    }

    private static void appendForever(Store store, int cycle, int thread) {
        ArrayDeque<Pending> inFlight = new ArrayDeque<>();
        try {
            for (long seq = 0; ; seq++) {
                int partition = (int) ((seq + thread) % PARTITIONS);
                String tag = tag(cycle, partition, thread, seq);
                ByteBuffer batch = batch(tag, seq, System.currentTimeMillis());
                long crc = contentCrc(batch);
                inFlight.add(new Pending(partition, tag, crc, store.append(key(partition), batch, LEADER_EPOCH, false)));
                while (!inFlight.isEmpty() && (inFlight.size() >= IN_FLIGHT || inFlight.peek().future().isDone())) {
                    Pending p = inFlight.poll();
                    AppendResult r = p.future().get(30, TimeUnit.SECONDS);
                    println("ACK " + p.partition() + " " + r.baseOffset() + " " + r.lastOffset() + " " + p.crc()
                            + " " + p.tag());
                }
            }
        } catch (Throwable e) {
            // Any failure is a finding: report it and stop, so the test sees the child die on its own.
            System.err.println("CrashAppender thread " + thread + " failed:");
            e.printStackTrace();
            System.err.flush();
            Runtime.getRuntime().halt(2);
        }
    }
}
