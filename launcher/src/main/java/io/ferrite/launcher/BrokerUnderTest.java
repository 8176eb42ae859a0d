package io.ferrite.launcher;

import java.time.Duration;

/**
 * A broker these tests run as a child process, Ferrite or the Apache Kafka reference, so that one scenario
 * can be written once and run against both. Every operation acts on the broker's own process only.
 */
public interface BrokerUnderTest extends AutoCloseable {
    /** How long a SIGTERM stop may take before it counts as failed. */
    Duration STOP_GRACE = Duration.ofSeconds(30);

    /** The broker's current process, or null before the first start. */
    ChildProcess process();

    /** The name its logs go under, for failure messages. */
    String name();

    /** {@code host:port} of its plaintext listener, for a client's bootstrap.servers. */
    String bootstrap();

    /** {@code host:port} of its second listener (SSL or SASL), if it was started with one. */
    String secureBootstrap();

    /** The current process's id. */
    default long pid() {
        return process().pid();
    }

    /** The tail of the current run's log, for failure messages. */
    default String logTail() {
        return process().logTail(4000);
    }

    /**
     * SIGTERM; fails unless the broker exits cleanly within {@link #STOP_GRACE} (the JVM reports 143 for a
     * SIGTERM it handled through its shutdown hooks).
     */
    default void stop() throws InterruptedException {
        int exit = process().stop(STOP_GRACE);
        if (exit != 0 && exit != 143) {
            throw new IllegalStateException(name() + " exited with " + exit + " on SIGTERM:\n" + logTail());
        }
    }

    /** SIGKILL: no shutdown of any kind (for Ferrite: no final flush, the abort file left behind). */
    default void kill() throws InterruptedException {
        process().kill();
    }

    /** Starts it again on the same port and data, after {@link #stop} or {@link #kill}; returns once it serves. */
    void restart() throws Exception;

    /** Kills the broker if it still runs; safe to call more than once. */
    @Override
    default void close() {
        if (process() != null) {
            process().close();
        }
    }
}
