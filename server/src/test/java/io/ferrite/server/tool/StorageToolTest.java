package io.ferrite.server.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.server.Broker;
import io.ferrite.server.config.BrokerConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The storage tool on a store a real broker wrote and closed: format before a first start, info, a clean check,
 * dumps of CommitLog and ConsumeQueue files that match what was produced, and a flipped byte found by check and
 * marked by dump.
 */
@Timeout(120)
class StorageToolTest {
    @TempDir
    Path dir;

    private record Result(int status, String out, String err) {
    }

    private Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = new StorageTool(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)).run(args);
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Path config() throws Exception {
        return Files.writeString(dir.resolve("server.properties"), "listeners=PLAINTEXT://127.0.0.1:0\n"
                + "log.dirs=" + dir.resolve("data") + "\nstore.commitlog.file.bytes=1048576\nnode.id=3\n");
    }

    private Map<String, String> props() {
        return Map.of("listeners", "PLAINTEXT://127.0.0.1:0", "log.dirs", dir.resolve("data").toString(),
                "store.commitlog.file.bytes", "1048576", "node.id", "3");
    }

    @Test
    void formatsInspectsChecksAndDumpsAStore() throws Exception {
        String config = config().toString();
        String clusterId = "vK4Gf0eBQDWzVh1Hb9cwWA";
        Result formatted = run("format", "--config", config, "--cluster-id", clusterId);
        assertEquals(0, formatted.status(), formatted.err());
        assertEquals(1, run("format", "--config", config).status(), "formatted already");
        assertEquals(0, run("format", "--config", config, "--ignore-formatted").status());
        assertEquals(2, run("format", "--config", config, "--cluster-id", "not-an-id!").status());

        try (Broker broker = Broker.start(BrokerConfig.fromProperties(props()), Clock.systemUTC())) {
            String bootstrap = "127.0.0.1:" + broker.port();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                admin.createTopics(List.of(new NewTopic("orders", 1, (short) 1))).all().get();
            }
            try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    bootstrap, ProducerConfig.COMPRESSION_TYPE_CONFIG, "gzip", ProducerConfig.LINGER_MS_CONFIG, 50),
                    new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < 10; i++) {
                    p.send(new ProducerRecord<>("orders", 0, "key-" + i, "value-" + i));
                }
                p.flush();
            }
            assertTrue(run("info", "--config", config).out().contains("in use"), "the broker holds it");
            assertEquals(1, run("check", "--config", config).status(), "not while in use, without --force");
            Result forced = run("check", "--config", config, "--force");
            assertEquals(0, forced.status(), forced.out() + forced.err());
        }

        Result info = run("info", "--config", config);
        assertEquals(0, info.status(), info.err());
        assertTrue(info.out().contains("cluster.id: " + clusterId), info.out());
        assertTrue(info.out().contains("node.id: 3"), info.out());
        assertTrue(info.out().contains("state: closed cleanly"), info.out());

        Result check = run("check", "--config", config);
        assertEquals(0, check.status(), check.out());
        assertTrue(check.out().contains("clean"), check.out());

        Path log = dir.resolve("data/commitlog/00000000000000000000");
        Result dump = run("dump", "--files", log.toString(), "--print-data");
        assertEquals(0, dump.status(), dump.err());
        assertTrue(dump.out().contains("partition: orders-0"), dump.out());
        assertTrue(dump.out().contains("baseOffset: 0 lastOffset: 9 count: 10"), dump.out());
        assertTrue(dump.out().contains("compresscodec: gzip"), dump.out());
        assertTrue(dump.out().contains("| offset: 3 CreateTime: "), dump.out());
        assertTrue(dump.out().contains("key: key-3 payload: value-3"), dump.out());
        assertTrue(dump.out().contains("end of the written log"), dump.out());

        Path queueFile;
        try (Stream<Path> queues = Files.walk(dir.resolve("data/consumequeue"))) {
            queueFile = queues.filter(p -> p.getFileName().toString().matches("\\d{20}")).filter(p -> {
                Result r = run("dump", "--files", p.toString());
                return r.out().contains("ConsumeQueue of orders-0");
            }).findFirst().orElseThrow();
        }
        Result queue = run("dump", "--files", queueFile.toString());
        assertTrue(queue.out().contains("index: 0 baseOffset: 0 lastOffset: 9 position: "), queue.out());

        // A byte flipped inside the orders batch's records: the batch CRC fails, and the tool says where.
        int position = Integer.parseInt(dump.out().lines().filter(l -> l.contains("partition: orders-0"))
                .findFirst().orElseThrow().split(" ")[1]);
        try (FileChannel ch = FileChannel.open(log, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, position + 100);
            b.put(0, (byte) (b.get(0) ^ 0x40)).rewind();
            ch.write(b, position + 100);
        }
        Result damaged = run("check", "--config", config);
        assertEquals(1, damaged.status(), damaged.out());
        assertTrue(damaged.out().contains("PROBLEM: " + log + " at " + position + ": the batch fails its CRC"),
                damaged.out());
        assertTrue(run("dump", "--files", log.toString()).out().contains("isvalid: false"));

        assertEquals(2, run("dump").status());
        assertEquals(2, run("check").status());
        assertEquals(2, run("unknown").status());
        assertEquals(2, run("dump", "--files", dir.resolve("server.properties").toString()).status());
    }
}
