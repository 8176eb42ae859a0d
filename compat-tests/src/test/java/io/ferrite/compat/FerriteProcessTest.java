package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.launcher.FerriteProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher itself: a clean SIGTERM stop, a SIGKILL, and restarts on the same port and data; and the broker
 * it starts, as bin/broker does, says nothing of SLF4J.
 */
@Timeout(120)
class FerriteProcessTest {
    @TempDir
    Path dir;
    private FerriteProcess broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private Set<String> topics() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
            return admin.listTopics().names().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void sigtermStopsCleanlySigkillLeavesTheAbortFileAndBothRestartOnTheSameData() throws Exception {
        Path data = dir.resolve("data");
        broker = FerriteProcess.start("FerriteProcessTest", data, Map.of());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic("kept", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        long firstPid = broker.pid();
        // kafka-clients' classes log through slf4j; the broker binds it to log4j2, so nothing is lost or warned.
        assertFalse(broker.process().logTail(1_000_000).contains("SLF4J"), broker.process().logTail(10_000));

        broker.stop();
        assertFalse(Files.exists(data.resolve("abort")), "a clean stop removes the abort file");
        broker.restart();
        assertNotEquals(firstPid, broker.pid());
        assertTrue(topics().contains("kept"));

        broker.kill();
        assertTrue(Files.exists(data.resolve("abort")), "SIGKILL gave the broker no chance to clean up");
        broker.restart();
        assertTrue(topics().contains("kept"));
    }
}
