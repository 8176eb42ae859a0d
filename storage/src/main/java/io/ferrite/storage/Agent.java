package io.ferrite.storage;

/**
 * A unit of background work with a name. {@link ServiceRunner} owns the thread; tests call
 * {@link #doWork()} by hand and need no sleeps.
 */
public interface Agent {

    /** The thread name, for logs and thread dumps. */
    String roleName();

    /**
     * Does whatever work is due and returns how much was done; 0 lets the runner idle until woken or
     * until the idle period passes.
     */
    int doWork() throws Exception;

    /** Runs once on the service thread before the first {@link #doWork()}: to set the thread's priority, say. */
    default void onStart() {
    }

    /**
     * Runs on the thread stopping the runner, before it waits for the service thread: lets a long
     * {@link #doWork()} under way end early. Never interrupt instead: an interrupt closes any file channel the
     * thread is reading.
     */
    default void onStopRequested() {
    }

    /** Runs once on the service thread as it stops, after the last {@link #doWork()}: a final flush, say. */
    default void onClose() throws Exception {
    }
}
