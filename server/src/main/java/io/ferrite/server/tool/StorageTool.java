package io.ferrite.server.tool;

import io.ferrite.server.config.BrokerConfig;
import io.ferrite.server.metadata.ClusterIdentity;
import io.ferrite.storage.PartitionKey;
import io.ferrite.storage.StoreFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.CloseableIterator;

/**
 * {@code bin/ferrite-storage.sh}: the store's files from the outside, as Kafka's {@code kafka-storage.sh} and
 * {@code kafka-dump-log.sh} see a Kafka log directory.
 * <ul>
 *   <li>{@code format --config F [--cluster-id ID] [--ignore-formatted]}: writes {@code meta.properties} (the
 *       cluster id, a new one unless given, and {@code node.id}) into the data directory before a first start;</li>
 *   <li>{@code info --config F}: cluster and node, partitions, CommitLog files and bytes, the checkpoint, and
 *       whether the store is in use or was not closed cleanly;</li>
 *   <li>{@code check --config F [--force]}: every CommitLog entry's CRCs and every ConsumeQueue entry's batch
 *       (a compacted partition's cleaned files too); exit 1 if anything is wrong, naming each file and
 *       position. A store in use (or not closed cleanly) only with {@code --force};</li>
 *   <li>{@code dump --files P[,P...] [--print-data] [--max-batches N]}: CommitLog entries (position,
 *       partition, and the batch as kafka-dump-log prints it; with {@code --print-data} its records) or a
 *       ConsumeQueue file's entries.</li>
 * </ul>
 * Read-only but for {@code format}; it may run beside a broker (what it reads at the head may be moving).
 * Exit status: 0 done, 1 refused or problems found, 2 a usage error.
 */
public final class StorageTool {
    private static final String USAGE = """
            usage: ferrite-storage.sh format --config server.properties [--cluster-id ID] [--ignore-formatted]
                   ferrite-storage.sh info   --config server.properties
                   ferrite-storage.sh check  --config server.properties [--force]
                   ferrite-storage.sh dump   --files PATH[,PATH...] [--print-data] [--max-batches N]""";

    private final PrintStream out;
    private final PrintStream err;

    StorageTool(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(new StorageTool(System.out, System.err).run(args));
    }

    /** Runs one command; returns the exit status. */
    int run(String[] args) {
        if (args.length == 0) {
            err.println(USAGE);
            return 2;
        }
        Map<String, String> opts;
        try {
            opts = options(args);
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            err.println(USAGE);
            return 2;
        }
        try {
            return switch (args[0]) {
                case "format" -> format(config(opts), opts.get("--cluster-id"), opts.containsKey("--ignore-formatted"));
                case "info" -> info(config(opts));
                case "check" -> check(config(opts), opts.containsKey("--force"));
                case "dump" -> dump(opts);
                default -> {
                    err.println("unknown command " + args[0]);
                    err.println(USAGE);
                    yield 2;
                }
            };
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        } catch (IOException | RuntimeException e) {
            err.println(args[0] + " failed: " + e);
            return 1;
        }
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> opts = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--print-data", "--ignore-formatted", "--force" -> opts.put(a, "");
                case "--config", "--cluster-id", "--files", "--max-batches" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException(a + " needs a value");
                    }
                    opts.put(a, args[++i]);
                }
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        return opts;
    }

    /** The broker's configuration, as the broker reads it from the same file. */
    private static BrokerConfig config(Map<String, String> opts) throws IOException {
        String file = opts.get("--config");
        if (file == null) {
            throw new IllegalArgumentException("--config server.properties is needed");
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
            p.load(r);
        }
        Map<String, String> props = new LinkedHashMap<>();
        p.forEach((k, v) -> props.put(k.toString(), v.toString().trim()));
        return BrokerConfig.fromProperties(props);
    }

    private int format(BrokerConfig config, String clusterId, boolean ignoreFormatted) {
        if (clusterId != null) {
            try {
                Uuid.fromString(clusterId); // as Kafka's: a cluster id is a base64 UUID
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--cluster-id " + clusterId + " is not a cluster id: "
                        + e.getMessage());
            }
        }
        Path dir = config.store().dataDir();
        if (Files.exists(dir.resolve(ClusterIdentity.FILE))) {
            ClusterIdentity id = ClusterIdentity.load(dir, config.nodeId());
            if (ignoreFormatted) {
                out.println(dir + " is already formatted for cluster " + id.clusterId() + "; left as it is");
                return 0;
            }
            err.println(dir + " is already formatted for cluster " + id.clusterId()
                    + " (use --ignore-formatted to accept that)");
            return 1;
        }
        String id = clusterId != null ? clusterId : Uuid.randomUuid().toString();
        ClusterIdentity.format(dir, config.nodeId(), id);
        out.println("Formatted " + dir + " for node " + config.nodeId() + " of cluster " + id);
        return 0;
    }

    private int info(BrokerConfig config) throws IOException {
        Path dir = config.store().dataDir();
        if (!Files.isDirectory(dir)) {
            err.println(dir + " does not exist: not formatted, never started");
            return 1;
        }
        Path meta = dir.resolve(ClusterIdentity.FILE);
        if (Files.exists(meta)) {
            ClusterIdentity id = ClusterIdentity.load(dir, config.nodeId());
            out.println("cluster.id: " + id.clusterId());
            out.println("node.id: " + id.nodeId());
        } else {
            out.println("not formatted: no " + ClusterIdentity.FILE);
        }
        Map<Integer, PartitionKey> table = StoreFiles.partitionTable(dir);
        List<Path> files = StoreFiles.commitLogFiles(dir);
        long bytes = 0;
        for (Path f : files) {
            bytes += Files.size(f);
        }
        out.println("partitions: " + table.size());
        out.println("commitlog files: " + files.size() + " (" + bytes + " bytes on disk)");
        out.println("checkpoint position: " + StoreFiles.checkpointPosition(dir));
        out.println("state: " + (StoreFiles.inUseOrUnclean(dir) ? "in use, or not closed cleanly (the next start "
                + "recovers from the checkpoint)" : "closed cleanly"));
        return 0;
    }

    private int check(BrokerConfig config, boolean force) throws IOException {
        Path dir = config.store().dataDir();
        if (StoreFiles.inUseOrUnclean(dir)) {
            if (!force) {
                err.println(dir + " is in use, or was not closed cleanly: stop the broker first, or give --force to "
                        + "check the files as they lie (a running broker's head may show as damage)");
                return 1;
            }
            out.println("note: the store is in use or was not closed cleanly; its head may be moving, or be cut "
                    + "back by recovery at the next start");
        }
        StoreFiles.CheckReport r = StoreFiles.check(dir);
        out.println("commitlog entries: " + r.entries() + " (" + r.bytes() + " bytes)");
        out.println("consumequeue entries: " + r.indexEntries() + " (" + r.indexEntriesBeforeLog()
                + " below the CommitLog's first file, which retention deleted)");
        for (String p : r.problems()) {
            out.println("PROBLEM: " + p);
        }
        out.println(r.clean() ? "clean" : r.problems().size() + " problem(s)");
        return r.clean() ? 0 : 1;
    }

    private int dump(Map<String, String> opts) throws IOException {
        String files = opts.get("--files");
        if (files == null) {
            throw new IllegalArgumentException("--files PATH[,PATH...] is needed");
        }
        boolean data = opts.containsKey("--print-data");
        long max = opts.containsKey("--max-batches") ? parseLong("--max-batches", opts.get("--max-batches"))
                : Long.MAX_VALUE;
        for (String name : files.split(",")) {
            Path f = Path.of(name.trim());
            if (!Files.isRegularFile(f) || !f.getFileName().toString().matches("\\d{20}")) {
                throw new IllegalArgumentException(f + " is not a CommitLog or ConsumeQueue file");
            }
            out.println("Dumping " + f);
            Path parent = f.toAbsolutePath().getParent();
            if (parent.getFileName().toString().equals("commitlog")) {
                dumpCommitLog(f, StoreFiles.partitionTable(parent.getParent()), data, max);
            } else if (parent.getParent() != null
                    && parent.getParent().getFileName().toString().equals("consumequeue")) {
                PartitionKey key = StoreFiles.partitionTable(parent.getParent().getParent())
                        .get(Integer.parseInt(parent.getFileName().toString()));
                out.println("ConsumeQueue of " + (key == null ? "partition id " + parent.getFileName() : key));
                long[] left = {max};
                StoreFiles.scanConsumeQueue(f, e -> {
                    if (left[0]-- > 0) {
                        out.println("index: " + e.index() + " baseOffset: " + e.baseOffset() + " lastOffset: "
                                + e.lastOffset() + " position: " + e.position() + " size: " + e.size()
                                + " runningMaxTimestamp: " + e.runningMaxTimestamp());
                    }
                });
            } else {
                throw new IllegalArgumentException(f + " is neither in a commitlog nor a consumequeue/<id> directory");
            }
        }
        return 0;
    }

    private void dumpCommitLog(Path f, Map<Integer, PartitionKey> table, boolean data, long max) throws IOException {
        long[] left = {max};
        List<String> lines = new ArrayList<>();
        Consumer<StoreFiles.LogEntry> print = e -> {
            switch (e.kind()) {
                case SKIPPED -> out.println("position: " + e.position() + " skipped: " + e.size()
                        + " bytes no partition reads any more");
                case TRUNCATION -> {
                    PartitionKey key = table.get(e.partitionId());
                    out.println("position: " + e.position() + " truncation: "
                            + (key == null ? "partition id " + e.partitionId() : key.toString())
                            + " cut at offset " + e.cutAt());
                }
                case END_OF_FILE -> out.println("position: " + e.position() + " end of file (" + e.size()
                        + " bytes unused)");
                case END_OF_LOG -> out.println("position: " + e.position() + " end of the written log");
                case CORRUPT -> {
                    if (e.batch() == null) {
                        out.println("position: " + e.position() + " CORRUPT: the entry header fails its CRC; the "
                                + "rest of the file cannot be read");
                        return;
                    }
                    try {
                        out.println(batchLine(e, table) + " isvalid: false");
                    } catch (RuntimeException unreadable) {
                        out.println("position: " + e.position() + " CORRUPT: the batch fails its CRC and cannot be "
                                + "read: " + unreadable.getMessage());
                    }
                }
                default -> {
                    if (left[0] <= 0) {
                        return;
                    }
                    left[0]--;
                    out.println(batchLine(e, table) + " isvalid: true");
                    if (data) {
                        records(e.batch(), lines);
                        lines.forEach(out::println);
                        lines.clear();
                    }
                }
            }
        };
        StoreFiles.scanCommitLog(f, print);
    }

    /** An entry's batch in kafka-dump-log's words, after Ferrite's position and partition. */
    private static String batchLine(StoreFiles.LogEntry e, Map<Integer, PartitionKey> table) {
        PartitionKey key = table.get(e.partitionId());
        RecordBatch b = MemoryRecords.readableRecords(e.batch().duplicate()).batches().iterator().next();
        return "position: " + e.position() + " partition: " + (key == null ? "?" : key) + " (id " + e.partitionId()
                + ") baseOffset: " + b.baseOffset() + " lastOffset: " + b.lastOffset() + " count: " + b.countOrNull()
                + " baseSequence: " + b.baseSequence() + " lastSequence: " + b.lastSequence() + " producerId: "
                + b.producerId() + " producerEpoch: " + b.producerEpoch() + " partitionLeaderEpoch: "
                + b.partitionLeaderEpoch() + " isTransactional: " + b.isTransactional() + " isControl: "
                + b.isControlBatch() + " " + b.timestampType() + ": " + b.maxTimestamp() + " size: "
                + b.sizeInBytes() + " magic: " + b.magic() + " compresscodec: " + b.compressionType().name
                + " crc: " + Integer.toUnsignedLong((int) b.checksum());
    }

    /** Each record of {@code batch} as kafka-dump-log's --print-data-log prints it. */
    private static void records(ByteBuffer batch, List<String> lines) {
        for (RecordBatch b : MemoryRecords.readableRecords(batch.duplicate()).batches()) {
            try (CloseableIterator<Record> it = b.streamingIterator(BufferSupplier.NO_CACHING)) {
                while (it.hasNext()) {
                    Record r = it.next();
                    if (b.isControlBatch()) { // a transaction marker, told as kafka-dump-log tells it
                        lines.add("| offset: " + r.offset() + " " + b.timestampType() + ": " + r.timestamp()
                                + " " + control(r));
                        continue;
                    }
                    List<String> headerKeys = new ArrayList<>();
                    for (Header h : r.headers()) {
                        headerKeys.add(h.key());
                    }
                    lines.add("| offset: " + r.offset() + " " + b.timestampType() + ": " + r.timestamp()
                            + " keySize: " + r.keySize() + " valueSize: " + r.valueSize() + " sequence: "
                            + r.sequence() + " headerKeys: " + headerKeys
                            + (r.hasKey() ? " key: " + text(r.key()) : "")
                            + (r.hasValue() ? " payload: " + text(r.value()) : ""));
                }
            }
        }
    }

    private static String control(Record r) {
        ControlRecordType type = ControlRecordType.parse(r.key());
        if (type == ControlRecordType.COMMIT || type == ControlRecordType.ABORT) {
            EndTransactionMarker m = EndTransactionMarker.deserialize(r);
            return "endTxnMarker: " + m.controlType() + " coordinatorEpoch: " + m.coordinatorEpoch();
        }
        return "controlType: " + type;
    }

    private static String text(ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static long parseLong(String option, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be a number: " + value);
        }
    }
}
