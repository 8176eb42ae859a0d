package io.ferrite.compat;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Places a compatibility test in the matrix of {@code docs/COMPATIBILITY.md}: which client family it drives
 * and which feature it proves. On a class it covers every test method without its own; the client version and
 * the broker (Ferrite or the Kafka reference) are read at run time by {@link CompatRecorder}.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface Compat {
    /** kafka-clients, in whichever version the test execution runs (4.3, 3.9 or 2.8). */
    String JAVA = "Java kafka-clients";
    /** kcat, and through it librdkafka. */
    String KCAT = "kcat (librdkafka)";
    /** kafkajs on Node.js, the version pinned in {@code compat-tests/kafkajs/package.json}. */
    String KAFKAJS = "kafkajs";
    /** Apache Kafka's own command-line tools, at the version of the {@code kafka-reference} module. */
    String CLI = "Kafka CLI tools";

    /** The client family: one of the constants above, or another whose tests state their version. */
    String family();

    /** The feature the test proves, e.g. "produce", "group consume", "admin: topics". */
    String feature();
}
