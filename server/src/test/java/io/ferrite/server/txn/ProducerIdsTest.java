package io.ferrite.server.txn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProducerIdsTest {
    @TempDir
    Path dir;

    @Test
    void idsNeverRepeatAcrossRestartsEvenMidBlock() {
        Set<Long> seen = new HashSet<>();
        ProducerIds ids = new ProducerIds(dir);
        for (int i = 0; i < 1500; i++) {
            assertTrue(seen.add(ids.next()));
        }
        ProducerIds afterCrash = new ProducerIds(dir); // as if the process died mid-block
        long first = afterCrash.next();
        assertTrue(seen.add(first));
        assertEquals(2 * ProducerIds.BLOCK, first, "the rest of the reserved block is skipped, never reused");
    }

    @Test
    void aDamagedFileIsRefusedRatherThanGuessed() throws Exception {
        new ProducerIds(dir).next();
        byte[] b = Files.readAllBytes(dir.resolve(ProducerIds.FILE));
        b[3] ^= 1;
        Files.write(dir.resolve(ProducerIds.FILE), b);
        assertThrows(IllegalStateException.class, () -> new ProducerIds(dir));
    }
}
