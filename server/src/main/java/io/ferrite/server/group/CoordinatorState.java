package io.ferrite.server.group;

import java.util.List;

/** A part of the coordinator's state that is rebuilt from, and compacted into, the coordinator log. */
interface CoordinatorState {
    /** Applies one record read back from the log, in log order (on start, before any request). */
    void replay(CoordinatorRecord record);

    /** Called once the whole log is replayed, before any request: timers for what was loaded start here. */
    default void loaded() {
    }

    /** Adds the records that recreate this state as it is now, for a compaction snapshot. */
    void snapshot(List<CoordinatorRecord> out);
}
