package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ferrite.launcher.FerriteProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker in sync flush mode killed with SIGKILL right after a transaction's commit was acknowledged (its
 * markers, over many partitions, still being written) and while another transaction is open. On restart the
 * decided transaction completes, the open one is aborted when its id's next producer starts, and a read_committed
 * consumer reads exactly the committed records in every partition, none of the aborted ones.
 */
@Compat(family = Compat.JAVA, feature = "transactions across a broker SIGKILL")
@Timeout(240)
class TransactionCrashTest {
    private static final String TOPIC = "tx-crash";
    private static final int PARTITIONS = 24;
    private static final int PER_PARTITION = 20;

    @TempDir
    Path dir;
    private FerriteProcess broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private void send(KafkaProducer<byte[], byte[]> producer, String tag, int perPartition) {
        for (int p = 0; p < PARTITIONS; p++) {
            for (int i = 0; i < perPartition; i++) {
                producer.send(new ProducerRecord<>(TOPIC, p, null, Clients.bytes(tag + "-" + p + "-" + i)));
            }
        }
    }

    @Test
    void aDecidedTransactionCompletesAndAnOpenOneIsAbortedAfterAKill() throws Exception {
        broker = FerriteProcess.start("TransactionCrashTest", dir.resolve("data"), Map.of("store.flush.mode", "sync"));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        KafkaProducer<byte[], byte[]> open = TransactionScenarios.producer(broker.bootstrap(), "left-open");
        KafkaProducer<byte[], byte[]> committer = TransactionScenarios.producer(broker.bootstrap(), "committer");
        try {
            open.initTransactions();
            open.beginTransaction();
            send(open, "open", 2);
            open.flush(); // written, never ended
            committer.initTransactions();
            committer.beginTransaction();
            send(committer, "committed", PER_PARTITION);
            committer.commitTransaction(); // acknowledged once the decision is durable; markers follow
            broker.kill();
        } finally {
            open.close(Duration.ZERO);
            committer.close(Duration.ZERO);
        }
        broker.restart();

        // The id's next producer finds the transaction its predecessor left open, which is aborted first.
        try (KafkaProducer<byte[], byte[]> next = TransactionScenarios.producer(broker.bootstrap(), "left-open")) {
            next.initTransactions();
        }
        List<TopicPartition> tps = IntStream.range(0, PARTITIONS).mapToObj(p -> new TopicPartition(TOPIC, p))
                .collect(Collectors.toList());
        TreeSet<String> expected = new TreeSet<>();
        for (int p = 0; p < PARTITIONS; p++) {
            for (int i = 0; i < PER_PARTITION; i++) {
                expected.add("committed-" + p + "-" + i);
            }
        }
        try (KafkaConsumer<byte[], byte[]> c = Clients.consumer(broker.bootstrap(),
                Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            List<String> read = TransactionScenarios.readToEnd(c, tps);
            assertEquals(expected, new TreeSet<>(read), "read_committed after the restart");
            assertEquals(expected.size(), read.size(), "each once");
            Map<TopicPartition, Long> stable = c.endOffsets(tps, Duration.ofSeconds(30));
            try (KafkaConsumer<byte[], byte[]> u = Clients.consumer(broker.bootstrap(), Map.of())) {
                assertEquals(u.endOffsets(tps, Duration.ofSeconds(30)), stable,
                        "no transaction is open any more: the last stable offsets are the log ends");
            }
        }
    }
}
