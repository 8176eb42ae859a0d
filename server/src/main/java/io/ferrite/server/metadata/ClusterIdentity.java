package io.ferrite.server.metadata;

import io.ferrite.storage.AtomicFiles;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.common.Uuid;

/**
 * {@code meta.properties} in the data directory, as Kafka keeps it: the cluster id, made once when the
 * directory is new, and the node id it belongs to. A directory of another node is refused.
 */
public record ClusterIdentity(String clusterId, int nodeId) {
    public static final String FILE = "meta.properties";

    public static ClusterIdentity load(Path dir, int nodeId) {
        Path file = dir.resolve(FILE);
        try {
            Files.createDirectories(dir);
            if (Files.exists(file)) {
                Properties p = new Properties();
                try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    p.load(r);
                }
                String id = p.getProperty("cluster.id");
                String node = p.getProperty("node.id");
                if (id == null || node == null) {
                    throw new IllegalStateException(file + " lacks cluster.id or node.id");
                }
                if (Integer.parseInt(node.trim()) != nodeId) {
                    throw new IllegalStateException(file + " belongs to node " + node + ", not node.id " + nodeId);
                }
                return new ClusterIdentity(id.trim(), nodeId);
            }
            return write(file, new ClusterIdentity(Uuid.randomUuid().toString(), nodeId));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write " + file, e);
        }
    }

    /**
     * Formats {@code dir} for node {@code nodeId} of cluster {@code clusterId} ahead of a first start (the storage
     * tool's {@code format}); a directory holding a {@code meta.properties} already is refused.
     *
     * @throws IllegalStateException if it is formatted already
     */
    public static ClusterIdentity format(Path dir, int nodeId, String clusterId) {
        Path file = dir.resolve(FILE);
        try {
            Files.createDirectories(dir);
            if (Files.exists(file)) {
                throw new IllegalStateException(dir + " is already formatted (" + file + " exists)");
            }
            return write(file, new ClusterIdentity(clusterId, nodeId));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static ClusterIdentity write(Path file, ClusterIdentity made) throws IOException {
        Properties p = new Properties();
        p.setProperty("version", "1");
        p.setProperty("cluster.id", made.clusterId);
        p.setProperty("node.id", Integer.toString(made.nodeId));
        StringWriter text = new StringWriter();
        p.store(text, null);
        // Durable rename included: otherwise a crash could lose the file and a restart make a new cluster id.
        AtomicFiles.replace(file, ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8)));
        return made;
    }
}
