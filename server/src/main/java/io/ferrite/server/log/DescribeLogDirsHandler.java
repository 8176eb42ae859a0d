package io.ferrite.server.log;

import io.ferrite.server.metadata.Topic;
import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.server.network.ApiHandler;
import io.ferrite.server.network.RequestContext;
import io.ferrite.storage.PartitionKey;
import io.ferrite.storage.Store;
import io.ferrite.storage.StoreException;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsPartition;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsResult;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsTopic;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * DescribeLogDirs v1-5: one log directory, the store's data directory, holding every partition. A
 * partition's size is its batches' bytes from the one holding the log start to the end, as producers sent
 * them ({@link Store#sizeInBytes}); they sit in the shared CommitLog, so this is what the partition would
 * take up on its own, not what deleting it would free at once. The offset lag is 0 (the log end is the high
 * watermark) and no log is a future one. Partitions asked for that do not exist are left out, and topics
 * left with no partition too, as Kafka does. v4 adds the file system's total and usable bytes, v5 whether
 * the directory is cordoned (never, here).
 */
final class DescribeLogDirsHandler implements ApiHandler<DescribeLogDirsRequestData> {
    private final TopicRegistry topics;
    private final Store store;
    private final Path dir;

    DescribeLogDirsHandler(TopicRegistry topics, Store store) {
        this.topics = topics;
        this.store = store;
        this.dir = store.config().dataDir().toAbsolutePath();
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, DescribeLogDirsRequestData req) {
        return CompletableFuture.completedFuture(new DescribeLogDirsResponseData()
                .setResults(List.of(describe(wanted(req), context.apiVersion()))));
    }

    /** The existing partitions the request names (null topics: all of them), grouped by topic. */
    private Map<String, Set<Integer>> wanted(DescribeLogDirsRequestData req) {
        Map<String, Set<Integer>> out = new LinkedHashMap<>();
        if (req.topics() == null) {
            for (Topic t : topics.all()) {
                Set<Integer> all = new LinkedHashSet<>();
                for (int p = 0; p < t.partitions(); p++) {
                    all.add(p);
                }
                out.put(t.name(), all);
            }
            return out;
        }
        for (DescribeLogDirsRequestData.DescribableLogDirTopic wanted : req.topics()) {
            Topic t = topics.get(wanted.topic());
            if (t == null) {
                continue;
            }
            for (int p : wanted.partitions()) {
                if (p >= 0 && p < t.partitions()) {
                    out.computeIfAbsent(t.name(), x -> new LinkedHashSet<>()).add(p);
                }
            }
        }
        return out;
    }

    private DescribeLogDirsResult describe(Map<String, Set<Integer>> wanted, short version) {
        DescribeLogDirsResult r = new DescribeLogDirsResult().setLogDir(dir.toString());
        try {
            List<DescribeLogDirsTopic> out = new ArrayList<>();
            wanted.forEach((topic, parts) -> {
                List<DescribeLogDirsPartition> sizes = new ArrayList<>(parts.size());
                for (int p : parts) {
                    Long size = size(new PartitionKey(topic, p));
                    if (size != null) {
                        sizes.add(new DescribeLogDirsPartition().setPartitionIndex(p).setPartitionSize(size)
                                .setOffsetLag(0).setIsFutureKey(false));
                    }
                }
                if (!sizes.isEmpty()) {
                    out.add(new DescribeLogDirsTopic().setName(topic).setPartitions(sizes));
                }
            });
            r.setTopics(out);
            if (version >= 4) {
                FileStore fs = Files.getFileStore(dir);
                r.setTotalBytes(orMax(fs.getTotalSpace())).setUsableBytes(orMax(fs.getUsableSpace()));
            }
            return r;
        } catch (IOException | StoreException e) {
            return new DescribeLogDirsResult().setLogDir(dir.toString())
                    .setErrorCode(Errors.KAFKA_STORAGE_ERROR.code());
        }
    }

    /** The partition's size, or null if it has just been deleted (or its topic is still being made). */
    private Long size(PartitionKey key) {
        try {
            return store.sizeInBytes(key);
        } catch (StoreException e) {
            if (e.category() == StoreException.Category.UNKNOWN_PARTITION) {
                return null;
            }
            throw e;
        }
    }

    /** A file system too large for a long reports a negative size (JDK-8162520); Kafka reports the maximum. */
    private static long orMax(long bytes) {
        return bytes < 0 ? Long.MAX_VALUE : bytes;
    }
}
