package io.ferrite.storage;

/**
 * What an append did.
 *
 * @param baseOffset     offset of the batch's first record
 * @param lastOffset     offset of its last record
 * @param logAppendTime  the time written into the batch under LogAppendTime, else -1
 * @param position       CommitLog position of the entry (for a duplicate, -1)
 * @param logStartOffset the partition's log start offset after the append
 * @param duplicate      true if this batch repeated one of the producer's last five and nothing was written
 */
public record AppendResult(long baseOffset, long lastOffset, long logAppendTime, long position, long logStartOffset,
                           boolean duplicate) {
}
