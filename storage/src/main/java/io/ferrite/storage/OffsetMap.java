package io.ferrite.storage;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The cleaner's memory: for each key seen in the part of a partition being cleaned, the offset of its latest
 * record, in at most {@code log.cleaner.dedupe.buffer.size} split over the cleaner threads, so that a pass never
 * uses more whatever the partition holds. Keys are stored as their 16-byte MD5 digest, as Kafka's cleaner stores
 * them: two keys colliding would cost one of them its older values early, which at 2^-128 is not a risk worth the
 * memory of keeping keys whole.
 *
 * <p>Layout: open addressing with linear probing over slots of three longs (the digest's two halves, the offset);
 * an all-zero digest marks an empty slot (a key hashing to it is nudged by one bit). The slots live off the heap
 * in chunks of {@link #CHUNK_SLOTS}, made when first needed and kept until {@link #free}: a pass uses only as
 * many slots as its records could need ({@link #reset}), so a pass over a small partition clears a few chunks
 * rather than the whole buffer. Both choices were measured (docs/PERFORMANCE.md, Compaction): on the heap, young
 * collections copied the map (over 100 ms each, every other thread stopped); and one large buffer is zeroed
 * by the JVM without a safepoint check, holding every other thread at the next one for as long.
 * The map is full at {@code loadFactor} of the pass's slots, after which {@link #put} refuses: the pass then
 * cleans only up to the last offset it could record.
 *
 * <p>Used by one cleaner thread at a time; not thread-safe.
 */
final class OffsetMap {
    static final int SLOT = 24;
    /** 32,768 slots: 768 KiB, zeroed in well under a millisecond. */
    static final int CHUNK_SHIFT = 15;
    static final int CHUNK_SLOTS = 1 << CHUNK_SHIFT;
    private static final int DIGEST = 16;

    private static final long[] ZEROS = new long[3 * CHUNK_SLOTS];

    private final LongBuffer[] chunks;
    private final ByteBuffer[] memory;
    private final long maxSlots;
    private final double loadFactor;
    private final MessageDigest md5;
    private final byte[] digest = new byte[DIGEST];
    private final ByteBuffer digestView = ByteBuffer.wrap(digest);
    private long slots;
    private long maxEntries;
    private long d0;
    private long d1;
    private long entries;

    OffsetMap(long memoryBytes, double loadFactor) {
        this.maxSlots = Math.max(2, memoryBytes / SLOT);
        this.loadFactor = loadFactor;
        this.chunks = new LongBuffer[(int) ((maxSlots + CHUNK_SLOTS - 1) >>> CHUNK_SHIFT)];
        this.memory = new ByteBuffer[chunks.length];
        try {
            this.md5 = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no MD5", e);
        }
        reset(0);
    }

    /** How many keys fit in this pass before the map is full. */
    long maxEntries() {
        return maxEntries;
    }

    long size() {
        return entries;
    }

    /**
     * Empties the map for a pass that will record at most {@code keys} keys: it uses only the slots those need
     * (all of its memory if they need more).
     */
    void reset(long keys) {
        // Room for twice the keys when the memory allows: a linear probe's misses grow steeply past half full.
        long wanted = (long) Math.ceil(Math.min((double) maxSlots, keys / Math.min(loadFactor, 0.5))) + 1;
        slots = Math.max(2, Math.min(maxSlots, wanted));
        maxEntries = Math.max(1, (long) (slots * loadFactor));
        int used = (int) ((slots + CHUNK_SLOTS - 1) >>> CHUNK_SHIFT);
        for (int c = 0; c < used; c++) {
            if (chunks[c] == null) {
                int longs = 3 * (int) Math.min(CHUNK_SLOTS, maxSlots - ((long) c << CHUNK_SHIFT));
                memory[c] = ByteBuffer.allocateDirect(8 * longs); // zeroed
                chunks[c] = memory[c].order(ByteOrder.nativeOrder()).asLongBuffer();
            } else {
                chunks[c].put(0, ZEROS, 0, chunks[c].capacity());
            }
        }
        entries = 0;
    }

    /** Bytes of the chunks made so far. */
    long allocatedBytes() {
        long bytes = 0;
        for (ByteBuffer m : memory) {
            bytes += m == null ? 0 : m.capacity();
        }
        return bytes;
    }

    /** Gives the chunks' memory back now; the map is not used again. */
    void free() {
        for (int c = 0; c < memory.length; c++) {
            Unmapper.unmap(memory[c]);
            memory[c] = null;
            chunks[c] = null;
        }
    }

    /**
     * Records {@code offset} as the latest for {@code key} (the caller goes in offset order). Returns false,
     * recording nothing, when the key is new and the map is full.
     */
    boolean put(ByteBuffer key, long offset) {
        hash(key);
        long slot = find();
        LongBuffer chunk = chunks[(int) (slot >>> CHUNK_SHIFT)];
        int at = 3 * (int) (slot & (CHUNK_SLOTS - 1));
        if (chunk.get(at) == 0 && chunk.get(at + 1) == 0) {
            if (entries >= maxEntries) {
                return false;
            }
            chunk.put(at, d0);
            chunk.put(at + 1, d1);
            entries++;
        }
        chunk.put(at + 2, offset);
        return true;
    }

    /** The latest offset recorded for {@code key}, or -1. */
    long get(ByteBuffer key) {
        hash(key);
        long slot = find();
        LongBuffer chunk = chunks[(int) (slot >>> CHUNK_SHIFT)];
        int at = 3 * (int) (slot & (CHUNK_SLOTS - 1));
        return chunk.get(at) == 0 && chunk.get(at + 1) == 0 ? -1 : chunk.get(at + 2);
    }

    private void hash(ByteBuffer key) {
        md5.update(key.duplicate());
        try {
            md5.digest(digest, 0, DIGEST);
        } catch (DigestException e) {
            throw new IllegalStateException(e);
        }
        d0 = digestView.getLong(0);
        d1 = digestView.getLong(8);
        if (d0 == 0 && d1 == 0) {
            d1 = 1; // zero marks an empty slot
        }
    }

    /** The slot holding the current digest, or the empty slot where it would go. */
    private long find() {
        long slot = Long.remainderUnsigned(d0, slots);
        while (true) {
            LongBuffer chunk = chunks[(int) (slot >>> CHUNK_SHIFT)];
            int at = 3 * (int) (slot & (CHUNK_SLOTS - 1));
            long a = chunk.get(at);
            long b = chunk.get(at + 1);
            if (a == 0 && b == 0 || a == d0 && b == d1) {
                return slot;
            }
            slot = slot + 1 == slots ? 0 : slot + 1;
        }
    }
}
