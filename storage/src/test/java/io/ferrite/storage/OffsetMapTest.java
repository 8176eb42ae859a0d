package io.ferrite.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The cleaner's key map: the latest offset per key, a fixed memory, and a refusal once full. */
class OffsetMapTest {
    private static ByteBuffer key(String k) {
        return ByteBuffer.wrap(k.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void keepsTheLatestOffsetOfEachKeyAndRefusesNewKeysOnceFull() {
        OffsetMap map = new OffsetMap(100 * OffsetMap.SLOT, 0.5);
        map.reset(Long.MAX_VALUE);
        assertEquals(50, map.maxEntries());
        for (int i = 0; i < 50; i++) {
            assertTrue(map.put(key("k" + i), i));
        }
        assertTrue(map.put(key("k7"), 1_000), "an update of a known key always fits");
        assertFalse(map.put(key("new"), 2_000), "no room for a new key");
        assertEquals(1_000, map.get(key("k7")));
        assertEquals(49, map.get(key("k49")));
        assertEquals(-1, map.get(key("new")));
        ByteBuffer read = key("k3");
        read.position(1); // only the remaining bytes are the key
        assertEquals(-1, map.get(read));
        map.reset(Long.MAX_VALUE);
        assertEquals(0, map.size());
        assertEquals(-1, map.get(key("k7")));
        assertTrue(map.put(key(""), 5), "an empty key is a key");
        assertEquals(5, map.get(key("")));
    }

    @Test
    void aPassUsesOnlyTheSlotsItsRecordsNeedAndTheMemoryGrowsInChunks() {
        long chunkBytes = (long) OffsetMap.CHUNK_SLOTS * OffsetMap.SLOT;
        OffsetMap map = new OffsetMap(3 * chunkBytes + 10 * OffsetMap.SLOT, 0.9);
        map.reset(100);
        assertEquals(chunkBytes, map.allocatedBytes(), "a small pass takes one chunk");
        assertTrue(map.maxEntries() >= 100 && map.maxEntries() < 200, "and as many slots as it can need");
        for (int i = 0; i < 100; i++) {
            assertTrue(map.put(key("small-" + i), i));
        }

        map.reset(Long.MAX_VALUE); // every chunk, the last one short
        assertEquals(3 * chunkBytes + 10 * OffsetMap.SLOT, map.allocatedBytes());
        assertEquals(-1, map.get(key("small-7")), "the reset emptied the chunk the small pass used");
        int keys = (int) map.maxEntries();
        for (int i = 0; i < keys; i++) { // a full map: probes run across chunk boundaries and wrap at the end
            assertTrue(map.put(key("k" + i), i), "key " + i);
        }
        assertFalse(map.put(key("one-more"), 0));
        for (int i = 0; i < keys; i++) {
            assertTrue(map.put(key("k" + i), keys + i), "an update of a known key");
        }
        for (int i = 0; i < keys; i += 97) {
            assertEquals(keys + i, map.get(key("k" + i)));
        }
        assertEquals(keys, map.size());
        map.free();
        assertEquals(0, map.allocatedBytes());
    }
}
