package io.ferrite.compat;

import io.ferrite.launcher.FerriteProcess;
import io.ferrite.launcher.KafkaTools;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * One child broker per test class, a stock AdminClient on it, and Kafka's CLI tools pointed at it; both are
 * named after the test class in the logs. Test classes run one at a time, so the shared fields are safe.
 */
abstract class ToolsTestBase {
    @TempDir
    static Path dir;
    static FerriteProcess broker;
    static Admin admin;
    static KafkaTools tools;

    @BeforeAll
    static void startBroker(TestInfo info) throws Exception {
        String name = info.getTestClass().orElseThrow().getSimpleName();
        broker = FerriteProcess.start(name, dir.resolve("data"), Map.of());
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()));
        tools = KafkaTools.against(broker, name);
    }

    @AfterAll
    static void stopBroker() {
        try {
            if (admin != null) {
                admin.close();
            }
        } finally {
            if (broker != null) {
                broker.close();
            }
            admin = null;
            broker = null;
        }
    }
}
