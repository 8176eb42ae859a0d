package io.ferrite.compat;

import org.junit.jupiter.api.Test;

/** The default test execution runs the pinned kafka-clients, alone, and never a broker in-process. */
class ClasspathTest {
    @Test
    void theTestClasspathHoldsOnlyThePinnedClientAndNoBroker() {
        Clients.assertTestClasspath();
    }
}
