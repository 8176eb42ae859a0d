package io.ferrite.group.share;

import java.util.List;

/**
 * One acknowledgement batch of ShareFetch or ShareAcknowledge: an offset range and one type for all of it, or
 * one per offset (Kafka's wire numbers, {@link SharePartition.AckType}).
 */
public record ShareAck(long firstOffset, long lastOffset, List<Byte> types) {
    public ShareAck {
        types = List.copyOf(types);
    }
}
