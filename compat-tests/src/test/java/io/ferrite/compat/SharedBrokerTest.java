package io.ferrite.compat;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;

/**
 * A client-family test class run once per {@link BrokerKind} (a {@code @ParameterizedClass} over
 * {@code BrokerKind#selected}), against one {@link SharedBroker} per run: a subclass starts it from its
 * {@code @BeforeParameterizedClassInvocation} with {@link #startBroker}; it is closed here after the run.
 * Test classes run one at a time, so the shared fields are safe.
 */
abstract class SharedBrokerTest {
    @Parameter
    BrokerKind kind;

    @TempDir
    static Path dir;
    static SharedBroker shared;

    static void startBroker(BrokerKind kind, String testName) throws Exception {
        shared = SharedBroker.start(kind, testName, dir);
    }

    @AfterParameterizedClassInvocation
    static void stopBroker() {
        if (shared != null) {
            shared.close();
            shared = null;
        }
    }
}
