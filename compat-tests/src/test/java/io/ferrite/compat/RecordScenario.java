package io.ferrite.compat;

import io.ferrite.launcher.BrokerUnderTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;

/**
 * A small produce-and-read scenario whose every observable result is the same on any broker that behaves
 * like Kafka: which partition and offset each record got, what a consumer reads back (key, value, headers,
 * timestamp and its type, leader epoch) and what ListOffsets answers. It is run against each broker and the
 * {@link Outcome}s compared, so nothing here says what the right answer is: Kafka does.
 *
 * <p>Everything that could differ between two correct runs is pinned: records without a key name their
 * partition (the client would pick one at random), and timestamps are given explicitly. On a
 * LogAppendTime topic the broker's clock decides, so there only the relation between the acknowledged and
 * the read timestamp is kept, and the acknowledged ones are checked to lie within the produce call.
 */
public final class RecordScenario {
    /**
     * The CreateTime base, the same for both brokers. An hour back, whole seconds: recent enough that Kafka's
     * time retention (7 days by the record timestamps) leaves the records alone.
     */
    static final long BASE_TIME = (System.currentTimeMillis() / 1000 - 3600) * 1000;
    private static final int PARTITIONS = 3;
    private static final int RECORDS = 30;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String LATEST = "latest";

    /** Where a broker said a record went. On a LogAppendTime topic the timestamp is -1: see the class comment. */
    public record Ack(int partition, long offset, long timestamp) {
    }

    /**
     * A record as the consumer handed it out, bytes shown as text. On a LogAppendTime topic the timestamp
     * is its distance from the acknowledged one.
     */
    public record Seen(int partition, long offset, long timestamp, TimestampType type, Optional<Integer> leaderEpoch,
            String key, String value, List<String> headers) {
    }

    /** One ListOffsets answer. */
    public record Listed(int partition, String spec, long offset, long timestamp, Optional<Integer> leaderEpoch) {
    }

    /** Everything one run observed on one topic. */
    public record Outcome(List<Ack> acks, List<Seen> seen, List<Listed> listed) {
        /** The leader epochs the {@code latest} lookups answered, which are the partitions' current ones. */
        public List<Optional<Integer>> currentLeaderEpochs() {
            return listed.stream().filter(l -> l.spec().equals(LATEST)).map(Listed::leaderEpoch).toList();
        }

        /** This outcome with the current leader epochs left out, for comparing brokers that differ in them. */
        public Outcome withoutCurrentLeaderEpochs() {
            return new Outcome(acks, seen, listed.stream()
                    .map(l -> l.spec().equals(LATEST)
                            ? new Listed(l.partition(), l.spec(), l.offset(), l.timestamp(), Optional.empty()) : l)
                    .toList());
        }
    }

    private final String topic;
    private final boolean logAppendTime;
    /** Per broker name, the timestamp each acknowledged partition/offset came back with. */
    private final Map<String, Map<String, Long>> ackTimesByBroker = new ConcurrentHashMap<>();

    private RecordScenario(String topic, boolean logAppendTime) {
        this.topic = topic;
        this.logAppendTime = logAppendTime;
    }

    /** Records with explicit timestamps, some out of order, on a topic with Kafka's default configs. */
    public static RecordScenario createTime(String topic) {
        return new RecordScenario(topic, false);
    }

    /** The same records on a topic with {@code message.timestamp.type=LogAppendTime}. */
    public static RecordScenario logAppendTime(String topic) {
        return new RecordScenario(topic, true);
    }

    /** Creates the topic, produces the records and observes the results. */
    public Outcome produceAndObserve(BrokerUnderTest broker) throws Exception {
        try (Admin admin = admin(broker)) {
            Map<String, String> configs = logAppendTime ? Map.of("message.timestamp.type", "LogAppendTime") : Map.of();
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1).configs(configs)))
                    .all().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
        List<ProducerRecord<byte[], byte[]>> records = records();
        List<Future<RecordMetadata>> futures = new ArrayList<>();
        long before = System.currentTimeMillis();
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(), Map.of())) {
            for (ProducerRecord<byte[], byte[]> r : records) {
                futures.add(producer.send(r));
            }
            producer.flush();
        }
        long after = System.currentTimeMillis();
        List<Ack> acks = new ArrayList<>();
        Map<String, Long> ackTimes = new HashMap<>();
        for (Future<RecordMetadata> f : futures) {
            RecordMetadata m = f.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            if (logAppendTime && (m.timestamp() < before || m.timestamp() > after)) {
                throw new AssertionError(broker.name() + ": append time " + m.timestamp() + " of " + m
                        + " is outside the produce call [" + before + ", " + after + "]");
            }
            acks.add(new Ack(m.partition(), m.offset(), logAppendTime ? -1 : m.timestamp()));
            ackTimes.put(m.partition() + "/" + m.offset(), m.timestamp());
        }
        ackTimesByBroker.put(broker.name(), ackTimes);
        Outcome observed = observeAgain(broker);
        return new Outcome(acks, observed.seen(), observed.listed());
    }

    /**
     * Reads back what {@link #produceAndObserve} wrote to this broker, e.g. after a restart. The
     * acknowledgements are not part of this outcome.
     */
    public Outcome observeAgain(BrokerUnderTest broker) throws Exception {
        Map<String, Long> ackTimes = ackTimesByBroker.get(broker.name());
        if (ackTimes == null) {
            throw new IllegalStateException("nothing was produced to " + broker.name() + " yet");
        }
        List<TopicPartition> partitions = IntStream.range(0, PARTITIONS)
                .mapToObj(p -> new TopicPartition(topic, p)).toList();
        Map<Integer, List<ConsumerRecord<byte[], byte[]>>> read;
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.bootstrap(), Map.of())) {
            read = Clients.readAll(consumer, partitions, RECORDS, TIMEOUT);
        }
        List<Seen> seen = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            for (ConsumerRecord<byte[], byte[]> r : read.getOrDefault(tp.partition(), List.of())) {
                long timestamp = r.timestamp();
                if (logAppendTime) {
                    Long ack = ackTimes.get(r.partition() + "/" + r.offset());
                    timestamp = ack == null ? Long.MIN_VALUE : timestamp - ack;
                }
                List<String> headers = new ArrayList<>();
                for (Header h : r.headers()) {
                    headers.add(h.key() + "=" + show(h.value()));
                }
                seen.add(new Seen(r.partition(), r.offset(), timestamp, r.timestampType(), r.leaderEpoch(),
                        show(r.key()), show(r.value()), headers));
            }
        }
        return new Outcome(List.of(), seen, listOffsets(broker, partitions));
    }

    private List<Listed> listOffsets(BrokerUnderTest broker, List<TopicPartition> partitions) throws Exception {
        Map<String, OffsetSpec> specs = new LinkedHashMap<>();
        specs.put("earliest", OffsetSpec.earliest());
        specs.put(LATEST, OffsetSpec.latest());
        specs.put("maxTimestamp", OffsetSpec.maxTimestamp());
        // Between records 10 and 11, after the out-of-order ones at the start; and before every record.
        specs.put("forTimestamp(base+10.5s)", OffsetSpec.forTimestamp(BASE_TIME + 10_500));
        specs.put("forTimestamp(0)", OffsetSpec.forTimestamp(0));
        List<Listed> listed = new ArrayList<>();
        try (Admin admin = admin(broker)) {
            for (Map.Entry<String, OffsetSpec> spec : specs.entrySet()) {
                Map<TopicPartition, OffsetSpec> request = new LinkedHashMap<>();
                partitions.forEach(tp -> request.put(tp, spec.getValue()));
                Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> answers = admin.listOffsets(request)
                        .all().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                for (TopicPartition tp : partitions) {
                    ListOffsetsResult.ListOffsetsResultInfo info = answers.get(tp);
                    // Broker time on a LogAppendTime topic: only whether one was given is comparable.
                    long timestamp = logAppendTime && info.timestamp() >= 0 ? 0 : info.timestamp();
                    listed.add(new Listed(tp.partition(), spec.getKey(), info.offset(), timestamp, info.leaderEpoch()));
                }
            }
        }
        return listed;
    }

    /**
     * Thirty records: keys repeat (the client's hash picks the partition), every fourth has no key and names
     * its partition, values include null and empty, headers include a null value and a repeated key, and
     * every sixth timestamp goes back in time.
     */
    private List<ProducerRecord<byte[], byte[]>> records() {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            byte[] key = i % 4 == 3 ? null : Clients.bytes("key-" + (i % 7));
            Integer partition = key == null ? i % PARTITIONS : null;
            byte[] value = switch (i % 5) {
                case 4 -> null;
                case 3 -> new byte[0];
                default -> Clients.bytes("value-" + i);
            };
            long timestamp = i % 6 == 5 ? BASE_TIME - i * 1000L : BASE_TIME + i * 1000L;
            List<Header> headers = new ArrayList<>(List.of(new RecordHeader("seq", Clients.bytes(Integer.toString(i)))));
            if (i % 3 == 0) {
                headers.add(new RecordHeader("none", null));
                headers.add(new RecordHeader("twice", Clients.bytes("a")));
                headers.add(new RecordHeader("twice", new byte[] {0, (byte) 0xff}));
            }
            records.add(new ProducerRecord<>(topic, partition, timestamp, key, value, headers));
        }
        return records;
    }

    private static Admin admin(BrokerUnderTest broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis()));
    }

    /** null, text in quotes when it is printable UTF-8, hex otherwise. */
    static String show(byte[] bytes) {
        if (bytes == null) {
            return "null";
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        boolean printable = text.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
        return printable ? "'" + text + "'" : "0x" + HexFormat.of().formatHex(bytes);
    }
}
