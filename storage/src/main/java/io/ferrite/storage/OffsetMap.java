package io.ferrite.storage;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The cleaner's memory: for each key seen in the part of a partition being cleaned, the offset of its latest
 * record, in a fixed buffer ({@code log.cleaner.dedupe.buffer.size} split over the cleaner threads) so that a
 * pass uses the same memory whatever the partition holds. Keys are stored as their 16-byte MD5 digest, as
 * Kafka's cleaner stores them: two keys colliding would cost one of them its older values early, which at
 * 2^-128 is not a risk worth the memory of keeping keys whole.
 *
 * <p>Layout: open addressing with linear probing over slots of 24 bytes (digest, int64 offset); an all-zero
 * digest marks an empty slot (a key hashing to it is nudged by one bit). The map is full at
 * {@code loadFactor} of its slots, after which {@link #put} refuses: the pass then cleans only up to the last
 * offset it could record.
 *
 * <p>Used by one cleaner thread at a time; not thread-safe.
 */
final class OffsetMap {
    static final int SLOT = 24;
    private static final int DIGEST = 16;

    private final ByteBuffer slots;
    private final int capacity;
    private final int maxEntries;
    private final MessageDigest md5;
    private final byte[] digest = new byte[DIGEST];
    private final ByteBuffer digestView = ByteBuffer.wrap(digest);
    private long d0;
    private long d1;
    private int entries;

    OffsetMap(int memoryBytes, double loadFactor) {
        this.capacity = Math.max(2, memoryBytes / SLOT);
        this.maxEntries = Math.max(1, (int) (capacity * loadFactor));
        this.slots = ByteBuffer.allocate(capacity * SLOT);
        try {
            this.md5 = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no MD5", e);
        }
    }

    /** How many keys fit before the map is full. */
    int maxEntries() {
        return maxEntries;
    }

    int size() {
        return entries;
    }

    void clear() {
        Arrays.fill(slots.array(), (byte) 0);
        entries = 0;
    }

    /**
     * Records {@code offset} as the latest for {@code key} (the caller goes in offset order). Returns false,
     * recording nothing, when the key is new and the map is full.
     */
    boolean put(ByteBuffer key, long offset) {
        hash(key);
        int slot = find();
        if (slots.getLong(slot * SLOT) == 0 && slots.getLong(slot * SLOT + 8) == 0) {
            if (entries >= maxEntries) {
                return false;
            }
            slots.put(slot * SLOT, digest);
            entries++;
        }
        slots.putLong(slot * SLOT + DIGEST, offset);
        return true;
    }

    /** The latest offset recorded for {@code key}, or -1. */
    long get(ByteBuffer key) {
        hash(key);
        int slot = find();
        if (slots.getLong(slot * SLOT) == 0 && slots.getLong(slot * SLOT + 8) == 0) {
            return -1;
        }
        return slots.getLong(slot * SLOT + DIGEST);
    }

    private void hash(ByteBuffer key) {
        md5.update(key.duplicate());
        try {
            md5.digest(digest, 0, DIGEST);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException(e);
        }
        boolean zero = true;
        for (byte b : digest) {
            zero &= b == 0;
        }
        if (zero) {
            digest[0] = 1; // zero marks an empty slot
        }
        d0 = digestView.getLong(0);
        d1 = digestView.getLong(8);
    }

    /** The slot holding the current digest, or the empty slot where it would go. */
    private int find() {
        int slot = (int) Long.remainderUnsigned(d0, capacity);
        while (true) {
            int at = slot * SLOT;
            long a = slots.getLong(at);
            long b = slots.getLong(at + 8);
            if (a == 0 && b == 0) {
                return slot;
            }
            if (a == d0 && b == d1) {
                return slot;
            }
            slot = slot + 1 == capacity ? 0 : slot + 1;
        }
    }
}
