package io.ferrite.compat;

/**
 * A broker these tests run as a child process, Ferrite or the Apache Kafka reference, so that one scenario
 * can be written once and run against both. Every operation acts on the broker's own process only.
 */
public interface BrokerUnderTest extends AutoCloseable {
    /** The name its logs go under, for failure messages. */
    String name();

    /** {@code host:port} of its one plaintext listener, for a client's bootstrap.servers. */
    String bootstrap();

    /** The current process's id. */
    long pid();

    /** The tail of the current run's log, for failure messages. */
    String logTail();

    /** SIGTERM; fails unless the broker exits cleanly within a bound. */
    void stop() throws InterruptedException;

    /** SIGKILL: no shutdown of any kind. Returns once the process is gone. */
    void kill() throws InterruptedException;

    /** Starts it again on the same port and data, after {@link #stop} or {@link #kill}; returns once it serves. */
    void restart() throws Exception;

    /** Kills the broker if it still runs; safe to call more than once. */
    @Override
    void close();
}
