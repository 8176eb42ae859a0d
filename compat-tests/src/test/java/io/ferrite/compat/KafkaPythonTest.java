package io.ferrite.compat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * kafka-python, the pure-Python client, at the Debian package's version
 * ({@code compat-tests/python/kafka_python_client.py}), against a child broker. Its 2.0 producer is not
 * idempotent and sends no null header values, so its records go with acks=all and an empty header value.
 * {@code .ci/run} installs it; without /usr/bin/python3 or the package these tests fail rather than skip.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("io.ferrite.compat.BrokerKind#selected")
@Timeout(300)
class KafkaPythonTest extends PythonClientTestBase {
    static final String FAMILY = "kafka-python";

    @BeforeParameterizedClassInvocation
    static void start(BrokerKind kind) throws Exception {
        start(kind, new Flavour(FAMILY, "kafka_python_client.py", "python3-kafka", "gzip", false, false), "KafkaPythonTest");
    }

    @Test
    @Compat(family = FAMILY, feature = "produce: keys, headers, timestamps, gzip")
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
