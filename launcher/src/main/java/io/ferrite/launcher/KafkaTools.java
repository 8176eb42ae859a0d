package io.ferrite.launcher;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Apache Kafka's command-line tools at the pinned version, each run to completion in its own JVM, as
 * {@code bin/kafka-*.sh} runs them: the tool's main class, Kafka's small tool heap, and Kafka's tool logging
 * (warnings and worse on stderr, so stdout holds only what the tool prints). The classpath is the one the
 * {@code kafka-reference} module resolved into a file; it is never this JVM's own.
 */
public final class KafkaTools {
    public static final String TOPICS = "org.apache.kafka.tools.TopicCommand";
    public static final String CONSOLE_PRODUCER = "org.apache.kafka.tools.ConsoleProducer";
    public static final String CONSOLE_CONSUMER = "org.apache.kafka.tools.consumer.ConsoleConsumer";
    public static final String GET_OFFSETS = "org.apache.kafka.tools.GetOffsetShell";
    /** kafka-configs: still in the core (Scala) jar in 4.3, unlike the others. */
    public static final String CONFIGS = "kafka.admin.ConfigCommand";
    public static final String DELETE_RECORDS = "org.apache.kafka.tools.DeleteRecordsCommand";
    public static final String LOG_DIRS = "org.apache.kafka.tools.LogDirsCommand";
    public static final String CLUSTER = "org.apache.kafka.tools.ClusterTool";
    public static final String BROKER_API_VERSIONS = "org.apache.kafka.tools.BrokerApiVersionsCommand";
    public static final String CONSUMER_GROUPS = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand";
    public static final String SHARE_GROUPS = "org.apache.kafka.tools.consumer.group.ShareGroupCommand";
    public static final String TRANSACTIONS = "org.apache.kafka.tools.TransactionsCommand";
    public static final String ACLS = "org.apache.kafka.tools.AclCommand";

    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(60);

    private final String logPrefix;
    private final String bootstrap;
    private final String classpath;
    private final Path logConfig;

    private KafkaTools(String logPrefix, String bootstrap, String classpath, Path logConfig) {
        this.logPrefix = logPrefix;
        this.bootstrap = bootstrap;
        this.classpath = classpath;
        this.logConfig = logConfig;
    }

    /** Tools pointed at {@code broker}; each run's output is kept as {@code <logPrefix>-<name>.out/.err}. */
    public static KafkaTools against(BrokerUnderTest broker, String logPrefix) throws IOException {
        Path module = FerriteProcess.rootDir().resolve("kafka-reference");
        Path classpathFile = module.resolve("target/runtime-classpath.txt");
        if (!Files.isRegularFile(classpathFile)) {
            throw new IllegalStateException("no " + classpathFile + "; run these tests through the reactor, e.g."
                    + " mvn -pl compat-tests -am verify");
        }
        return new KafkaTools(logPrefix, broker.bootstrap(), Files.readString(classpathFile).trim(),
                module.resolve("log4j2-tools.xml"));
    }

    public String bootstrap() {
        return bootstrap;
    }

    /**
     * Runs {@code mainClass} with {@code args} followed by {@code --bootstrap-server}, feeding it {@code stdin},
     * and returns however it ended; {@link Command.Result#ok()} asserts a zero exit.
     */
    public Command.Result run(String name, String mainClass, String stdin, String... args)
            throws IOException, InterruptedException {
        // The scripts' tool heap; the two JIT and GC choices only make a short run start faster.
        List<String> jvm = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--bootstrap-server", bootstrap));
        return run(name, jvm, RUN_TIMEOUT, mainClass, stdin, all);
    }

    /**
     * Runs {@code mainClass} with exactly {@code args} in a JVM with {@code jvmOptions}, for at most
     * {@code timeout}: for long runs such as Kafka's performance tools, which want a fully compiling JVM.
     */
    public Command.Result run(String name, List<String> jvmOptions, Duration timeout, String mainClass, String stdin,
            List<String> args) throws IOException, InterruptedException {
        return Command.run(logPrefix + "-" + name, command(jvmOptions, mainClass, args), stdin, timeout);
    }

    /**
     * Starts {@code mainClass} with {@code args} as a child that runs until the caller stops it (a Connect
     * worker, say), its output in {@code <logPrefix>-<name>.log} in the logs directory. The caller owns the
     * process and must stop it.
     */
    public Process start(String name, List<String> jvmOptions, String mainClass, List<String> args)
            throws IOException {
        return new ProcessBuilder(command(jvmOptions, mainClass, args)).redirectErrorStream(true)
                .redirectOutput(FerriteProcess.logsDir().resolve(logPrefix + "-" + name + ".log").toFile()).start();
    }

    /** A JVM on the tools' classpath and log configuration running {@code mainClass} with {@code args}. */
    private List<String> command(List<String> jvmOptions, String mainClass, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(ChildProcess.java());
        command.addAll(jvmOptions);
        command.addAll(List.of("-Djava.awt.headless=true", "-Dlog4j2.configurationFile=" + logConfig,
                "-cp", classpath, mainClass));
        command.addAll(args);
        return command;
    }

    /** The jar names on the tools' classpath, for checking which Kafka they are. */
    public List<String> jarNames() {
        List<String> names = new ArrayList<>();
        for (String entry : classpath.split(File.pathSeparator)) {
            names.add(new File(entry).getName());
        }
        return names;
    }
}
