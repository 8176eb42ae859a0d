package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.launcher.Command;
import io.ferrite.launcher.KafkaTools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Kafka 4.3's record tools against a child broker: the console producer and consumer, kafka-get-offsets and
 * kafka-delete-records, checked against a stock AdminClient, producer and consumer. The console consumer is
 * given a partition, so it assigns it and uses no consumer group (it still sets a random group id, which it
 * never uses for an assigned partition read from a given offset with auto-commit off).
 */
@Timeout(240)
class RecordToolsTest extends ToolsTestBase {
    @Compat(family = Compat.CLI, feature = "produce and consume, keys and headers")
    @Test
    void keyedLinesWithHeadersFromTheConsoleProducerComeBackThroughTheConsoleConsumer() throws Exception {
        String topic = "cli-console";
        createTopic(topic, 2);
        int count = 20;
        StringBuilder input = new StringBuilder();
        for (int i = 0; i < count; i++) {
            input.append("seq:").append(i).append(",src:cli\tkey-").append(i).append(":value-").append(i).append('\n');
        }
        tools.run("produce", KafkaTools.CONSOLE_PRODUCER, input.toString(), "--topic", topic,
                "--reader-property", "parse.key=true", "--reader-property", "key.separator=:",
                "--reader-property", "parse.headers=true").ok();

        // The stock consumer finds every line, each keyed record in the partition Kafka's default partitioner
        // picks for its key, with its headers.
        List<TopicPartition> partitions = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
        Map<Integer, List<ConsumerRecord<byte[], byte[]>>> read;
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.bootstrap(), Map.of())) {
            read = Clients.readAll(consumer, partitions, count, Duration.ofSeconds(30));
        }
        List<String> expectedFromPartition0 = new ArrayList<>();
        for (List<ConsumerRecord<byte[], byte[]>> records : read.values()) {
            for (ConsumerRecord<byte[], byte[]> r : records) {
                String key = new String(r.key(), StandardCharsets.UTF_8);
                int i = Integer.parseInt(key.substring("key-".length()));
                assertEquals("value-" + i, new String(r.value(), StandardCharsets.UTF_8));
                assertEquals(Utils.toPositive(Utils.murmur2(r.key())) % 2, r.partition(), key);
                Clients.assertHeaders(new Header[] {new RecordHeader("seq", Clients.bytes(Integer.toString(i))),
                        new RecordHeader("src", Clients.bytes("cli"))}, r.headers().toArray(), key);
                if (r.partition() == 0) {
                    expectedFromPartition0.add("Offset:" + r.offset() + "\tseq:" + i + ",src:cli\t" + key + "\tvalue-" + i);
                }
            }
        }
        // Fixed keys hash the same way every run; an empty partition would leave nothing to check below.
        assertTrue(!expectedFromPartition0.isEmpty() && expectedFromPartition0.size() < count,
                expectedFromPartition0.toString());

        Command.Result consumed = tools.run("consume", KafkaTools.CONSOLE_CONSUMER, "", "--topic", topic,
                "--partition", "0", "--offset", "earliest", "--max-messages",
                Integer.toString(expectedFromPartition0.size()), "--timeout-ms", "30000",
                "--formatter-property", "print.key=true", "--formatter-property", "print.headers=true",
                "--formatter-property", "print.offset=true").ok();
        assertEquals(expectedFromPartition0, consumed.lines());
        assertTrue(consumed.stderr().contains("Processed a total of " + expectedFromPartition0.size() + " messages"),
                consumed.stderr());
    }

    @Compat(family = Compat.CLI, feature = "offsets: start, end, offsetsForTimes")
    @Test
    void getOffsetsFindsTheEndTheStartAndTheFirstOffsetAtATime() throws Exception {
        String topic = "cli-offsets";
        createTopic(topic, 1);
        long early = System.currentTimeMillis() - 60_000;
        long late = early + 30_000;
        produce(topic, early, 6);
        produce(topic, late, 4);

        assertEquals(List.of(topic + ":0:10"), offsets("end", topic, -1));
        assertEquals(List.of(topic + ":0:0"), offsets("start", topic, -2));
        assertEquals(List.of(topic + ":0:6"), offsets("time", topic, early + 1), "first record at or after it");
    }

    @Compat(family = Compat.CLI, feature = "DeleteRecords")
    @Test
    void deleteRecordsMovesTheStartThatGetOffsetsShows() throws Exception {
        String topic = "cli-delete";
        createTopic(topic, 1);
        produce(topic, System.currentTimeMillis(), 10);
        Path json = Files.writeString(dir.resolve("delete-records.json"),
                "{\"partitions\":[{\"topic\":\"" + topic + "\",\"partition\":0,\"offset\":7}],\"version\":1}");

        List<String> out = tools.run("delete-records", KafkaTools.DELETE_RECORDS, "",
                "--offset-json-file", json.toString()).ok().lines();
        assertTrue(out.contains("partition: " + topic + "-0\tlow_watermark: 7"), out.toString());

        assertEquals(List.of(topic + ":0:7"), offsets("start-after-delete", topic, -2));
        TopicPartition tp = new TopicPartition(topic, 0);
        assertEquals(7, admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).partitionResult(tp)
                .get(30, TimeUnit.SECONDS).offset());
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.bootstrap(), Map.of())) {
            List<ConsumerRecord<byte[], byte[]>> left = Clients.readAll(consumer, List.of(tp), 3,
                    Duration.ofSeconds(30)).get(0);
            assertEquals(7, left.get(0).offset(), "reading from the start begins at the new start");
        }
    }

    private static List<String> offsets(String name, String topic, long time) throws Exception {
        return tools.run("get-offsets-" + name, KafkaTools.GET_OFFSETS, "", "--topic", topic,
                "--time", Long.toString(time)).ok().lines();
    }

    private static void createTopic(String name, int partitions) throws Exception {
        admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }

    /** {@code count} records to partition 0, all with the one timestamp. */
    private static void produce(String topic, long timestamp, int count) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(), Map.of())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, 0, timestamp, null, Clients.bytes("r" + i)))
                        .get(30, TimeUnit.SECONDS);
            }
        }
    }
}
