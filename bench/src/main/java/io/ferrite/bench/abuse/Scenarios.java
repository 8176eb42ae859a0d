package io.ferrite.bench.abuse;

import io.ferrite.launcher.BrokerUnderTest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The abuse cases: what one misbehaving client can do to a broker. Each runs against one fresh broker and
 * records its measures as it takes them, so a broker that dies half way still leaves what was seen before.
 * Every case is bounded in requests, connections and time; none needs more than loopback.
 */
final class Scenarios {
    /** Every request the harness sends is a version both brokers serve and still names topics (not ids). */
    private static final short METADATA_V12 = 12;
    private static final short PRODUCE_V9 = 9;
    private static final short FETCH_V12 = 12;

    static final int FLOOD_TOPICS = 20_000;
    static final Duration FLOOD_ANSWER_WAIT = Duration.ofSeconds(120);
    static final int BOMBS = 4;
    static final int BOMB_BYTES = 256 << 20;
    static final int ANNOUNCED_FRAME = 1_000_000;
    static final int FILL_RECORDS = 200;
    static final int FILL_RECORD_BYTES = 500_000;
    static final int FETCHES = 200;
    static final int FETCH_MAX_BYTES = 50_000_000;

    /** What a scenario is given: its broker, and where its measures go. */
    record Run(BrokerUnderTest broker, String scenario, BiConsumer<String, String> sink) {
        void measure(String name, String value) {
            sink.accept(name, value);
        }

        long pid() {
            return broker.pid();
        }

        /** "yes", or how the broker's process ended. */
        String alive() {
            return broker.process().isAlive() ? "yes" : "died (exit " + broker.process().exitValue() + ")";
        }

        HealthProbe.Result probe(String when) {
            return HealthProbe.run(broker, "probe-" + scenario + "-" + when);
        }
    }

    interface Body {
        void run(Run run) throws Exception;
    }

    /** One case: its number, a short name for the table, what it does (for the doc), and the run itself. */
    record Scenario(String id, String name, String description, Body body) {
    }

    private final int connections;
    private final Duration hold;
    /** The gzip batch of scenario 2, built once (compressing 256 MiB takes a few seconds) and sent to both. */
    private MemoryRecords bomb;

    /** {@code connections} stalled connections in scenario 3; scenarios 3 and 4 hold their abuse for {@code hold}. */
    Scenarios(int connections, Duration hold) {
        this.connections = connections;
        this.hold = hold;
    }

    List<Scenario> all() {
        return List.of(
                new Scenario("1", "metadata flood", String.format(Locale.ROOT, "one Metadata request (v%d,"
                        + " allowAutoTopicCreation) naming %,d topics that do not exist, on a plain socket; the"
                        + " answer is awaited %d s; then the probe, and how many of the topics exist",
                        METADATA_V12, FLOOD_TOPICS, FLOOD_ANSWER_WAIT.toSeconds()), this::metadataFlood),
                new Scenario("2", "gzip bombs", String.format(Locale.ROOT, "%d produce requests (v%d, acks=all)"
                        + " pipelined on one connection, each one gzip batch holding one record of %d MiB of"
                        + " zeros (about 255 KiB on the wire), to a topic whose max.message.bytes (8 MiB) lets"
                        + " the wire size through; the answers' error codes, memory, then the probe",
                        BOMBS, PRODUCE_V9, BOMB_BYTES >> 20), this::gzipBombs),
                new Scenario("3", "stalled frames", String.format(Locale.ROOT, "%,d connections, each sending"
                        + " only a 4-byte size prefix announcing %,d bytes and nothing more, held open for %d s;"
                        + " the probe runs while they are held", connections, ANNOUNCED_FRAME, hold.toSeconds()),
                        this::stalledFrames),
                new Scenario("4", "unread fetches", String.format(Locale.ROOT, "a topic is filled with %d"
                        + " records of %,d bytes (%d MB); one connection pipelines %d fetches (v%d) of up to %d MB"
                        + " each from offset 0 and never reads its socket, for %d s; the probe runs meanwhile",
                        FILL_RECORDS, FILL_RECORD_BYTES, FILL_RECORDS * FILL_RECORD_BYTES / 1_000_000, FETCHES,
                        FETCH_V12, FETCH_MAX_BYTES / 1_000_000, hold.toSeconds()), this::unreadFetches));
    }

    private void metadataFlood(Run run) throws Exception {
        MemoryWatch memory = MemoryWatch.start(run.pid());
        List<String> names = IntStream.range(0, FLOOD_TOPICS).mapToObj(i -> "flood-" + i).toList();
        var request = new MetadataRequest.Builder(names, true).build(METADATA_V12).data();
        long started = System.nanoTime();
        try (RawClient client = RawClient.open(run.broker().bootstrap(), FLOOD_ANSWER_WAIT)) {
            MetadataResponseData answer = client.receive(ApiKeys.METADATA, METADATA_V12,
                    client.send(ApiKeys.METADATA, METADATA_V12, request));
            Map<String, Integer> codes = new LinkedHashMap<>();
            answer.topics().forEach(t -> codes.merge(Errors.forCode(t.errorCode()).name(), 1, Integer::sum));
            run.measure("answer", "in " + ResultTable.seconds(System.nanoTime() - started) + ": "
                    + ResultTable.codes(codes));
        } catch (SocketTimeoutException e) {
            run.measure("answer", "none within " + FLOOD_ANSWER_WAIT.toSeconds() + " s");
        } catch (IOException e) {
            run.measure("answer", "connection lost after " + ResultTable.seconds(System.nanoTime() - started)
                    + ": " + e.getMessage());
        }
        run.measure("probe after", run.probe("after").toString());
        run.measure("flood topics existing after the probe", countTopics(run.broker(), "flood-"));
        run.measure("RSS MiB before / peak / after", memory.summary());
    }

    private void gzipBombs(Run run) throws Exception {
        String topic = "bombs";
        createTopic(run.broker(), topic, Map.of("max.message.bytes", Integer.toString(8 << 20)));
        MemoryRecords records = bomb();
        ProduceRequestData request = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000)
                .setTopicData(new ProduceRequestData.TopicProduceDataCollection(List.of(
                        new ProduceRequestData.TopicProduceData().setName(topic).setPartitionData(List.of(
                                new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records))))
                        .iterator()));
        MemoryWatch memory = MemoryWatch.start(run.pid());
        Map<String, Integer> codes = new LinkedHashMap<>();
        long started = System.nanoTime();
        try (RawClient client = RawClient.open(run.broker().bootstrap(), Duration.ofSeconds(120))) {
            List<Integer> ids = new ArrayList<>();
            for (int i = 0; i < BOMBS; i++) {
                ids.add(client.send(ApiKeys.PRODUCE, PRODUCE_V9, request));
            }
            for (int id : ids) {
                ProduceResponseData answer = client.receive(ApiKeys.PRODUCE, PRODUCE_V9, id);
                answer.responses().forEach(t -> t.partitionResponses().forEach(
                        p -> codes.merge(Errors.forCode(p.errorCode()).name(), 1, Integer::sum)));
            }
            run.measure("answers", ResultTable.codes(codes) + " in "
                    + ResultTable.seconds(System.nanoTime() - started));
        } catch (IOException e) {
            run.measure("answers", ResultTable.codes(codes) + ", then the connection was lost after "
                    + ResultTable.seconds(System.nanoTime() - started) + ": " + e.getMessage());
        }
        run.measure("probe after", run.probe("after").toString());
        run.measure("RSS MiB before / peak / after the probe", memory.summary());
    }

    /** One record of {@link #BOMB_BYTES} zeros in a gzip batch, as kafka-clients' own builder writes it. */
    private synchronized MemoryRecords bomb() {
        if (bomb == null) {
            MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(1 << 20),
                    Compression.gzip().build(), TimestampType.CREATE_TIME, 0L);
            builder.append(System.currentTimeMillis(), null, new byte[BOMB_BYTES]);
            bomb = builder.build();
            System.out.printf(Locale.ROOT, "  the gzip batch of %d MiB of zeros is %,d bytes on the wire%n",
                    BOMB_BYTES >> 20, bomb.sizeInBytes());
        }
        return bomb;
    }

    private void stalledFrames(Run run) throws Exception {
        MemoryWatch memory = MemoryWatch.start(run.pid());
        InetSocketAddress address = RawClient.address(run.broker().bootstrap());
        List<SocketChannel> held = new ArrayList<>();
        int failed = 0;
        int openWhenDied = -1;
        long started = System.nanoTime();
        long openDeadline = started + TimeUnit.SECONDS.toNanos(60);
        try {
            for (int i = 0; i < connections && System.nanoTime() < openDeadline; i++) {
                try {
                    SocketChannel channel = SocketChannel.open();
                    try {
                        channel.socket().connect(address, 5_000);
                        channel.write(ByteBuffer.allocate(4).putInt(0, ANNOUNCED_FRAME));
                        held.add(channel);
                    } catch (IOException e) {
                        channel.close();
                        throw e;
                    }
                } catch (IOException e) {
                    failed++;
                }
                if (openWhenDied < 0 && !run.broker().process().isAlive()) {
                    openWhenDied = held.size();
                }
            }
            run.measure("connections opened", String.format(Locale.ROOT, "%,d of %,d in %s%s", held.size(),
                    connections, ResultTable.seconds(System.nanoTime() - started),
                    failed > 0 ? String.format(Locale.ROOT, " (%,d failed to connect or send)", failed) : ""));
            long holdEnd = System.nanoTime() + hold.toNanos();
            run.measure("probe while held", run.probe("held").toString());
            sleepUntil(holdEnd);
            if (openWhenDied < 0 && !run.broker().process().isAlive()) {
                openWhenDied = held.size();
            }
            if (openWhenDied >= 0) {
                run.measure("connections open when it was seen dead",
                        String.format(Locale.ROOT, "%,d", openWhenDied));
            }
            run.measure("connections the broker had closed by the end of the hold", String.format(Locale.ROOT,
                    "%,d", closedByPeer(held)));
            run.measure("RSS MiB before / peak / end of hold", memory.summary());
        } finally {
            for (SocketChannel c : held) {
                c.close();
            }
        }
        memoryAfterClosing(run, "them");
    }

    private void unreadFetches(Run run) throws Exception {
        String topic = "fetched";
        createTopic(run.broker(), topic, Map.of());
        fill(run.broker(), topic);
        FetchRequestData request = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(500).setMinBytes(1)
                .setMaxBytes(FETCH_MAX_BYTES).setIsolationLevel((byte) 0).setSessionId(0).setSessionEpoch(-1)
                .setTopics(List.of(new FetchRequestData.FetchTopic().setTopic(topic).setPartitions(List.of(
                        new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0)
                                .setPartitionMaxBytes(FETCH_MAX_BYTES).setLogStartOffset(-1)
                                .setCurrentLeaderEpoch(-1)))));
        MemoryWatch memory = MemoryWatch.start(run.pid());
        try (RawClient client = RawClient.open(run.broker().bootstrap(), Duration.ofSeconds(30))) {
            long holdEnd = System.nanoTime() + hold.toNanos();
            for (int i = 0; i < FETCHES; i++) {
                client.send(ApiKeys.FETCH, FETCH_V12, request);
            }
            run.measure("probe while unread", run.probe("unread").toString());
            sleepUntil(holdEnd);
            run.measure("RSS MiB before / peak / end of hold", memory.summary());
        }
        memoryAfterClosing(run, "it");
    }

    /** Whether the broker gives back what the abuse made it hold, once the connections are gone. */
    private static void memoryAfterClosing(Run run, String what) throws InterruptedException {
        Thread.sleep(5_000);
        MemoryWatch.Reading after = MemoryWatch.read(run.pid());
        run.measure("RSS MiB 5 s after closing " + what, ResultTable.mb(after.rss()) + " (anon "
                + ResultTable.mb(after.anon()) + ")");
    }

    /** {@link #FILL_RECORDS} records of {@link #FILL_RECORD_BYTES} each, one per batch, acknowledged. */
    private static void fill(BrokerUnderTest broker, String topic) throws Exception {
        Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ProducerConfig.ACKS_CONFIG, "1", ProducerConfig.CLIENT_ID_CONFIG, "abuse-fill");
        byte[] value = new byte[FILL_RECORD_BYTES];
        new Random(42).nextBytes(value);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            List<Future<?>> acks = new ArrayList<>();
            for (int i = 0; i < FILL_RECORDS; i++) {
                acks.add(producer.send(new ProducerRecord<>(topic, 0, null, value)));
            }
            for (Future<?> ack : acks) {
                ack.get(120, TimeUnit.SECONDS);
            }
        }
    }

    /** Of these connections, how many the broker closed (end of stream or reset) without sending anything. */
    private static int closedByPeer(List<SocketChannel> channels) throws IOException {
        int closed = 0;
        ByteBuffer one = ByteBuffer.allocate(1);
        for (SocketChannel c : channels) {
            c.configureBlocking(false);
            try {
                if (c.read(one.clear()) < 0) {
                    closed++;
                }
            } catch (IOException reset) {
                closed++;
            }
        }
        return closed;
    }

    /** Creates a one-partition topic with {@code configs} and waits until it has a leader. */
    private static void createTopic(BrokerUnderTest broker, String topic, Map<String, String> configs)
            throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(configs))).all()
                    .get(60, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                try {
                    TopicDescription d = admin.describeTopics(Set.of(topic)).allTopicNames()
                            .get(30, TimeUnit.SECONDS).get(topic);
                    if (d.partitions().get(0).leader() != null) {
                        return;
                    }
                } catch (ExecutionException notYet) {
                    // The new topic's metadata can lag its creation; asked again below.
                }
                Thread.sleep(100);
            }
            throw new IllegalStateException(topic + " has no leader 60 s after its creation");
        }
    }

    /** How many topics named {@code prefix}... exist, or why that could not be learnt. */
    private static String countTopics(BrokerUnderTest broker, String prefix) {
        if (!broker.process().isAlive()) {
            return "-";
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000))) {
            Set<String> names = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            return String.format(Locale.ROOT, "%,d", names.stream().filter(n -> n.startsWith(prefix)).count());
        } catch (Exception e) {
            return "unknown (" + e.getClass().getSimpleName() + ")";
        }
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left = nanoTime - System.nanoTime();
        if (left > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }
}
