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
        map.clear();
        assertEquals(0, map.size());
        assertEquals(-1, map.get(key("k7")));
        assertTrue(map.put(key(""), 5), "an empty key is a key");
        assertEquals(5, map.get(key("")));
    }
}
