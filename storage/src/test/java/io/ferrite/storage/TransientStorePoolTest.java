package io.ferrite.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class TransientStorePoolTest {

    @Test
    void buffersAreLentAndReturnedWithoutBlocking() {
        try (TransientStorePool pool = new TransientStorePool(2, 4096, true)) {
            ByteBuffer a = pool.borrowBuffer();
            ByteBuffer b = pool.borrowBuffer();
            assertNull(pool.borrowBuffer(), "an empty pool says so at once");
            a.put(0, (byte) 9).position(100);
            pool.returnBuffer(a);
            ByteBuffer again = pool.borrowBuffer();
            assertEquals(0, again.position(), "returned buffers come back cleared");
            pool.returnBuffer(again);
            pool.returnBuffer(b);
            assertEquals(2, pool.available());
        }
    }

    @Test
    void aPoolLargerThanDirectMemoryShrinksInsteadOfFailing() {
        long max = Runtime.getRuntime().maxMemory(); // surefire's -Xmx, which also caps direct memory by default
        int size = 64 << 20;
        int asked = (int) (4 * max / size) + 4;
        try (TransientStorePool pool = new TransientStorePool(asked, size, false)) {
            assertTrue(pool.available() < asked, "got " + pool.available() + " of " + asked);
        }
    }
}
