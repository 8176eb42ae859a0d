package io.ferrite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** kafka-clients logs through slf4j-api 1.7; the broker's runtime classpath binds it to log4j2. */
class LoggingTest {
    @Test
    void kafkaClientsLinesGoToLog4j() {
        assertEquals("org.apache.logging.slf4j.Log4jLoggerFactory", LoggerFactory.getILoggerFactory().getClass()
                .getName(), "slf4j is bound to log4j2, not to its no-operation logger");
    }
}
