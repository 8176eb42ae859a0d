package io.ferrite.compat;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Places a compatibility test in the matrix of {@code docs/COMPATIBILITY.md}: which client family it drives
 * and which feature it proves. On a class it covers every test method without its own; the client version and
 * the broker (Ferrite or the Kafka reference) are read at run time.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface Compat {
    /** The client family, e.g. "Java kafka-clients", "kcat (librdkafka)", "kafkajs". */
    String family();

    /** The feature the test proves, e.g. "produce", "group consume", "admin: topics". */
    String feature();
}
