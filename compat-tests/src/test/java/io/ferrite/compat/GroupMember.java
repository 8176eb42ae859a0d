package io.ferrite.compat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/**
 * One subscribed member of a consumer group, run on its own thread, which alone touches its
 * {@link KafkaConsumer}: it polls, hands each batch to the record list, and commits the batch's positions
 * with {@code commitSync} before polling again. Every batch is kept with whether its commit went through, so
 * a test can tell a duplicate that an unacknowledged commit allows from one that nothing excuses. Only
 * API of kafka-clients 2.8 is used, so the legacy executions can run it too.
 */
public final class GroupMember implements AutoCloseable {
    /** One record as this member got it, in the batch numbered {@code batch}. */
    public record Consumed(String member, int partition, long offset, String value, int batch) {
    }

    private final String name;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Consumed> consumed = new ConcurrentLinkedQueue<>();
    private final Set<Integer> uncommittedBatches = ConcurrentHashMap.newKeySet();
    private final AtomicInteger assignedCalls = new AtomicInteger();
    private final AtomicInteger revokedCalls = new AtomicInteger();
    private volatile Set<Integer> assigned = Set.of();
    private volatile int generation = -1;
    private volatile String memberId = "";
    private volatile boolean running = true;
    private volatile Throwable failure;

    private GroupMember(String name, KafkaConsumer<byte[], byte[]> consumer, String topic) {
        this.name = name;
        this.consumer = consumer;
        this.thread = new Thread(() -> run(topic), "group-member-" + name);
    }

    /** Subscribes {@code consumer} to {@code topic} and starts polling; the member owns the consumer from now on. */
    public static GroupMember start(String name, KafkaConsumer<byte[], byte[]> consumer, String topic) {
        GroupMember m = new GroupMember(name, consumer, topic);
        m.thread.start();
        return m;
    }

    private void run(String topic) {
        try {
            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    revokedCalls.incrementAndGet();
                    Set<Integer> left = new TreeSet<>(assigned);
                    partitions.forEach(tp -> left.remove(tp.partition()));
                    assigned = Set.copyOf(left);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    assignedCalls.incrementAndGet();
                    Set<Integer> now = new TreeSet<>(assigned);
                    partitions.forEach(tp -> now.add(tp.partition()));
                    assigned = Set.copyOf(now);
                }
            });
            for (int batch = 0; running; batch++) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                generation = consumer.groupMetadata().generationId();
                memberId = consumer.groupMetadata().memberId();
                if (records.isEmpty()) {
                    continue;
                }
                Map<TopicPartition, OffsetAndMetadata> positions = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    consumed.add(new Consumed(name, r.partition(), r.offset(),
                            r.value() == null ? null : new String(r.value(), StandardCharsets.UTF_8), batch));
                    positions.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                }
                try {
                    consumer.commitSync(positions);
                } catch (KafkaException e) {
                    // A rebalance under way or a generation gone: these records may be read again by whoever
                    // gets the partition next, which is what the test checks for.
                    uncommittedBatches.add(batch);
                }
            }
        } catch (Throwable t) {
            failure = t;
        } finally {
            consumer.close();
        }
    }

    public String name() {
        return name;
    }

    /** The partitions this member holds now, as its rebalance listener saw them. */
    public Set<Integer> assigned() {
        return assigned;
    }

    /** The generation of the group this member last saw after a poll (-1 before it joined). */
    public int generation() {
        return generation;
    }

    public String memberId() {
        return memberId;
    }

    /** How often the rebalance listener was told of an assignment and of a revocation. */
    public int assignedCalls() {
        return assignedCalls.get();
    }

    public int revokedCalls() {
        return revokedCalls.get();
    }

    public List<Consumed> consumed() {
        return new ArrayList<>(consumed);
    }

    /** Whether the batch this record came in was committed. */
    public boolean committed(Consumed c) {
        return !uncommittedBatches.contains(c.batch());
    }

    /** Fails with whatever ended the member's thread, if anything did. */
    public void checkHealthy() {
        if (failure != null) {
            throw new AssertionError("member " + name + " failed", failure);
        }
    }

    /** Stops polling and closes the consumer (a dynamic member leaves the group then; a static one stays). */
    @Override
    public void close() throws InterruptedException {
        // No wakeup(): polls are short, and a commit the member is in the middle of should end as it would.
        running = false;
        thread.join(TimeUnit.SECONDS.toMillis(60));
        if (thread.isAlive()) {
            throw new AssertionError("member " + name + " did not stop within 60 s");
        }
        checkHealthy();
    }

    /** Waits until {@code condition} holds, failing with {@code what} after {@code timeout}. */
    public static void await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(50);
        }
    }
}
