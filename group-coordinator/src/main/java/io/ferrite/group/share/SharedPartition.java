package io.ferrite.group.share;

import org.apache.kafka.common.Uuid;

/** A partition by topic id, as the share APIs name it. */
public record SharedPartition(Uuid topicId, int partition) {
}
