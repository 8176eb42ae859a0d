package io.ferrite.bench.brokers;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * The store-nothing ceiling of the benchmarks: a broker that answers ApiVersions, Metadata, CreateTopics,
 * CreatePartitions, InitProducerId and Produce correctly (offsets counted per partition from the batches' record counts) and keeps
 * nothing but its topics' names and partition counts. A producer's figure against it is what this machine allows
 * a broker that reads, parses and answers each request, so every produce figure can also be read as a fraction
 * of it. Blocking sockets, one thread per connection, request bodies parsed by kafka-clients' generated classes:
 * no batching, no buffers pooled, nothing a real broker could not also do.
 *
 * <pre>CeilingBroker HOST PORT</pre>
 *
 * Threads: {@code ceiling-accept} takes connections; {@code ceiling-conn-N} serves connection N until it closes.
 */
public final class CeilingBroker {
    /** Partitions of a topic a Metadata request creates by naming it, as Kafka's num.partitions default. */
    private static final int AUTO_CREATE_PARTITIONS = 1;
    private static final int NODE = 0;

    private record TopicState(Uuid id, AtomicLong[] nextOffsets) {
    }

    private final String host;
    private final int port;
    private final Map<String, TopicState> topics = new ConcurrentHashMap<>();
    private final Map<Uuid, String> names = new ConcurrentHashMap<>();
    private final AtomicLong producerIds = new AtomicLong(1000);

    private CeilingBroker(String host, int port) {
        this.host = host;
        this.port = port;
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: CeilingBroker HOST PORT");
            System.exit(2);
        }
        new CeilingBroker(args[0], Integer.parseInt(args[1])).serve();
    }

    private void serve() throws IOException {
        Thread.currentThread().setName("ceiling-accept");
        try (ServerSocket server = new ServerSocket(port, 128, InetAddress.getByName(host))) {
            int n = 0;
            while (true) {
                Socket s = server.accept();
                s.setTcpNoDelay(true);
                Thread t = new Thread(() -> connection(s), "ceiling-conn-" + n++);
                t.setDaemon(true);
                t.start();
            }
        }
    }

    private void connection(Socket socket) {
        try (socket; DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
                OutputStream out = socket.getOutputStream()) {
            byte[] frame = new byte[1 << 16];
            while (true) {
                int size;
                try {
                    size = in.readInt();
                } catch (EOFException closed) {
                    return;
                }
                if (size < 0 || size > 200 << 20) {
                    return;
                }
                if (frame.length < size) {
                    frame = new byte[size];
                }
                in.readFully(frame, 0, size);
                ByteBuffer response = handle(ByteBuffer.wrap(frame, 0, size));
                if (response != null) {
                    out.write(response.array(), 0, response.limit());
                }
            }
        } catch (IOException | RuntimeException e) {
            System.err.println(Thread.currentThread().getName() + ": " + e);
        }
    }

    /** The framed response to one request, or null for a Produce with acks=0, which gets none. */
    private ByteBuffer handle(ByteBuffer buf) {
        ApiKeys api = ApiKeys.forId(buf.getShort(buf.position()));
        short version = buf.getShort(buf.position() + 2);
        if (api == ApiKeys.API_VERSIONS && !api.isVersionSupported(version)) {
            // As Kafka: an ApiVersions the broker cannot read is answered in v0 with the versions it can.
            RequestHeaderData h = new RequestHeaderData();
            h.setCorrelationId(buf.getInt(buf.position() + 4));
            return frame(h.correlationId(), api, (short) 0, apiVersions().setErrorCode(Errors.UNSUPPORTED_VERSION.code()));
        }
        ByteBufferAccessor reader = new ByteBufferAccessor(buf);
        RequestHeaderData header = new RequestHeaderData(reader, api.requestHeaderVersion(version));
        ApiMessage reply = switch (api) {
            case API_VERSIONS -> apiVersions();
            case METADATA -> metadata(new MetadataRequestData(reader, version));
            case CREATE_TOPICS -> createTopics(new CreateTopicsRequestData(reader, version));
            case CREATE_PARTITIONS -> createPartitions(new CreatePartitionsRequestData(reader, version));
            case INIT_PRODUCER_ID -> new InitProducerIdResponseData().setProducerId(producerIds.getAndIncrement())
                    .setProducerEpoch((short) 0);
            case PRODUCE -> {
                ProduceRequestData req = new ProduceRequestData(reader, version);
                ProduceResponseData resp = produce(req);
                yield req.acks() == 0 ? null : resp;
            }
            default -> throw new IllegalStateException("not served: " + api);
        };
        return reply == null ? null : frame(header.correlationId(), api, version, reply);
    }

    private static ByteBuffer frame(int correlationId, ApiKeys api, short version, ApiMessage body) {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        ResponseHeaderData header = new ResponseHeaderData().setCorrelationId(correlationId);
        short headerVersion = api.responseHeaderVersion(version);
        int size = header.size(cache, headerVersion) + body.size(cache, version);
        ByteBuffer out = ByteBuffer.allocate(4 + size);
        out.putInt(size);
        ByteBufferAccessor writer = new ByteBufferAccessor(out);
        header.write(writer, cache, headerVersion);
        body.write(writer, cache, version);
        out.flip();
        return out;
    }

    private static ApiVersionsResponseData apiVersions() {
        ApiVersionsResponseData r = new ApiVersionsResponseData();
        for (ApiKeys k : new ApiKeys[] {ApiKeys.PRODUCE, ApiKeys.METADATA, ApiKeys.API_VERSIONS, ApiKeys.CREATE_TOPICS,
                ApiKeys.CREATE_PARTITIONS, ApiKeys.INIT_PRODUCER_ID}) {
            r.apiKeys().add(new ApiVersionsResponseData.ApiVersion().setApiKey(k.id)
                    .setMinVersion(k.oldestVersion()).setMaxVersion(k.latestVersion()));
        }
        return r;
    }

    private TopicState create(String name, int partitions) {
        return topics.computeIfAbsent(name, n -> {
            AtomicLong[] offsets = new AtomicLong[partitions];
            for (int i = 0; i < partitions; i++) {
                offsets[i] = new AtomicLong();
            }
            TopicState t = new TopicState(Uuid.randomUuid(), offsets);
            names.put(t.id(), n);
            return t;
        });
    }

    private MetadataResponseData metadata(MetadataRequestData req) {
        MetadataResponseData r = new MetadataResponseData().setClusterId("ceiling").setControllerId(NODE);
        r.brokers().add(new MetadataResponseData.MetadataResponseBroker().setNodeId(NODE).setHost(host).setPort(port));
        if (req.topics() == null) {
            topics.forEach((name, t) -> r.topics().add(describe(name, t)));
        } else {
            for (MetadataRequestData.MetadataRequestTopic rt : req.topics()) {
                String name = rt.name() != null ? rt.name() : names.get(rt.topicId());
                if (name == null) {
                    r.topics().add(new MetadataResponseData.MetadataResponseTopic().setTopicId(rt.topicId())
                            .setErrorCode(Errors.UNKNOWN_TOPIC_ID.code()));
                    continue;
                }
                TopicState t = req.allowAutoTopicCreation() ? create(name, AUTO_CREATE_PARTITIONS) : topics.get(name);
                r.topics().add(t == null ? new MetadataResponseData.MetadataResponseTopic().setName(name)
                        .setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()) : describe(name, t));
            }
        }
        return r;
    }

    private static MetadataResponseData.MetadataResponseTopic describe(String name, TopicState t) {
        MetadataResponseData.MetadataResponseTopic mt = new MetadataResponseData.MetadataResponseTopic().setName(name)
                .setTopicId(t.id());
        for (int p = 0; p < t.nextOffsets().length; p++) {
            mt.partitions().add(new MetadataResponseData.MetadataResponsePartition().setPartitionIndex(p)
                    .setLeaderId(NODE).setLeaderEpoch(0).setReplicaNodes(java.util.List.of(NODE))
                    .setIsrNodes(java.util.List.of(NODE)));
        }
        return mt;
    }

    private CreateTopicsResponseData createTopics(CreateTopicsRequestData req) {
        CreateTopicsResponseData r = new CreateTopicsResponseData();
        for (CreateTopicsRequestData.CreatableTopic ct : req.topics()) {
            CreateTopicsResponseData.CreatableTopicResult res = new CreateTopicsResponseData.CreatableTopicResult()
                    .setName(ct.name());
            int partitions = ct.numPartitions() > 0 ? ct.numPartitions() : AUTO_CREATE_PARTITIONS;
            if (topics.containsKey(ct.name())) {
                res.setErrorCode(Errors.TOPIC_ALREADY_EXISTS.code());
            } else if (!req.validateOnly()) {
                res.setTopicId(create(ct.name(), partitions).id()).setNumPartitions(partitions)
                        .setReplicationFactor((short) 1);
            }
            r.topics().add(res);
        }
        return r;
    }

    private CreatePartitionsResponseData createPartitions(CreatePartitionsRequestData req) {
        CreatePartitionsResponseData r = new CreatePartitionsResponseData();
        for (CreatePartitionsRequestData.CreatePartitionsTopic ct : req.topics()) {
            CreatePartitionsResponseData.CreatePartitionsTopicResult res =
                    new CreatePartitionsResponseData.CreatePartitionsTopicResult().setName(ct.name());
            TopicState t = topics.get(ct.name());
            if (t == null) {
                res.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
            } else if (ct.count() <= t.nextOffsets().length) {
                res.setErrorCode(Errors.INVALID_PARTITIONS.code());
            } else if (!req.validateOnly()) {
                AtomicLong[] grown = Arrays.copyOf(t.nextOffsets(), ct.count());
                for (int i = t.nextOffsets().length; i < grown.length; i++) {
                    grown[i] = new AtomicLong();
                }
                topics.put(ct.name(), new TopicState(t.id(), grown));
            }
            r.results().add(res);
        }
        return r;
    }

    private ProduceResponseData produce(ProduceRequestData req) {
        ProduceResponseData r = new ProduceResponseData();
        for (ProduceRequestData.TopicProduceData td : req.topicData()) {
            String name = td.name() != null && !td.name().isEmpty() ? td.name() : names.get(td.topicId());
            TopicState t = name == null ? null : topics.get(name);
            ProduceResponseData.TopicProduceResponse tr = new ProduceResponseData.TopicProduceResponse()
                    .setName(td.name()).setTopicId(td.topicId());
            for (ProduceRequestData.PartitionProduceData pd : td.partitionData()) {
                ProduceResponseData.PartitionProduceResponse pr = new ProduceResponseData.PartitionProduceResponse()
                        .setIndex(pd.index()).setLogAppendTimeMs(-1);
                if (t == null || pd.index() < 0 || pd.index() >= t.nextOffsets().length) {
                    pr.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()).setBaseOffset(-1);
                } else {
                    long count = 0;
                    for (RecordBatch b : ((MemoryRecords) pd.records()).batches()) {
                        count += b.lastOffset() - b.baseOffset() + 1;
                    }
                    pr.setBaseOffset(t.nextOffsets()[pd.index()].getAndAdd(count)).setLogStartOffset(0);
                }
                tr.partitionResponses().add(pr);
            }
            r.responses().add(tr);
        }
        return r;
    }
}
