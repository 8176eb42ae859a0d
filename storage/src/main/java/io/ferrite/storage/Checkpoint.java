package io.ferrite.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The {@code checkpoint} file: the partition table and the position recovery starts from.
 *
 * <pre>
 *  0  int32  magic 0xFE77C4E1
 *  4  int32  version 1
 *  8  int64  CommitLog position P: every entry ending at or before P, and its ConsumeQueue entry, is on disk
 * 16  int32  next partition id (ids are never reused, so a re-created topic never sees old entries)
 * 20  int32  partition count N
 * 24  N times:
 *       int32  partition id
 *       int64  log start offset
 *       int64  log end offset as of P (a ConsumeQueue that ends earlier has lost files and is rebuilt)
 *       int32  partition number
 *       int16  topic length L, then L bytes of UTF-8 topic name
 *  .. int32  CRC-32C of every byte before it
 * </pre>
 *
 * Written whole to {@code checkpoint.tmp}, fsynced, renamed over {@code checkpoint}, and the directory
 * fsynced, so a reader sees the old file or the new one, never a mix. Positions, not clock times, decide
 * where recovery starts.
 */
record Checkpoint(long commitLogPosition, int nextPartitionId, List<PartitionRecord> partitions) {
    static final String FILE = "checkpoint";
    private static final int MAGIC = 0xFE77C4E1;
    private static final int VERSION = 1;

    /** One partition's line in the table. */
    record PartitionRecord(int id, PartitionKey key, long logStartOffset, long logEndOffset) {
    }

    static final Checkpoint EMPTY = new Checkpoint(0, 0, List.of());

    /** Reads the checkpoint in {@code dir}, or returns {@link #EMPTY} if there is none yet. */
    static Checkpoint read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.exists(file)) {
            return EMPTY;
        }
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
        try {
            if (b.remaining() < 28 || b.getInt(0) != MAGIC || b.getInt(4) != VERSION) {
                throw new IOException("not a version " + VERSION + " checkpoint");
            }
            CRC32C crc = new CRC32C();
            crc.update(b.array(), 0, b.limit() - 4);
            if ((int) crc.getValue() != b.getInt(b.limit() - 4)) {
                throw new IOException("checkpoint CRC mismatch");
            }
            b.position(8);
            long position = b.getLong();
            int nextId = b.getInt();
            int n = b.getInt();
            if (n < 0 || n > b.remaining() / 26) {
                throw new IOException("bad partition count " + n);
            }
            List<PartitionRecord> parts = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int id = b.getInt();
                long start = b.getLong();
                long end = b.getLong();
                int partition = b.getInt();
                byte[] topic = new byte[b.getShort() & 0xFFFF];
                b.get(topic);
                parts.add(new PartitionRecord(id, new PartitionKey(new String(topic, StandardCharsets.UTF_8), partition),
                        start, end));
            }
            return new Checkpoint(position, nextId, parts);
        } catch (RuntimeException e) {
            throw new IOException("checkpoint " + file + " is unreadable: " + e, e);
        } catch (IOException e) {
            throw new IOException("checkpoint " + file + " is unreadable: " + e.getMessage(), e);
        }
    }

    void write(Path dir) throws IOException {
        int size = 28;
        List<byte[]> topics = new ArrayList<>(partitions.size());
        for (PartitionRecord p : partitions) {
            byte[] t = p.key.topic().getBytes(StandardCharsets.UTF_8);
            topics.add(t);
            size += 26 + t.length;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putInt(MAGIC).putInt(VERSION).putLong(commitLogPosition).putInt(nextPartitionId).putInt(partitions.size());
        for (int i = 0; i < partitions.size(); i++) {
            PartitionRecord p = partitions.get(i);
            byte[] t = topics.get(i);
            b.putInt(p.id).putLong(p.logStartOffset).putLong(p.logEndOffset).putInt(p.key.partition())
                    .putShort((short) t.length).put(t);
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        AtomicFiles.replace(dir.resolve(FILE), b.flip());
    }
}
