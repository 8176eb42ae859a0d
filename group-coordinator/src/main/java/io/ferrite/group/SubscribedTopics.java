package io.ferrite.group;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidRegularExpression;

/**
 * What consumer group subscriptions mean in terms of today's topics: regular expressions resolved to topic
 * names (RE2/J syntax, matching the whole name, as Kafka's coordinator does), names to ids and partition
 * counts, and a hash of it all that changes when any subscribed topic is created, deleted or grows, which is
 * what bumps a group's epoch on a metadata change. Coordinator thread only.
 */
final class SubscribedTopics {
    private static final int COMPILED_CACHE = 256;
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private final TopicLookup topics;
    private final Map<String, Pattern> compiled = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Pattern> eldest) {
            return size() > COMPILED_CACHE;
        }
    };

    SubscribedTopics(TopicLookup topics) {
        this.topics = topics;
    }

    /** Throws Kafka's INVALID_REGULAR_EXPRESSION for a regex RE2/J cannot compile. */
    static void validate(String regex) {
        try {
            Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new InvalidRegularExpression("SubscribedTopicRegex `" + regex + "` is not a valid regular "
                    + "expression: " + e.getDescription() + ".");
        }
    }

    /** The names of the existing topics the regex matches in full. */
    Set<String> resolve(String regex) {
        Pattern p = compiled.computeIfAbsent(regex, Pattern::compile);
        Set<String> out = new HashSet<>();
        for (String name : topics.names()) {
            if (p.matches(name)) {
                out.add(name);
            }
        }
        return out;
    }

    /** Every regex of the group's members, resolved now. */
    Map<String, Set<String>> resolveAll(Iterable<ConsumerGroupMember> members) {
        Map<String, Set<String>> out = new HashMap<>();
        for (ConsumerGroupMember m : members) {
            if (m.hasRegex() && !out.containsKey(m.topicRegex())) {
                out.put(m.topicRegex(), resolve(m.topicRegex()));
            }
        }
        return out;
    }

    /** The ids of those of {@code names} that exist. */
    Set<Uuid> ids(Set<String> names) {
        Set<Uuid> out = new HashSet<>();
        for (String name : names) {
            if (topics.partitions(name) > 0) {
                out.add(topics.id(name));
            }
        }
        return out;
    }

    /** Partition counts by topic id, of those of {@code names} that exist. */
    Map<Uuid, Integer> partitionCounts(Set<String> names) {
        Map<Uuid, Integer> out = new HashMap<>();
        for (String name : names) {
            int n = topics.partitions(name);
            if (n > 0) {
                out.put(topics.id(name), n);
            }
        }
        return out;
    }

    /** A hash of each subscribed topic's name, id and partition count (FNV-1a, stable across restarts). */
    long metadataHash(Set<String> names) {
        long h = FNV_OFFSET;
        for (String name : new TreeSet<>(names)) {
            int n = topics.partitions(name);
            if (n <= 0) {
                continue;
            }
            byte[] b = (name + '\0' + topics.id(name) + '\0' + n + '\0').getBytes(StandardCharsets.UTF_8);
            for (byte x : b) {
                h = (h ^ (x & 0xff)) * FNV_PRIME;
            }
        }
        return h;
    }

    String nameOf(Uuid id) {
        return topics.name(id);
    }
}
