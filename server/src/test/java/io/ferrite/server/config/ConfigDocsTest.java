package io.ferrite.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** docs/CONFIG.md is what the definitions make, and the sample configuration sets only defined keys. */
class ConfigDocsTest {
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

    @Test
    void theConfigPageIsCurrent() throws IOException {
        Path page = ROOT.resolve("docs/CONFIG.md");
        String made = ConfigDocs.render();
        if (Boolean.getBoolean("ferrite.write.docs")) {
            Files.writeString(page, made, StandardCharsets.UTF_8);
        }
        assertEquals(made, Files.readString(page, StandardCharsets.UTF_8),
                "docs/CONFIG.md is out of date; ConfigDocs says how to write it again");
    }

    @Test
    void theSampleConfigurationSetsOnlyDefinedKeys() throws IOException {
        Properties sample = new Properties();
        try (Reader r = Files.newBufferedReader(ROOT.resolve("config/server.properties"), StandardCharsets.UTF_8)) {
            sample.load(r);
        }
        Set<String> known = new HashSet<>(BrokerConfig.CONFIG_DEF.names());
        TopicConfigs.all().forEach(d -> d.brokerSynonyms().forEach(s -> known.add(s.name())));
        for (String key : sample.stringPropertyNames()) {
            assertTrue(known.contains(key), "config/server.properties sets " + key + ", which no definition has");
        }
        java.util.Map<String, String> props = new java.util.HashMap<>();
        sample.stringPropertyNames().forEach(k -> props.put(k, sample.getProperty(k)));
        BrokerConfig.fromProperties(props); // and every value in it is valid
    }
}
