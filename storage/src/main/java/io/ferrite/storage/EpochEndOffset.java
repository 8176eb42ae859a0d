package io.ferrite.storage;

/**
 * Where a leader epoch ended in a partition's log, as OffsetForLeaderEpoch answers: the epoch found (the one
 * asked for, or the last earlier one the log holds) and the first offset after it. {@link #UNDEFINED}, -1 and -1,
 * when the log cannot say: an epoch newer than any it holds, or an empty log.
 */
public record EpochEndOffset(int leaderEpoch, long endOffset) {
    public static final EpochEndOffset UNDEFINED = new EpochEndOffset(-1, -1);
}
