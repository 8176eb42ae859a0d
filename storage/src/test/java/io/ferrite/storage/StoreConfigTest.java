package io.ferrite.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StoreConfigTest {
    private static final Path DIR = Path.of("data");

    @Test
    void defaultsAreKafkaLikeAndMeasured() {
        StoreConfig c = StoreConfig.defaults(DIR);
        assertEquals(1 << 30, c.commitLogFileSize());
        assertEquals(FlushMode.ASYNC, c.flushMode());
        assertEquals(Retention.KAFKA_DEFAULT, c.defaultRetention());
        assertTrue(c.readVerifyCrc());
    }

    @Test
    void thePoolFollowsTheFlushModeUnlessSetWhileWarmingAndMappingAreOff() {
        StoreConfig sync = StoreConfig.fromProperties(DIR, Map.of("store.flush.mode", "sync"));
        assertFalse(sync.warmFiles());
        assertTrue(sync.transientStorePoolEnabled());
        assertFalse(sync.appendIntoMapping());
        StoreConfig async = StoreConfig.defaults(DIR);
        assertFalse(async.warmFiles());
        assertFalse(async.transientStorePoolEnabled());
        assertTrue(StoreConfig.fromProperties(DIR, Map.of("store.flush.mode", "sync", "store.warm.enable", "true"))
                .warmFiles());
        assertTrue(StoreConfig.fromProperties(DIR, Map.of("store.append.into.mapping", "true")).appendIntoMapping());
    }

    @Test
    void propertiesOverrideDefaults() {
        StoreConfig c = StoreConfig.fromProperties(DIR, Map.of(
                "store.flush.mode", "SYNC",
                "store.commitlog.file.bytes", "1048576",
                "store.transient.pool.enable", "true",
                "store.warm.enable", "true",
                "log.retention.bytes", "1000",
                "unrelated.key", "x"));
        assertEquals(FlushMode.SYNC, c.flushMode());
        assertEquals(1 << 20, c.commitLogFileSize());
        assertTrue(c.transientStorePoolEnabled());
        assertTrue(c.warmFiles());
        assertFalse(c.mlock());
        assertEquals(1000, c.defaultRetention().retentionBytes());
    }

    @Test
    void badValuesNameTheKey() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StoreConfig.fromProperties(DIR,
                Map.of("store.flush.mode", "sometimes"))).getMessage().contains("store.flush.mode"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StoreConfig.fromProperties(DIR,
                Map.of("store.commitlog.file.bytes", "1000"))).getMessage().contains("store.commitlog.file.bytes"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StoreConfig.fromProperties(DIR,
                Map.of("store.mlock.enable", "yes"))).getMessage().contains("store.mlock.enable"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StoreConfig.fromProperties(DIR,
                Map.of("store.commitlog.file.bytes", "99999999999"))).getMessage().contains("out of range"));
        assertThrows(IllegalArgumentException.class, () -> new Retention(-2, 0));
    }
}
