package io.ferrite.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.storage.FlushMode;
import io.ferrite.storage.StoreConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The store's keys as the broker reads them from its properties. */
class StoreConfigsTest {
    private static StoreConfig store(Map<String, String> props) {
        Map<String, String> all = new HashMap<>(props);
        all.putIfAbsent("log.dir", "data");
        return BrokerConfig.fromProperties(all).store();
    }

    @Test
    void unsetKeysAreTheStoresOwnDefaults() {
        assertEquals(StoreConfig.defaults(Path.of("data")), store(Map.of()));
        assertEquals(StoreConfig.defaults(Path.of("data"), FlushMode.SYNC), store(Map.of("store.flush.mode", "sync")));
    }

    @Test
    void thePoolFollowsTheFlushModeUnlessSet() {
        assertTrue(store(Map.of("store.flush.mode", "sync")).transientStorePoolEnabled());
        assertFalse(store(Map.of("store.flush.mode", "sync", "store.transient.pool.enable", "false"))
                .transientStorePoolEnabled());
        assertTrue(store(Map.of("store.transient.pool.enable", "true")).transientStorePoolEnabled());
        assertTrue(store(Map.of("store.flush.mode", "sync", "store.warm.enable", "true")).warmFiles());
        assertTrue(store(Map.of("store.append.into.mapping", "true")).appendIntoMapping());
    }

    @Test
    void propertiesOverrideDefaults() {
        StoreConfig c = store(Map.of(
                "store.flush.mode", "SYNC",
                "store.commitlog.file.bytes", "1048576",
                "store.warm.enable", "true",
                "log.retention.bytes", "1000",
                "unrelated.key", "x"));
        assertEquals(FlushMode.SYNC, c.flushMode());
        assertEquals(1 << 20, c.commitLogFileSize());
        assertTrue(c.warmFiles());
        assertFalse(c.mlock());
        assertEquals(1000, c.defaultRetention().retentionBytes());
        assertEquals(Path.of("elsewhere"), store(Map.of("log.dirs", "elsewhere,other")).dataDir());
    }

    @Test
    void badValuesNameTheKey() {
        for (Map<String, String> bad : new Map[] {
                Map.of("store.flush.mode", "sometimes"),
                Map.of("store.commitlog.file.bytes", "1000"),
                Map.of("store.commitlog.file.bytes", "1048577"),
                Map.of("store.mlock.enable", "yes"),
                Map.of("store.commitlog.file.bytes", "99999999999"),
                Map.of("store.max.disk.used.ratio", "1.5")}) {
            String key = bad.keySet().iterator().next();
            String message = assertThrows(IllegalArgumentException.class, () -> store(bad)).getMessage();
            assertTrue(message.contains(key), message);
        }
    }
}
