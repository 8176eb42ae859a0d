package io.ferrite.server.metadata;

import io.ferrite.group.GroupCoordinator;
import io.ferrite.txn.TransactionCoordinator;
import java.util.regex.Pattern;

/** Kafka's rules for topic names. */
public final class TopicNames {
    public static final int MAX_LENGTH = 249;
    private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]+");

    private TopicNames() {
    }

    /** Why the name is not a legal topic name, or null if it is. */
    public static String problem(String name) {
        if (name == null || name.isEmpty()) {
            return "topic name is empty";
        }
        if (name.equals(".") || name.equals("..")) {
            return "topic name cannot be \".\" or \"..\"";
        }
        if (name.length() > MAX_LENGTH) {
            return "topic name is longer than " + MAX_LENGTH + " characters";
        }
        if (!LEGAL.matcher(name).matches()) {
            return "topic name '" + name + "' has characters other than ASCII letters, digits, '.', '_' and '-'";
        }
        if (name.equals(GroupCoordinator.LOG_PARTITION.topic())
                || name.equals(TransactionCoordinator.LOG_PARTITION.topic())) {
            return "topic name '" + name + "' is reserved for a coordinator's log";
        }
        return null;
    }

    /** '.' and '_' collide in metric names, so Kafka refuses a topic that differs from another only there. */
    public static String unifyCollisionChars(String name) {
        return name.replace('.', '_');
    }
}
