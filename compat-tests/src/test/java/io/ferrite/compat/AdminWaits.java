package io.ferrite.compat;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Waits for a topic change to show in the broker's metadata. Kafka answers CreateTopics and DeleteTopics once
 * its controller has committed the change, and its broker's metadata follows a little later (longer under
 * load, or for a thousand partitions), so a describe or a listing right after may not see it yet; Ferrite's
 * is there at once. Pinned client only.
 */
final class AdminWaits {
    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);

    private AdminWaits() {
    }

    /** Describes {@code topics} once the broker knows every one of them. */
    static Map<String, TopicDescription> describe(Admin admin, Collection<String> topics) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (true) {
            try {
                return admin.describeTopics(topics).allTopicNames().get(60, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    /** The topic listing, once {@code done} holds for it; fails with the last listing if it never does. */
    static Set<String> listing(Admin admin, Predicate<Set<String>> done, String what)
            throws Exception {
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (true) {
            Set<String> names = admin.listTopics().names().get(60, TimeUnit.SECONDS);
            if (done.test(names)) {
                return names;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the topic listing never showed " + what + ": " + names);
            }
            Thread.sleep(100);
        }
    }
}
