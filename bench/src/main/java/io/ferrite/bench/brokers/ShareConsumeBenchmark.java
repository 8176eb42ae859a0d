package io.ferrite.bench.brokers;

import io.ferrite.launcher.BrokerUnderTest;
import io.ferrite.launcher.ChildProcess;
import io.ferrite.launcher.FerriteProcess;
import io.ferrite.launcher.KafkaProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Share consumption (KIP-932), Ferrite against Kafka on this machine, one broker after the other, each fresh: a
 * topic is filled with 1 KiB records (batches of 16 KiB, as a producer with some linger makes them), then share
 * consumers of one group, each on its own thread and all in this JVM, read it from the start and acknowledge
 * every record explicitly (ACCEPT, then commitSync per poll) until every record is accepted. Reported: records
 * a second from the first poll to the last acceptance, and the broker's CPU seconds over that window (from
 * /proc). Two workloads: 4 consumers on 1 partition and 8 consumers on 8 partitions.
 *
 * <pre>bin/bench-share [--records N] [--rounds N] [--only ferrite|kafka]</pre>
 */
public final class ShareConsumeBenchmark {
    private static final int VALUE = 1024;
    private static final List<String> FERRITE_JVM = List.of("-Xms1g", "-Xmx1g", "-XX:MaxDirectMemorySize=4g",
            "-XX:+ExitOnOutOfMemoryError");

    private ShareConsumeBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int records = 400_000;
        int rounds = 1;
        List<String> kinds = List.of("ferrite", "kafka");
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--records" -> records = Integer.parseInt(args[i + 1]);
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                case "--only" -> kinds = List.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Path root = Files.createTempDirectory("bench-share");
        System.out.printf(Locale.ROOT, "# bin/bench-share --records %d --rounds %d: %d B values, explicit ACCEPT%n",
                records, rounds, VALUE);
        System.out.println("| broker | round | consumers / partitions | records/s | MB/s | broker CPU s | CPU s per GB |");
        System.out.println("|---|---:|---|---:|---:|---:|---:|");
        int[][] workloads = {{4, 1}, {8, 8}};
        for (int round = 1; round <= rounds; round++) {
            for (int[] w : workloads) {
                for (String kind : kinds) {
                    Path dir = root.resolve(kind + "-" + round + "-" + w[0] + "x" + w[1]);
                    try (BrokerUnderTest b = kind.equals("ferrite")
                            ? FerriteProcess.start("share-ferrite", dir, Map.of(), FERRITE_JVM)
                            : KafkaProcess.start("share-kafka", dir, Map.of())) {
                        run(kind, round, b, records, w[0], w[1]);
                    }
                    ChildProcess.deleteTree(dir);
                }
            }
        }
    }

    private static void run(String kind, int round, BrokerUnderTest b, int records, int consumers, int partitions)
            throws Exception {
        String topic = "share-bench";
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(60, TimeUnit.SECONDS);
        }
        fill(b, topic, records, partitions);
        double cpuBefore = ProcessCpu.seconds(b.pid());
        Map<String, Double> figures = consumeAll(b, "share-bench-group", topic, records, consumers);
        double cpu = ProcessCpu.seconds(b.pid()) - cpuBefore;
        double mbPerSec = figures.get("mb_per_sec");
        double seconds = figures.get("seconds");
        System.out.printf(Locale.ROOT, "| %s | %d | %d / %d | %.0f | %.1f | %.1f | %.1f |%s%n", kind, round, consumers,
                partitions, figures.get("records_per_sec"), mbPerSec, cpu, cpu / (mbPerSec * seconds / 1000),
                figures.get("accepted") < records ? " only " + figures.get("accepted").longValue() + " of " + records
                        + " in 5 min" : "");
    }

    /**
     * {@code consumers} share consumers of {@code group}, reading {@code topic} from its start (the group's
     * share.auto.offset.reset set to earliest first), accept every record until {@code records} are accepted or
     * five minutes pass. The window runs from the first poll to the acknowledgement that completed the count
     * (the consumers' start and close are outside it); only acknowledgements the broker took count. Figures:
     * records_per_sec, mb_per_sec (of values), seconds, accepted.
     */
    static Map<String, Double> consumeAll(BrokerUnderTest b, String group, String topic, int records, int consumers)
            throws InterruptedException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrap()))) {
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, group), List.of(
                    new AlterConfigOp(new ConfigEntry("share.auto.offset.reset", "earliest"),
                            AlterConfigOp.OpType.SET)))).all().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot set " + group + "'s share.auto.offset.reset on " + b.name(), e);
        }
        Window w = new Window(records, System.nanoTime() + TimeUnit.MINUTES.toNanos(5));
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < consumers; i++) {
            Thread t = new Thread(() -> consume(b, group, topic, w), "bench-share-" + i);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        long end = w.done.get() != 0 ? w.done.get() : System.nanoTime();
        double seconds = (end - w.firstPoll.get()) / 1e9;
        AtomicLong accepted = w.accepted;
        if (accepted.get() < records) {
            System.err.printf(Locale.ROOT, "WARNING: %s accepted only %d of %d records in 5 minutes%n", b.name(),
                    accepted.get(), records);
        }
        Map<String, Double> out = new java.util.LinkedHashMap<>();
        out.put("records_per_sec", accepted.get() / seconds);
        out.put("mb_per_sec", accepted.get() * (double) VALUE / 1e6 / seconds);
        out.put("seconds", seconds);
        out.put("accepted", (double) accepted.get());
        return out;
    }

    /** What the consumers of one run share: the count and the measured window. */
    private record Window(int records, long deadline, AtomicLong accepted, AtomicLong firstPoll, AtomicLong done) {
        Window(int records, long deadline) {
            this(records, deadline, new AtomicLong(), new AtomicLong(), new AtomicLong());
        }

        boolean running() {
            return accepted.get() < records && System.nanoTime() < deadline;
        }
    }

    /** One consumer: polls, accepts every record, commits, until the group has accepted them all. */
    private static void consume(BrokerUnderTest b, String group, String topic, Window w) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrap());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        c.put(ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit");
        try (KafkaShareConsumer<byte[], byte[]> consumer = new KafkaShareConsumer<>(c, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(Set.of(topic));
            w.firstPoll.compareAndSet(0, System.nanoTime());
            while (w.running()) {
                ConsumerRecords<byte[], byte[]> got = consumer.poll(Duration.ofMillis(100));
                Map<TopicPartition, Integer> polled = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> r : got) {
                    consumer.acknowledge(r, AcknowledgeType.ACCEPT);
                    polled.merge(new TopicPartition(r.topic(), r.partition()), 1, Integer::sum);
                }
                if (got.isEmpty()) {
                    continue;
                }
                long ok = 0;
                for (var e : consumer.commitSync().entrySet()) {
                    if (e.getValue().isEmpty()) { // a refused acknowledgement's records come again
                        ok += polled.getOrDefault(e.getKey().topicPartition(), 0);
                    }
                }
                if (w.accepted.addAndGet(ok) >= w.records()) {
                    w.done.compareAndSet(0, System.nanoTime());
                }
            }
        }
    }

    /** {@code records} 1 KiB records spread over the partitions, in batches of up to 16 KiB. */
    static void fill(BrokerUnderTest b, String topic, int records, int partitions) {
        byte[] value = new byte[VALUE];
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                b.bootstrap(), ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.BATCH_SIZE_CONFIG, 16 * 1024),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            java.util.concurrent.atomic.AtomicReference<Exception> failed = new java.util.concurrent.atomic.AtomicReference<>();
            for (int i = 0; i < records; i++) {
                p.send(new ProducerRecord<>(topic, i % partitions, null, value), (m, e) -> {
                    if (e != null) {
                        failed.compareAndSet(null, e);
                    }
                });
            }
            p.flush();
            if (failed.get() != null) {
                throw new IllegalStateException("filling " + topic + " on " + b.name() + " failed", failed.get());
            }
        }
    }
}
