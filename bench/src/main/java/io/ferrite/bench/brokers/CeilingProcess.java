package io.ferrite.bench.brokers;

import io.ferrite.launcher.BrokerUnderTest;
import io.ferrite.launcher.ChildProcess;
import io.ferrite.launcher.FerriteProcess;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link CeilingBroker} in a child JVM with Ferrite's JVM options (config/jvm.options), so its CPU is read from
 * /proc as the real brokers' is and it competes with the client for the same two cores.
 */
final class CeilingProcess implements BrokerUnderTest {
    private final String name;
    private final int port;
    private ChildProcess child;

    private CeilingProcess(String name, int port) {
        this.name = name;
        this.port = port;
    }

    static CeilingProcess start(String name) throws IOException, InterruptedException {
        CeilingProcess p = new CeilingProcess(name, FerriteProcess.freePort());
        p.restart();
        return p;
    }

    @Override
    public void restart() throws IOException, InterruptedException {
        Path root = FerriteProcess.rootDir();
        List<String> command = new ArrayList<>(List.of(ChildProcess.java()));
        command.addAll(Contender.ferriteJvmOptions(root));
        command.addAll(List.of("-cp", root.resolve("bench/target/classes") + File.pathSeparator
                        + Files.readString(root.resolve("bench/target/runtime-classpath.txt")).strip(),
                CeilingBroker.class.getName(), FerriteProcess.HOST, Integer.toString(port)));
        child = ChildProcess.start(command, FerriteProcess.logsDir().resolve(name + ".log"));
        try {
            child.awaitPort(FerriteProcess.HOST, port, Duration.ofSeconds(60));
        } catch (RuntimeException | InterruptedException e) {
            child.close();
            throw e;
        }
    }

    @Override
    public ChildProcess process() {
        return child;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String bootstrap() {
        return FerriteProcess.HOST + ":" + port;
    }

    @Override
    public String secureBootstrap() {
        throw new IllegalStateException(name + " has no second listener");
    }
}
