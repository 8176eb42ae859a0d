package io.ferrite.storage;

import io.ferrite.storage.ProducerStateTable.BatchMetadata;
import io.ferrite.storage.ProducerStateTable.ProducerState;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * A partition's producer state as of one offset, so that opening the store reads only the batches written
 * after it instead of every batch retained: the file {@code producer-state} in the partition's ConsumeQueue
 * directory.
 *
 * <pre>
 * (big-endian)
 *  0  int32  magic 0xFE77505A
 *  4  int64  end offset: the state covers every batch before it
 * 12  int64  CommitLog position of the last batch before the end offset
 * 20  int32  that batch's CRC (its own field)
 * 24  int32  entries of the aborted-transaction index then, all before the end offset
 * 28  int32  producers, P
 * 32  int32  open transactions, T
 * 36  P x    int64 producer id, int16 epoch, int8 batches kept B,
 *            B x (int32 first sequence, int32 last sequence, int64 first offset, int64 last offset,
 *                 int64 max timestamp)
 *     T x    int64 producer id, int64 first offset of its open transaction here
 *     int32  CRC-32C of every byte before it
 * </pre>
 *
 * It is written without fsync (tmp file, then rename): a snapshot lost or damaged in a crash costs only a
 * longer open, as the state is then rebuilt from the whole log. One that survives is used only if the log
 * still holds, at the recorded position, the batch it names as its last (a crash that lost acknowledged data
 * in async mode gives those offsets out again, to other batches), and the aborted-transaction index still
 * holds the entries it counted.
 */
final class ProducerSnapshot {
    static final String FILE = "producer-state";
    private static final int MAGIC = 0xFE77505A;
    private static final int HEADER_SIZE = 36;
    private static final int BATCH_SIZE = 4 + 4 + 8 + 8 + 8;

    /** The state, and the log it describes: see the layout. */
    record State(long endOffset, long lastBatchPosition, int lastBatchCrc, int abortedEntries,
                 List<ProducerState> producers, Map<Long, Long> openTransactions) {
    }

    private ProducerSnapshot() {
    }

    static void write(Path dir, State s) throws IOException {
        int size = HEADER_SIZE + 4 + 16 * s.openTransactions().size();
        for (ProducerState p : s.producers()) {
            size += 8 + 2 + 1 + BATCH_SIZE * p.lastBatches().size();
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putInt(MAGIC).putLong(s.endOffset()).putLong(s.lastBatchPosition()).putInt(s.lastBatchCrc())
                .putInt(s.abortedEntries()).putInt(s.producers().size()).putInt(s.openTransactions().size());
        for (ProducerState p : s.producers()) {
            b.putLong(p.producerId()).putShort(p.epoch()).put((byte) p.lastBatches().size());
            for (BatchMetadata m : p.lastBatches()) {
                b.putInt(m.firstSequence()).putInt(m.lastSequence()).putLong(m.firstOffset()).putLong(m.lastOffset())
                        .putLong(m.timestamp());
            }
        }
        s.openTransactions().forEach((pid, first) -> b.putLong(pid).putLong(first));
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue()).flip();
        Path target = dir.resolve(FILE);
        Path tmp = dir.resolve(FILE + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The snapshot in {@code dir}, or null when there is none or it cannot be trusted as a file. */
    static State read(Path dir) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(dir.resolve(FILE));
        } catch (NoSuchFileException e) {
            return null;
        }
        if (bytes.length < HEADER_SIZE + 4) {
            return null;
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        ByteBuffer b = ByteBuffer.wrap(bytes);
        if (b.getInt(0) != MAGIC || b.getInt(bytes.length - 4) != (int) crc.getValue()) {
            return null;
        }
        try {
            b.position(4);
            long end = b.getLong();
            long position = b.getLong();
            int batchCrc = b.getInt();
            int aborted = b.getInt();
            int producers = b.getInt();
            int open = b.getInt();
            List<ProducerState> states = new ArrayList<>(producers);
            for (int i = 0; i < producers; i++) {
                long pid = b.getLong();
                short epoch = b.getShort();
                int kept = b.get();
                List<BatchMetadata> batches = new ArrayList<>(kept);
                for (int j = 0; j < kept; j++) {
                    batches.add(new BatchMetadata(b.getInt(), b.getInt(), b.getLong(), b.getLong(), b.getLong()));
                }
                states.add(new ProducerState(pid, epoch, batches));
            }
            Map<Long, Long> transactions = new HashMap<>();
            for (int i = 0; i < open; i++) {
                transactions.put(b.getLong(), b.getLong());
            }
            return b.remaining() == 4 ? new State(end, position, batchCrc, aborted, states, transactions) : null;
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            return null; // counts that do not fit the file: it was written by something else
        }
    }

    static void delete(Path dir) throws IOException {
        Files.deleteIfExists(dir.resolve(FILE));
    }
}
