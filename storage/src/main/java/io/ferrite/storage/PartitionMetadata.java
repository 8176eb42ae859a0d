package io.ferrite.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * {@code consumequeue/<id>/partition.metadata}: which partition a queue directory belongs to, kept beside
 * its queue (as Kafka keeps {@code partition.metadata} in each partition's directory), so that the partition
 * table can be rebuilt from the directories when the {@code checkpoint} is lost or damaged.
 *
 * <pre>
 *  0  int32  magic 0xFE77AE7A
 *  4  int32  version 1
 *  8  int32  partition id (the CommitLog's name for it)
 * 12  int32  partition number
 * 16  int16  topic length L, then L bytes of UTF-8 topic name
 * ..  int32  CRC-32C of every byte before it
 * </pre>
 *
 * Written once, when the partition is made, before the checkpoint that names it; never changed. A deleted
 * partition's directory gets an empty {@code deleted} file before the checkpoint forgets it, so a crash in
 * between leaves a directory that is known to be garbage.
 */
record PartitionMetadata(int id, PartitionKey key) {
    static final String FILE = "partition.metadata";
    static final String DELETED = "deleted";
    private static final int MAGIC = 0xFE77AE7A;
    private static final int VERSION = 1;

    /** Writes the file into {@code dir} without forcing it: the caller forces many at once (see Partitions). */
    void writeInto(Path dir) throws IOException {
        Files.write(dir.resolve(FILE), bytes());
    }

    /**
     * Writes the file into {@code dir} so that a crash leaves it whole or absent ({@link AtomicFiles}): for a
     * partition the checkpoint already names, whose file is taken as written once it is there.
     */
    void replaceInto(Path dir) throws IOException {
        AtomicFiles.replace(dir.resolve(FILE), ByteBuffer.wrap(bytes()));
    }

    private byte[] bytes() {
        byte[] topic = key.topic().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(22 + topic.length);
        b.putInt(MAGIC).putInt(VERSION).putInt(id).putInt(key.partition()).putShort((short) topic.length).put(topic);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        return b.array();
    }

    /** The metadata in {@code dir}, or null if it has none or it does not check out. */
    static PartitionMetadata readFrom(Path dir) {
        Path file = dir.resolve(FILE);
        try {
            if (!Files.isRegularFile(file)) {
                return null;
            }
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
            if (b.remaining() < 22 || b.getInt(0) != MAGIC || b.getInt(4) != VERSION) {
                return null;
            }
            CRC32C crc = new CRC32C();
            crc.update(b.array(), 0, b.limit() - 4);
            if ((int) crc.getValue() != b.getInt(b.limit() - 4)) {
                return null;
            }
            b.position(8);
            int id = b.getInt();
            int partition = b.getInt();
            int length = b.getShort() & 0xFFFF;
            if (length != b.remaining() - 4) {
                return null;
            }
            byte[] topic = new byte[length];
            b.get(topic);
            return new PartitionMetadata(id, new PartitionKey(new String(topic, StandardCharsets.UTF_8), partition));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Marks {@code dir} as a deleted partition's, so a restart removes it rather than set it aside. */
    static void markDeleted(Path dir) throws IOException {
        Files.write(dir.resolve(DELETED), new byte[0]);
    }

    static boolean isMarkedDeleted(Path dir) {
        return Files.exists(dir.resolve(DELETED));
    }
}
