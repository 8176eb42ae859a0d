package io.ferrite.compat;

import io.ferrite.launcher.BrokerUnderTest;
import io.ferrite.launcher.FerriteProcess;
import io.ferrite.launcher.KafkaProcess;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The brokers a scenario can run against. Ferrite always runs; the Apache Kafka reference runs beside it
 * when the build is given {@code -Dreference=kafka}, since a Kafka start costs seconds per test class.
 * The broker-neutral test classes are {@code @ParameterizedClass}es over {@link #selected()}, so each of
 * their tests runs once per broker; the ones about Ferrite's own files and settings run on Ferrite only,
 * and {@code SideBySideTest} runs on both in every build.
 */
public enum BrokerKind {
    FERRITE {
        @Override
        public BrokerUnderTest start(String name, Path dir, Map<String, String> overrides) throws Exception {
            return FerriteProcess.start(name + "-ferrite", dir, overrides);
        }

        @Override
        public BrokerUnderTest startSecure(String name, Path dir, String protocol, Map<String, String> overrides)
                throws Exception {
            return FerriteProcess.startSecure(name + "-ferrite", dir, protocol, overrides);
        }
    },
    KAFKA {
        @Override
        public BrokerUnderTest start(String name, Path dir, Map<String, String> overrides) throws Exception {
            return KafkaProcess.start(name + "-kafka", dir, overrides);
        }

        @Override
        public BrokerUnderTest startSecure(String name, Path dir, String protocol, Map<String, String> overrides)
                throws Exception {
            return KafkaProcess.startSecure(name + "-kafka", dir, protocol, overrides);
        }
    };

    /** The system property that turns the reference runs on. */
    public static final String REFERENCE_PROPERTY = "reference";

    /**
     * Starts this broker with its files under {@code dir}, logging as {@code <name>-<kind>}; {@code overrides}
     * are broker configs by Kafka's names, which both take.
     */
    public abstract BrokerUnderTest start(String name, Path dir, Map<String, String> overrides) throws Exception;

    /**
     * As {@link #start}, with a listener of {@code protocol} (SSL, SASL_PLAINTEXT, SASL_SSL) beside the plaintext
     * one; {@code overrides} carry its keys.
     */
    public abstract BrokerUnderTest startSecure(String name, Path dir, String protocol, Map<String, String> overrides)
            throws Exception;

    /** Ferrite, and Kafka too under {@code -Dreference=kafka}; any other value is a mistake worth failing on. */
    public static List<BrokerKind> selected() {
        String reference = System.getProperty(REFERENCE_PROPERTY, "");
        return switch (reference) {
            case "" -> List.of(FERRITE);
            case "kafka" -> List.of(FERRITE, KAFKA);
            default -> throw new IllegalArgumentException("-D" + REFERENCE_PROPERTY + "=" + reference
                    + " is not a reference broker; the one there is: kafka");
        };
    }
}
