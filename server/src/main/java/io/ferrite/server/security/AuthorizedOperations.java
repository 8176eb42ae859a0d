package io.ferrite.server.security;

import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.utils.Utils;

/**
 * The authorized-operations bit fields: without an authorizer, every operation the resource type supports, as a
 * Kafka broker without one reports; with one, the access rules ask for each operation of these sets.
 */
public final class AuthorizedOperations {
    /** The operations a topic supports, as Kafka lists them. */
    public static final Set<AclOperation> TOPIC_OPERATIONS = Set.of(AclOperation.READ, AclOperation.WRITE,
            AclOperation.CREATE, AclOperation.DESCRIBE, AclOperation.DELETE, AclOperation.ALTER,
            AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS);
    /** The operations the cluster supports. */
    public static final Set<AclOperation> CLUSTER_OPERATIONS = Set.of(AclOperation.CREATE,
            AclOperation.CLUSTER_ACTION, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS,
            AclOperation.IDEMPOTENT_WRITE, AclOperation.ALTER, AclOperation.DESCRIBE);
    /** The operations a group supports. */
    public static final Set<AclOperation> GROUP_OPERATIONS = Set.of(AclOperation.READ, AclOperation.DESCRIBE,
            AclOperation.DELETE);
    /** Every operation on a topic. */
    public static final int TOPIC = bits(TOPIC_OPERATIONS);
    /** Every operation on the cluster. */
    public static final int CLUSTER = bits(CLUSTER_OPERATIONS);
    /** Every operation on a group. */
    public static final int GROUP = bits(GROUP_OPERATIONS);
    /** What a response carries when the request did not ask (the schema default). */
    public static final int NOT_ASKED = Integer.MIN_VALUE;

    private AuthorizedOperations() {
    }

    private static int bits(Set<AclOperation> ops) {
        return Utils.to32BitField(ops.stream().map(AclOperation::code).collect(Collectors.toSet()));
    }
}
