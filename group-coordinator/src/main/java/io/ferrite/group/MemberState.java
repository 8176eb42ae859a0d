package io.ferrite.group;

/**
 * Where a consumer group member is in reconciling its assignment towards the target, as Kafka names it. The
 * numbers are what the coordinator log stores.
 */
enum MemberState {
    /** Has all of its target assignment at the target epoch (or waits for nothing). */
    STABLE(0, "stable"),
    /** Was asked to give up partitions and has not said it did yet; keeps its epoch until then. */
    UNREVOKED_PARTITIONS(1, "unrevoked_partitions"),
    /** At the target epoch, but some of its target partitions are still held by members that must release them. */
    UNRELEASED_PARTITIONS(2, "unreleased_partitions"),
    /** A state this broker does not know (written by a newer one): the member is fenced to start over. */
    UNKNOWN(127, "unknown");

    final byte value;
    final String kafkaName;

    MemberState(int value, String kafkaName) {
        this.value = (byte) value;
        this.kafkaName = kafkaName;
    }

    static MemberState of(byte value) {
        for (MemberState s : values()) {
            if (s.value == value) {
                return s;
            }
        }
        return UNKNOWN;
    }
}
