package io.ferrite.coordinator;

import java.util.List;

/**
 * A part of a coordinator's state that is rebuilt from, and compacted into, its log. Every method runs on the
 * coordinator's thread.
 *
 * @param <R> the coordinator's record type
 */
public interface CoordinatorState<R> {
    /** Applies one record read back from the log, in log order (on load, before any request). */
    void replay(R record);

    /** Called once the whole log is replayed, before any request: timers for what was loaded start here. */
    default void loaded() {
    }

    /**
     * Drops everything this state holds, before it is loaded again from the log (a write failed, and what is
     * in memory may say more than the log does). Requests still waiting on this state are answered here.
     */
    void unload();

    /** Adds the records that recreate this state as it is now, for a compaction snapshot. */
    void snapshot(List<R> out);
}
