package io.ferrite.compat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * confluent-kafka-python, the Python binding of librdkafka, at the Debian package's version
 * ({@code compat-tests/python/confluent_client.py}), against a child broker. {@code .ci/run} installs it;
 * without /usr/bin/python3 or the package these tests fail rather than skip.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("io.ferrite.compat.BrokerKind#selected")
@Timeout(300)
class ConfluentKafkaPythonTest extends PythonClientTestBase {
    static final String FAMILY = "confluent-kafka-python (librdkafka)";

    @BeforeParameterizedClassInvocation
    static void start(BrokerKind kind) throws Exception {
        start(kind, new Flavour(FAMILY, "confluent_client.py", "python3-confluent-kafka", "zstd", true, true), "ConfluentKafkaPythonTest");
    }

    @Test
    @Compat(family = FAMILY, feature = "produce: keys, headers with null values, timestamps, zstd, idempotent")
    void producedRecordsAreReadBackByJavaAndPythonConsumers() throws Exception {
        producedRecordsAreReadBackByJavaAndPython();
    }

    @Test
    @Compat(family = FAMILY, feature = "group consume, commit and resume")
    void aConsumerGroupConsumesCommitsAndResumes() throws Exception {
        aGroupConsumesCommitsAndResumes();
    }

    @Test
    @Compat(family = FAMILY, feature = "admin: create, list and delete topics")
    void theAdminClientCreatesListsAndDeletesTopics() throws Exception {
        topicsAreCreatedListedAndDeleted();
    }

    @Test
    @Compat(family = FAMILY, feature = "offsets for times")
    void offsetsAreListedByTimestamp() throws Exception {
        offsetsAreListedByTime();
    }
}
