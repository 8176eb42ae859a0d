package io.ferrite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every API the broker serves is registered with its access rule: none falls back to super-users-only. */
class AccessRulesTest {
    @TempDir
    Path dir;

    @Test
    void everyApiHasItsAccessRule() {
        try (Handlers handlers = Handlers.open(dir, Map.of())) {
            assertEquals(Set.of(), handlers.registry().unchecked());
        }
    }
}
