package io.ferrite.server.txn;

import io.ferrite.storage.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * Hands out producer ids that are never reused, even across crashes: ids are reserved in blocks, and the
 * end of the reserved range is written to the file {@code producer-ids} (int64 next unreserved id, int32
 * CRC-32C of it) before any id of the block is given out. A crash only skips the rest of a block.
 */
final class ProducerIds {
    static final String FILE = "producer-ids";
    static final int BLOCK = 1000;

    private final Path file;
    private long next;
    private long reservedUpTo;

    ProducerIds(Path dir) {
        this.file = dir.resolve(FILE);
        long start = 0;
        try {
            if (Files.exists(file)) {
                ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
                CRC32C crc = new CRC32C();
                crc.update(b.array(), 0, 8);
                if (b.limit() != 12 || (int) crc.getValue() != b.getInt(8)) {
                    throw new IllegalStateException(file + " is damaged; it must not be guessed: ids would repeat");
                }
                start = b.getLong(0);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        this.next = start;
        this.reservedUpTo = start;
    }

    synchronized long next() {
        if (next == reservedUpTo) {
            reserve(reservedUpTo + BLOCK);
        }
        return next++;
    }

    private void reserve(long upTo) {
        ByteBuffer b = ByteBuffer.allocate(12).putLong(upTo);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, 8);
        b.putInt((int) crc.getValue()).flip();
        try {
            AtomicFiles.replace(file, b);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        reservedUpTo = upTo;
    }
}
