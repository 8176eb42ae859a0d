package io.ferrite.storage;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.concurrent.locks.LockSupport;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Runs one {@link Agent} on its own named thread: {@code doWork()} in a loop, parking for up to the idle
 * period whenever a call did nothing, and waking early on {@link #wakeUp()}.
 *
 * <p>An exception from {@code doWork()} is logged and the loop goes on after an idle period: a failing
 * disk must not silently end the flush thread. Agents report data-path failures through their own futures.
 * An {@link Error} (out of memory, a fault in a mapped file, a bug that overflows the stack) ends the thread:
 * it is logged as the thread's death and handed to {@code onDeath}, whose owner decides what a store without
 * that service is worth (the store goes offline), rather than leaving a service silently gone.
 */
public final class ServiceRunner implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(ServiceRunner.class);

    private final Agent agent;
    private volatile long idleNanos;
    private final Consumer<Throwable> onDeath;
    private final Thread thread;
    private volatile boolean running;
    private volatile boolean woken;
    /** How long the thread waits before its first call of {@code doWork()}. */
    private long initialDelayNanos;

    public ServiceRunner(Agent agent, long idleMillis) {
        this(agent, idleMillis, e -> { });
    }

    /** As above; {@code onDeath} hears of the {@link Error} that ended the thread, on that thread. */
    public ServiceRunner(Agent agent, long idleMillis, Consumer<Throwable> onDeath) {
        this.agent = agent;
        this.onDeath = onDeath;
        this.idleNanos = TimeUnit.MILLISECONDS.toNanos(idleMillis);
        this.thread = new Thread(this::run, agent.roleName());
        this.thread.setDaemon(true);
    }

    /** The first {@code doWork()} only after {@code millis} (or a {@link #wakeUp}); before {@link #start}. */
    public ServiceRunner delayFirstRun(long millis) {
        this.initialDelayNanos = TimeUnit.MILLISECONDS.toNanos(millis);
        return this;
    }

    public ServiceRunner start() {
        running = true;
        thread.start();
        return this;
    }

    /** The thread's name, its agent's role. */
    public String name() {
        return thread.getName();
    }

    public boolean isRunning() {
        return running && thread.isAlive();
    }

    /** A new idle period (a store setting changed); the current wait is cut short so it applies now. */
    public void idleMillis(long millis) {
        this.idleNanos = TimeUnit.MILLISECONDS.toNanos(millis);
        wakeUp();
    }

    /** Ends the current idle wait, so work handed over just now is done at once. */
    public void wakeUp() {
        if (!woken) {
            woken = true;
            LockSupport.unpark(thread);
        }
    }

    private void run() {
        try {
            agent.onStart();
        } catch (RuntimeException e) {
            LOG.warn("{} could not prepare its thread; running as it is", agent.roleName(), e);
        }
        if (initialDelayNanos > 0 && running && !woken) {
            LockSupport.parkNanos(this, initialDelayNanos);
        }
        woken = false;
        while (running) {
            int work;
            try {
                work = agent.doWork();
            } catch (Exception e) {
                LOG.error("{} failed; retrying after {} ms", agent.roleName(), idleNanos / 1_000_000, e);
                work = 0;
            } catch (Throwable t) {
                running = false;
                LOG.fatal("thread {} died and will not run again", agent.roleName(), t);
                try {
                    onDeath.accept(t);
                } catch (Throwable again) {
                    LOG.fatal("telling of {}'s death failed", agent.roleName(), again);
                }
                return; // no onClose: the agent's state is whatever the error left it in
            }
            if (work == 0 && running) {
                if (!woken) {
                    LockSupport.parkNanos(this, idleNanos);
                }
                woken = false;
            }
        }
        try {
            agent.onClose();
        } catch (Exception e) {
            LOG.error("{} failed while stopping", agent.roleName(), e);
        }
    }

    /**
     * Tells the agent to end the work under way ({@code onStopRequested()}) without waiting: an owner closing
     * several runners asks them all first, so their long calls end together.
     */
    public void requestStop() {
        try {
            agent.onStopRequested();
        } catch (RuntimeException e) {
            LOG.warn("{} could not be asked to stop early; waiting for it", agent.roleName(), e);
        }
    }

    /**
     * Stops the loop, tells the agent ({@link #requestStop()}), lets it finish in {@code onClose()}, and waits
     * for the thread.
     */
    @Override
    public void close() {
        if (!running) {
            return;
        }
        running = false;
        requestStop();
        LockSupport.unpark(thread);
        // Waited for even if interrupted: its last flush must finish, and nothing may start in its place while
        // it still runs. The interrupt is kept for the caller.
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
