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

/**
 * {@code bin/broker [server.properties] [--override key=value]...}: reads the file (if given), applies the
 * overrides, starts the broker, and closes it cleanly on SIGTERM or Ctrl-C.
 */
public final class Main {
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
        Broker broker = Broker.start(config, Clock.systemUTC());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }, "ferrite-shutdown"));
        stopped.await();
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
