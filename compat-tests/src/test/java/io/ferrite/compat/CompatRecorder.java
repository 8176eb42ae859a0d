package io.ferrite.compat;

import io.ferrite.launcher.FerriteProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Records the outcome of every {@link Compat} test into {@code <compat.results.dir>/<compat.execution>.jsonl}
 * (one {@link CompatResult} a line), which {@link MatrixWriter} turns into {@code docs/COMPATIBILITY.md}.
 * The build sets both properties for each surefire execution, so the 4.3, 3.9 and 2.8 runs each leave their
 * own file; without them (a run from an IDE) nothing is recorded. Registered through {@code META-INF/services}.
 *
 * <p>The broker is the {@link BrokerKind} whose name is the display name of the {@code @ParameterizedClass}
 * invocation the test runs in; a test class not parameterised over the brokers runs on Ferrite only. A class
 * whose set-up fails has its tests recorded with that failure, so they show as failing rather than not run.
 *
 * <p>The file is rewritten whole after each test plan, so a run that dies half-way leaves the previous file.
 */
public final class CompatRecorder implements TestExecutionListener {
    public static final String RESULTS_DIR_PROPERTY = "compat.results.dir";
    public static final String EXECUTION_PROPERTY = "compat.execution";
    public static final String FERRITE_VERSION_PROPERTY = "compat.ferrite.version";
    private static final int MESSAGE_LIMIT = 300;

    private final Path resultsFile;
    private final String execution;
    private final ClientVersions versions = new ClientVersions(FerriteProcess.rootDir());
    /** Everything recorded so far; surefire may run more than one test plan through one launcher. */
    private final List<CompatResult> results = new ArrayList<>();
    private final Set<String> recorded = new HashSet<>();
    private TestPlan plan;

    /** The recorder the launcher loads, writing where the build's system properties say. */
    public CompatRecorder() {
        this(System.getProperty(RESULTS_DIR_PROPERTY) == null || System.getProperty(EXECUTION_PROPERTY) == null ? null
                : Path.of(System.getProperty(RESULTS_DIR_PROPERTY), System.getProperty(EXECUTION_PROPERTY) + ".jsonl"),
                System.getProperty(EXECUTION_PROPERTY, "unnamed"));
    }

    /** A recorder writing {@code resultsFile}, or nothing if it is null, naming {@code execution} in each result. */
    CompatRecorder(Path resultsFile, String execution) {
        this.resultsFile = resultsFile;
        this.execution = execution;
    }

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        plan = testPlan;
    }

    @Override
    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
        if (id.isTest()) {
            record(id, result);
        } else if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL && plan != null) {
            // Tests under a failed set-up never start: they failed all the same.
            for (TestIdentifier d : plan.getDescendants(id)) {
                if (d.isTest()) {
                    record(d, result);
                }
            }
        }
    }

    @Override
    public void testPlanExecutionFinished(TestPlan testPlan) {
        if (resultsFile == null) {
            return;
        }
        StringBuilder text = new StringBuilder();
        synchronized (results) {
            results.forEach(r -> text.append(r.toJsonLine()).append('\n'));
        }
        try {
            AtomicText.write(resultsFile, text.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the compatibility results to " + resultsFile, e);
        }
    }

    private void record(TestIdentifier id, TestExecutionResult result) {
        Optional<Compat> compat = compatOf(id.getSource().orElse(null));
        if (compat.isEmpty()) {
            return;
        }
        synchronized (results) {
            if (!recorded.add(id.getUniqueId())) {
                return;
            }
        }
        String family = compat.get().family();
        String version = versions.of(family);
        BrokerKind broker = brokerOf(id);
        String status = switch (result.getStatus()) {
            case SUCCESSFUL -> CompatResult.PASS;
            case FAILED -> CompatResult.FAIL;
            case ABORTED -> CompatResult.ABORTED;
        };
        String message = result.getThrowable().map(CompatRecorder::firstLine).orElse("");
        CompatResult r = new CompatResult(execution, family,
                version != null ? version : "unstated (the test must call CompatVersions.record)",
                compat.get().feature(), broker.name(), brokerVersion(broker), status, path(id), message,
                Instant.now().toString());
        synchronized (results) {
            results.add(r);
        }
    }

    private String brokerVersion(BrokerKind broker) {
        return broker == BrokerKind.KAFKA ? versions.referenceKafka()
                : System.getProperty(FERRITE_VERSION_PROPERTY, "unknown");
    }

    /** The method's own {@link Compat}, else its class's or the nearest superclass's. */
    static Optional<Compat> compatOf(TestSource source) {
        Class<?> type;
        if (source instanceof MethodSource m) {
            Method method;
            try {
                method = m.getJavaMethod();
            } catch (RuntimeException e) {
                return Optional.empty(); // not a method this JVM can load, so not one of ours
            }
            Compat own = method.getAnnotation(Compat.class);
            if (own != null) {
                return Optional.of(own);
            }
            type = m.getJavaClass();
        } else if (source instanceof ClassSource c) {
            type = c.getJavaClass();
        } else {
            return Optional.empty();
        }
        for (Class<?> t = type; t != null; t = t.getSuperclass()) {
            Compat c = t.getAnnotation(Compat.class);
            if (c != null) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    private BrokerKind brokerOf(TestIdentifier id) {
        for (TestIdentifier a = id; a != null; a = plan.getParent(a).orElse(null)) {
            for (BrokerKind k : BrokerKind.values()) {
                if (k.name().equals(a.getDisplayName())) {
                    return k;
                }
            }
        }
        return BrokerKind.FERRITE;
    }

    /** The display names from the test class down to the test, e.g. {@code OffsetsTest / KAFKA / seek(String) / [1] none}. */
    private String path(TestIdentifier id) {
        Deque<String> names = new ArrayDeque<>();
        for (TestIdentifier a = id; a != null && a.getParentId().isPresent(); a = plan.getParent(a).orElse(null)) {
            names.addFirst(a.getDisplayName());
        }
        return String.join(" / ", names);
    }

    private static String firstLine(Throwable t) {
        String s = t.toString().strip();
        int nl = s.indexOf('\n');
        if (nl >= 0) {
            s = s.substring(0, nl);
        }
        return s.length() > MESSAGE_LIMIT ? s.substring(0, MESSAGE_LIMIT) + "..." : s;
    }
}
