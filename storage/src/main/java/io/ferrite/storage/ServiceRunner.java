package io.ferrite.storage;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Runs one {@link Agent} on its own named thread: {@code doWork()} in a loop, parking for up to the idle
 * period whenever a call did nothing, and waking early on {@link #wakeUp()}.
 *
 * <p>An exception from {@code doWork()} is logged and the loop goes on after an idle period: a failing
 * disk must not silently end the flush thread. Agents report data-path failures through their own futures.
 */
public final class ServiceRunner implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(ServiceRunner.class);

    private final Agent agent;
    private final long idleNanos;
    private final Thread thread;
    private volatile boolean running;
    private volatile boolean woken;

    public ServiceRunner(Agent agent, long idleMillis) {
        this.agent = agent;
        this.idleNanos = TimeUnit.MILLISECONDS.toNanos(idleMillis);
        this.thread = new Thread(this::run, agent.roleName());
        this.thread.setDaemon(true);
    }

    public ServiceRunner start() {
        running = true;
        thread.start();
        return this;
    }

    public boolean isRunning() {
        return running && thread.isAlive();
    }

    /** Ends the current idle wait, so work handed over just now is done at once. */
    public void wakeUp() {
        if (!woken) {
            woken = true;
            LockSupport.unpark(thread);
        }
    }

    private void run() {
        while (running) {
            int work;
            try {
                work = agent.doWork();
            } catch (Exception e) {
                LOG.error("{} failed; retrying after {} ms", agent.roleName(), idleNanos / 1_000_000, e);
                work = 0;
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

    /** Stops the loop, lets the agent finish in {@code onClose()}, and waits for the thread. */
    @Override
    public void close() {
        if (!running) {
            return;
        }
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
