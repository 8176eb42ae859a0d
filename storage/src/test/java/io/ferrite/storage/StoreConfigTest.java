package io.ferrite.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
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
    void thePoolFollowsTheFlushModeWhileWarmingAndMappingAreOff() {
        StoreConfig sync = StoreConfig.defaults(DIR, FlushMode.SYNC);
        assertFalse(sync.warmFiles());
        assertTrue(sync.transientStorePoolEnabled());
        assertFalse(sync.appendIntoMapping());
        StoreConfig async = StoreConfig.defaults(DIR);
        assertFalse(async.warmFiles());
        assertFalse(async.transientStorePoolEnabled());
    }

    @Test
    void badValuesNameTheKey() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StoreConfig.builder(DIR, FlushMode.ASYNC)
                .commitLogFileSize(1000).build()).getMessage().contains("store.commitlog.file.bytes"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StoreConfig.builder(DIR, FlushMode.ASYNC)
                .consumeQueueEntriesPerFile(100).build()).getMessage().contains("store.consumequeue.file.entries"));
        assertThrows(IllegalArgumentException.class, () -> new Retention(-2, 0));
    }
}
