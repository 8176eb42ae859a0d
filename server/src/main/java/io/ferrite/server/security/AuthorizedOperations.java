package io.ferrite.server.security;

import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.utils.Utils;

/**
 * The authorized-operations bit fields this broker reports. It has no authorizer, and a Kafka broker without
 * one reports every operation the resource type supports as allowed.
 */
public final class AuthorizedOperations {
    /** Every operation on a topic. */
    public static final int TOPIC = bits(Set.of(AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE,
            AclOperation.DESCRIBE, AclOperation.DELETE, AclOperation.ALTER, AclOperation.DESCRIBE_CONFIGS,
            AclOperation.ALTER_CONFIGS));
    /** Every operation on the cluster. */
    public static final int CLUSTER = bits(Set.of(AclOperation.CREATE, AclOperation.CLUSTER_ACTION,
            AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS, AclOperation.IDEMPOTENT_WRITE,
            AclOperation.ALTER, AclOperation.DESCRIBE));
    /** Every operation on a group. */
    public static final int GROUP = bits(Set.of(AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DELETE));
    /** What a response carries when the request did not ask (the schema default). */
    public static final int NOT_ASKED = Integer.MIN_VALUE;

    private AuthorizedOperations() {
    }

    private static int bits(Set<AclOperation> ops) {
        return Utils.to32BitField(ops.stream().map(AclOperation::code).collect(Collectors.toSet()));
    }
}
