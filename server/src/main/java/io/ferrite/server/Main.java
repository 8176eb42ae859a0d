package io.ferrite.server;

import io.ferrite.server.config.BrokerConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * {@code bin/broker [server.properties] [--override key=value]...}: reads the file (if given), applies the
 * overrides, starts the broker, and closes it cleanly on SIGTERM or Ctrl-C.
 */
public final class Main {
    private static final Logger LOG = LogManager.getLogger(Main.class);
    static final long FAIL_STOP_GRACE_SECONDS = 30;
    private static final AtomicBoolean failing = new AtomicBoolean();

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> props;
        try {
            props = parse(args);
        } catch (IllegalArgumentException | IOException e) {
            System.err.println(e.getMessage());
            System.err.println("usage: bin/broker [server.properties] [--override key=value]...");
            System.exit(2);
            return;
        }
        BrokerConfig config;
        try {
            config = BrokerConfig.fromProperties(props);
        } catch (IllegalArgumentException e) {
            System.err.println("bad configuration: " + e.getMessage());
            System.exit(2);
            return;
        }
        Thread.setDefaultUncaughtExceptionHandler(Main::uncaught);
        Broker broker;
        try {
            broker = Broker.start(config, Clock.systemUTC());
        } catch (IllegalArgumentException e) { // a listener's key store that cannot be used, say
            System.err.println("bad configuration: " + e.getMessage());
            System.exit(2);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }, "ferrite-shutdown"));
        broker.onStoreFailure(e -> failStop("the store is offline: " + e.getMessage()));
        stopped.await();
    }

    /**
     * A thread of the broker's ended on an exception nobody caught. An {@link Error} may have left any state
     * half changed, so the broker stops; anything else is a bug in that thread, logged with its trace.
     */
    private static void uncaught(Thread t, Throwable e) {
        LOG.fatal("thread {} ended on an uncaught exception", t.getName(), e);
        if (e instanceof Error) {
            failStop("thread " + t.getName() + " died of " + e);
        }
    }

    /**
     * Stops the broker with exit status 1, on a thread of its own ({@code ferrite-fail-stop}): the shutdown hook
     * closes the broker, which waits for the very threads that may be calling this. A close that hangs (a dead
     * disk) is cut short by halting after {@link #FAIL_STOP_GRACE_SECONDS}. Clients see the broker go, retry
     * elsewhere or wait for a restart, and the next start recovers the store; a broker that stayed up would
     * accept requests it can no longer serve.
     */
    static void failStop(String why) {
        if (!failing.compareAndSet(false, true)) {
            return;
        }
        LOG.fatal("stopping the broker: {}", why);
        Thread stopper = new Thread(() -> {
            Thread halter = new Thread(() -> {
                try {
                    Thread.sleep(TimeUnit.SECONDS.toMillis(FAIL_STOP_GRACE_SECONDS));
                } catch (InterruptedException e) {
                    return;
                }
                LOG.fatal("clean stop took over {} s; halting", FAIL_STOP_GRACE_SECONDS);
                Runtime.getRuntime().halt(1);
            }, "ferrite-fail-stop-timer");
            halter.setDaemon(true);
            halter.start();
            System.exit(1);
        }, "ferrite-fail-stop");
        stopper.start();
    }

    static Map<String, String> parse(String[] args) throws IOException {
        Map<String, String> props = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--override")) {
                if (i + 1 >= args.length || !args[i + 1].contains("=")) {
                    throw new IllegalArgumentException("--override needs key=value");
                }
                String[] kv = args[++i].split("=", 2);
                props.put(kv[0].trim(), kv[1].trim());
            } else if (i == 0) {
                Properties file = new Properties();
                try (Reader r = Files.newBufferedReader(Path.of(args[0]), StandardCharsets.UTF_8)) {
                    file.load(r);
                }
                file.forEach((k, v) -> props.putIfAbsent(k.toString(), v.toString().trim()));
            } else {
                throw new IllegalArgumentException("unexpected argument " + args[i]);
            }
        }
        return props;
    }
}
