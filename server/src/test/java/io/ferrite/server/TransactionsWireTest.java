package io.ferrite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddOffsetsToTxnResponseData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransactionCollection;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicCollection;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transaction APIs request by request: a transaction's life as the wire shows it (the last stable offset,
 * read_committed fetches with their aborted transactions, ListOffsets per isolation level), and bad requests
 * answered with Kafka's errors, leaving nothing changed.
 */
class TransactionsWireTest {
    private static final String TOPIC = "tx";

    @TempDir
    Path dir;
    private Handlers handlers;

    @BeforeEach
    void open() throws Exception {
        handlers = Handlers.open(dir, Map.of("store.flush.mode", "sync")); // appends wait for an fsync: wider windows
        CreatableTopicCollection topics = new CreatableTopicCollection();
        topics.add(new CreatableTopic().setName(TOPIC).setNumPartitions(2).setReplicationFactor((short) 1));
        handlers.exchange(ApiKeys.CREATE_TOPICS, (short) 7, new CreateTopicsRequestData().setTopics(topics)
                .setTimeoutMs(10_000));
    }

    @AfterEach
    void close() {
        handlers.close();
    }

    private InitProducerIdResponseData init(String id) throws Exception {
        return new InitProducerIdResponseData(handlers.exchange(ApiKeys.INIT_PRODUCER_ID, (short) 5,
                new InitProducerIdRequestData().setTransactionalId(id).setTransactionTimeoutMs(60_000)), (short) 5);
    }

    private AddPartitionsToTxnResponseData add(String id, long pid, short epoch, short version, String topic,
                                               Integer... partitions) throws Exception {
        AddPartitionsToTxnTopicCollection topics = new AddPartitionsToTxnTopicCollection();
        topics.add(new AddPartitionsToTxnTopic().setName(topic).setPartitions(List.of(partitions)));
        return new AddPartitionsToTxnResponseData(handlers.exchange(ApiKeys.ADD_PARTITIONS_TO_TXN, version,
                new AddPartitionsToTxnRequestData().setV3AndBelowTransactionalId(id).setV3AndBelowProducerId(pid)
                        .setV3AndBelowProducerEpoch(epoch).setV3AndBelowTopics(topics)), version);
    }

    private static short only(AddPartitionsToTxnResponseData r, String topic, int partition) {
        return r.resultsByTopicV3AndBelow().find(topic).resultsByPartition().find(partition).partitionErrorCode();
    }

    private short end(String id, long pid, short epoch, boolean commit) throws Exception {
        return new EndTxnResponseData(handlers.exchange(ApiKeys.END_TXN, (short) 4, new EndTxnRequestData()
                .setTransactionalId(id).setProducerId(pid).setProducerEpoch(epoch).setCommitted(commit)), (short) 4)
                .errorCode();
    }

    private ProduceResponseData.PartitionProduceResponse produce(String id, long pid, short epoch, int sequence,
                                                                 int partition, String... values) throws Exception {
        return produce((short) 11, id, pid, epoch, sequence, partition, values);
    }

    private ProduceResponseData.PartitionProduceResponse produce(short version, String id, long pid, short epoch,
                                                                 int sequence, int partition, String... values)
            throws Exception {
        return new ProduceResponseData(handlers.exchange(ApiKeys.PRODUCE, version,
                transactionalProduce(id, pid, epoch, sequence, partition, values)), version)
                .responses().iterator().next().partitionResponses().get(0);
    }

    private static ProduceRequestData transactionalProduce(String id, long pid, short epoch, int sequence,
                                                           int partition, String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(System.currentTimeMillis(), null, values[i].getBytes(StandardCharsets.UTF_8));
        }
        ProduceRequestData req = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(5000).setTransactionalId(id);
        ProduceRequestData.TopicProduceData td = new ProduceRequestData.TopicProduceData().setName(TOPIC);
        td.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(partition).setRecords(
                MemoryRecords.withTransactionalRecords(Compression.NONE, pid, epoch, sequence, records)));
        req.topicData().add(td);
        return req;
    }

    private FetchResponseData.PartitionData fetch(IsolationLevel level) throws Exception {
        FetchRequestData req = new FetchRequestData().setMaxWaitMs(0).setMinBytes(0).setMaxBytes(1 << 20)
                .setIsolationLevel(level.id()).setTopics(List.of(new FetchRequestData.FetchTopic().setTopic(TOPIC)
                        .setPartitions(List.of(new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0)
                                .setPartitionMaxBytes(1 << 20)))));
        return new FetchResponseData(handlers.exchange(ApiKeys.FETCH, (short) 12, req), (short) 12).responses().get(0)
                .partitions().get(0);
    }

    private long latest(IsolationLevel level) throws Exception {
        ListOffsetsRequestData req = new ListOffsetsRequestData().setReplicaId(-1).setIsolationLevel(level.id())
                .setTopics(List.of(new ListOffsetsRequestData.ListOffsetsTopic().setName(TOPIC).setPartitions(List.of(
                        new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0).setTimestamp(-1)))));
        return new ListOffsetsResponseData(handlers.exchange(ApiKeys.LIST_OFFSETS, (short) 7, req), (short) 7)
                .topics().get(0).partitions().get(0).offset();
    }

    private static int records(FetchResponseData.PartitionData p) {
        int n = 0;
        for (var b : ((MemoryRecords) p.records()).batches()) {
            if (!b.isControlBatch()) {
                n += b.countOrNull();
            }
        }
        return n;
    }

    @Test
    void anAbortedTransactionIsHeldBackThenListedForReadCommitted() throws Exception {
        InitProducerIdResponseData p = init("t1");
        assertEquals(Errors.NONE.code(), p.errorCode());
        assertEquals(Errors.NONE.code(), only(add("t1", p.producerId(), p.producerEpoch(), (short) 3, TOPIC, 0),
                TOPIC, 0));
        assertEquals(Errors.NONE.code(), produce("t1", p.producerId(), p.producerEpoch(), 0, 0, "a", "b").errorCode());
        assertEquals(Errors.NONE.code(), produce("t1", p.producerId(), p.producerEpoch(), 2, 0, "c").errorCode());

        FetchResponseData.PartitionData open = fetch(IsolationLevel.READ_COMMITTED);
        assertEquals(3, open.highWatermark());
        assertEquals(0, open.lastStableOffset(), "the open transaction holds the last stable offset");
        assertEquals(0, records(open), "nothing at or past it is read committed");
        assertEquals(3, records(fetch(IsolationLevel.READ_UNCOMMITTED)));
        assertNull(fetch(IsolationLevel.READ_UNCOMMITTED).abortedTransactions());
        assertEquals(0, latest(IsolationLevel.READ_COMMITTED));
        assertEquals(3, latest(IsolationLevel.READ_UNCOMMITTED));

        assertEquals(Errors.NONE.code(), end("t1", p.producerId(), p.producerEpoch(), false));
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (latest(IsolationLevel.READ_COMMITTED) != 4) { // the markers follow the answer
            assertEquals(true, System.nanoTime() < deadline, "the abort marker was written");
            Thread.sleep(5);
        }
        FetchResponseData.PartitionData done = fetch(IsolationLevel.READ_COMMITTED);
        assertEquals(4, done.lastStableOffset());
        assertEquals(3, records(done), "the records come, for the consumer to drop");
        assertEquals(List.of(new FetchResponseData.AbortedTransaction().setProducerId(p.producerId())
                .setFirstOffset(0)), done.abortedTransactions());
    }

    @Test
    void badTransactionRequestsGetKafkasErrorsAndChangeNothing() throws Exception {
        assertEquals(Errors.INVALID_PRODUCER_ID_MAPPING.code(), only(add("nobody", 5, (short) 0, (short) 3, TOPIC, 0),
                TOPIC, 0), "no InitProducerId");
        assertEquals(Errors.INVALID_PRODUCER_ID_MAPPING.code(), produce("nobody", 5, (short) 0, 0, 0, "x").errorCode(),
                "a transactional batch without InitProducerId");
        InitProducerIdResponseData p = init("t2");
        long pid = p.producerId();
        short epoch = p.producerEpoch();
        AddPartitionsToTxnResponseData unknown = add("t2", pid, epoch, (short) 3, "missing", 0);
        assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), only(unknown, "missing", 0));
        AddPartitionsToTxnResponseData beyond = add("t2", pid, epoch, (short) 3, TOPIC, 0, 7);
        assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), only(beyond, TOPIC, 7));
        assertEquals(Errors.OPERATION_NOT_ATTEMPTED.code(), only(beyond, TOPIC, 0));
        assertEquals(Errors.INVALID_TXN_STATE.code(), end("t2", pid, epoch, true), "no transaction was opened");
        assertEquals(Errors.INVALID_TXN_STATE.code(), produce("t2", pid, epoch, 0, 0, "x").errorCode(),
                "a partition the transaction does not hold");
        assertEquals(Errors.PRODUCER_FENCED.code(), only(add("t2", pid, (short) (epoch + 1), (short) 3, TOPIC, 0),
                TOPIC, 0));
        assertEquals(Errors.INVALID_PRODUCER_EPOCH.code(), only(add("t2", pid, (short) (epoch + 1), (short) 1, TOPIC,
                0), TOPIC, 0), "v0-1 clients know no PRODUCER_FENCED");
        TxnOffsetCommitResponseData offsets = new TxnOffsetCommitResponseData(handlers.exchange(
                ApiKeys.TXN_OFFSET_COMMIT, (short) 3, new TxnOffsetCommitRequestData().setTransactionalId("t2")
                        .setGroupId("g").setProducerId(pid).setProducerEpoch(epoch).setTopics(List.of(
                                new TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic().setName(TOPIC)
                                        .setPartitions(List.of(new TxnOffsetCommitRequestData
                                                .TxnOffsetCommitRequestPartition().setPartitionIndex(0)
                                                .setCommittedOffset(1)))))), (short) 3);
        assertEquals(Errors.INVALID_TXN_STATE.code(), offsets.topics().get(0).partitions().get(0).errorCode(),
                "offsets before AddOffsetsToTxn");
        ProduceResponseData.PartitionProduceResponse noId = produce(null, pid, epoch, 0, 0, "x");
        assertEquals(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code(), noId.errorCode());

        assertEquals(0, fetch(IsolationLevel.READ_UNCOMMITTED).highWatermark(), "nothing was written");
        assertEquals(Errors.INVALID_TXN_STATE.code(), end("t2", pid, epoch, false), "still no transaction");
        // The producer is intact: its transaction starts now.
        assertEquals(Errors.NONE.code(), new AddOffsetsToTxnResponseData(handlers.exchange(ApiKeys.ADD_OFFSETS_TO_TXN,
                (short) 3, new AddOffsetsToTxnRequestData().setTransactionalId("t2").setProducerId(pid)
                        .setProducerEpoch(epoch).setGroupId("g")), (short) 3).errorCode());
    }

    @Test
    void theBatchedVerifyOnlyFormChecksWithoutAdding() throws Exception {
        InitProducerIdResponseData p = init("t3");
        AddPartitionsToTxnTopicCollection topics = new AddPartitionsToTxnTopicCollection();
        topics.add(new AddPartitionsToTxnTopic().setName(TOPIC).setPartitions(List.of(1)));
        AddPartitionsToTxnTransactionCollection txns = new AddPartitionsToTxnTransactionCollection();
        txns.add(new AddPartitionsToTxnTransaction().setTransactionalId("t3").setProducerId(p.producerId())
                .setProducerEpoch(p.producerEpoch()).setVerifyOnly(true).setTopics(topics));
        AddPartitionsToTxnResponseData r = new AddPartitionsToTxnResponseData(handlers.exchange(
                ApiKeys.ADD_PARTITIONS_TO_TXN, (short) 5, new AddPartitionsToTxnRequestData().setTransactions(txns)),
                (short) 5);
        assertEquals(Errors.INVALID_TXN_STATE.code(), r.resultsByTransaction().find("t3").topicResults().find(TOPIC)
                .resultsByPartition().find(1).partitionErrorCode());
        assertEquals(Errors.INVALID_TXN_STATE.code(), end("t3", p.producerId(), p.producerEpoch(), true),
                "verifying added nothing");
        txns.find("t3").setVerifyOnly(false);
        r = new AddPartitionsToTxnResponseData(handlers.exchange(ApiKeys.ADD_PARTITIONS_TO_TXN, (short) 5,
                new AddPartitionsToTxnRequestData().setTransactions(txns)), (short) 5);
        assertEquals(Errors.NONE.code(), r.resultsByTransaction().find("t3").topicResults().find(TOPIC)
                .resultsByPartition().find(1).partitionErrorCode());
        assertEquals(Errors.NONE.code(), end("t3", p.producerId(), p.producerEpoch(), true));
    }

    private ListTransactionsResponseData list(ListTransactionsRequestData req) throws Exception {
        return new ListTransactionsResponseData(handlers.exchange(ApiKeys.LIST_TRANSACTIONS, (short) 2, req), (short) 2);
    }

    private static List<String> ids(ListTransactionsResponseData r) {
        return r.transactionStates().stream().map(ListTransactionsResponseData.TransactionState::transactionalId)
                .sorted().toList();
    }

    @Test
    void transactionsAreListedByTheirFiltersAndDescribed() throws Exception {
        InitProducerIdResponseData a = init("alpha");
        InitProducerIdResponseData b = init("beta");
        assertEquals(Errors.NONE.code(), only(add("alpha", a.producerId(), a.producerEpoch(), (short) 3, TOPIC, 1, 0),
                TOPIC, 0));
        assertEquals(List.of("alpha", "beta"), ids(list(new ListTransactionsRequestData())));
        assertEquals(List.of("alpha"), ids(list(new ListTransactionsRequestData().setStateFilters(List.of("Ongoing")))));
        assertEquals(List.of("beta"), ids(list(new ListTransactionsRequestData().setProducerIdFilters(
                List.of(b.producerId())))));
        assertEquals(List.of("beta"), ids(list(new ListTransactionsRequestData().setTransactionalIdPattern("b.*"))));
        ListTransactionsResponseData unknown = list(new ListTransactionsRequestData()
                .setStateFilters(List.of("Sleeping")));
        assertEquals(List.of("Sleeping"), unknown.unknownStateFilters());
        assertEquals(List.of(), ids(unknown), "an unknown state matches nothing");
        assertEquals(List.of(), ids(list(new ListTransactionsRequestData().setStateFilters(List.of("Ongoing"))
                .setDurationFilter(3_600_000))), "none open for an hour");
        assertEquals(Errors.INVALID_REGULAR_EXPRESSION.code(), list(new ListTransactionsRequestData()
                .setTransactionalIdPattern("(")).errorCode());
        // A pattern that backtracks for ages in java.util.regex, against a long id: answered at once.
        init("a".repeat(5_000));
        long started = System.nanoTime();
        assertEquals(List.of(), ids(list(new ListTransactionsRequestData().setTransactionalIdPattern("(a+)+b"))));
        assertEquals(true, System.nanoTime() - started < 10_000_000_000L, "a hostile pattern is bounded");

        DescribeTransactionsResponseData d = new DescribeTransactionsResponseData(handlers.exchange(
                ApiKeys.DESCRIBE_TRANSACTIONS, (short) 0, new DescribeTransactionsRequestData()
                        .setTransactionalIds(List.of("alpha", "nobody"))), (short) 0);
        DescribeTransactionsResponseData.TransactionState alpha = d.transactionStates().get(0);
        assertEquals("Ongoing", alpha.transactionState());
        assertEquals(a.producerId(), alpha.producerId());
        assertEquals(60_000, alpha.transactionTimeoutMs());
        assertEquals(List.of(0, 1), alpha.topics().find(TOPIC).partitions());
        assertEquals(Errors.TRANSACTIONAL_ID_NOT_FOUND.code(), d.transactionStates().get(1).errorCode());
    }

    @Test
    void producersAreDescribedAndAMarkerCanBeWrittenByHand() throws Exception {
        init("hanging");
        InitProducerIdResponseData p = init("hanging"); // epoch 1, so that an older one exists
        add("hanging", p.producerId(), p.producerEpoch(), (short) 3, TOPIC, 0);
        produce("hanging", p.producerId(), p.producerEpoch(), 0, 0, "a", "b");
        DescribeProducersRequestData req = new DescribeProducersRequestData().setTopics(List.of(
                new DescribeProducersRequestData.TopicRequest().setName(TOPIC).setPartitionIndexes(List.of(0, 9))));
        DescribeProducersResponseData r = new DescribeProducersResponseData(handlers.exchange(
                ApiKeys.DESCRIBE_PRODUCERS, (short) 0, req), (short) 0);
        DescribeProducersResponseData.PartitionResponse p0 = r.topics().get(0).partitions().get(0);
        assertEquals(1, p0.activeProducers().size());
        DescribeProducersResponseData.ProducerState s = p0.activeProducers().get(0);
        assertEquals(p.producerId(), s.producerId());
        assertEquals(1, s.lastSequence());
        assertEquals(0, s.currentTxnStartOffset());
        assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), r.topics().get(0).partitions().get(1).errorCode());

        // As kafka-transactions abort does it: an abort marker for the hanging transaction.
        WriteTxnMarkersRequestData.WritableTxnMarker marker = new WriteTxnMarkersRequestData.WritableTxnMarker()
                .setProducerId(p.producerId()).setProducerEpoch(p.producerEpoch()).setTransactionResult(false)
                .setCoordinatorEpoch(0).setTopics(List.of(new WriteTxnMarkersRequestData.WritableTxnMarkerTopic()
                        .setName(TOPIC).setPartitionIndexes(List.of(0))));
        WriteTxnMarkersResponseData w = new WriteTxnMarkersResponseData(handlers.exchange(ApiKeys.WRITE_TXN_MARKERS,
                (short) 1, new WriteTxnMarkersRequestData().setMarkers(List.of(marker))), (short) 1);
        assertEquals(0, w.markers().get(0).topics().get(0).partitions().get(0).errorCode());
        assertEquals(3, latest(IsolationLevel.READ_COMMITTED), "the transaction is closed");
        marker.setProducerEpoch((short) (p.producerEpoch() - 1));
        w = new WriteTxnMarkersResponseData(handlers.exchange(ApiKeys.WRITE_TXN_MARKERS, (short) 1,
                new WriteTxnMarkersRequestData().setMarkers(List.of(marker))), (short) 1);
        assertEquals(Errors.INVALID_PRODUCER_EPOCH.code(), w.markers().get(0).topics().get(0).partitions().get(0)
                .errorCode(), "an older epoch's marker");
    }

    /**
     * Transaction protocol 2: Produce v12 adds its partition itself, EndTxn v5 answers the next epoch and the
     * marker carries it, so the ended epoch is fenced in the partition, and the next transaction starts at
     * sequence 0 under the new epoch.
     */
    @Test
    void protocolTwoWritesAddPartitionsAndEachEndBumpsTheEpoch() throws Exception {
        InitProducerIdResponseData p = init("v2");
        long pid = p.producerId();
        short epoch = p.producerEpoch();
        assertEquals(Errors.INVALID_TXN_STATE.code(), produce((short) 11, "v2", pid, epoch, 0, 0, "x").errorCode(),
                "before v12 a partition must be added first");
        assertEquals(Errors.NONE.code(), produce((short) 12, "v2", pid, epoch, 0, 0, "a", "b").errorCode());
        assertEquals(0, latest(IsolationLevel.READ_COMMITTED));
        EndTxnResponseData end = new EndTxnResponseData(handlers.exchange(ApiKeys.END_TXN, (short) 5,
                new EndTxnRequestData().setTransactionalId("v2").setProducerId(pid).setProducerEpoch(epoch)
                        .setCommitted(true)), (short) 5);
        assertEquals(Errors.NONE.code(), end.errorCode());
        assertEquals(pid, end.producerId());
        assertEquals(epoch + 1, end.producerEpoch());
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (latest(IsolationLevel.READ_COMMITTED) != 3) {
            assertEquals(true, System.nanoTime() < deadline, "the commit marker was written");
            Thread.sleep(5);
        }
        assertEquals(2, records(fetch(IsolationLevel.READ_COMMITTED)));
        assertEquals(Errors.INVALID_PRODUCER_EPOCH.code(), produce((short) 12, "v2", pid, epoch, 2, 0, "late")
                .errorCode(), "the ended epoch is fenced");
        long next = System.nanoTime() + 10_000_000_000L;
        short error;
        while ((error = produce((short) 12, "v2", pid, end.producerEpoch(), 0, 0, "c").errorCode())
                == Errors.CONCURRENT_TRANSACTIONS.code()) { // until the coordinator has completed the commit
            assertEquals(true, System.nanoTime() < next);
            Thread.sleep(5);
        }
        assertEquals(Errors.NONE.code(), error, "the next transaction, at the new epoch from sequence 0");
        assertEquals(3, latest(IsolationLevel.READ_COMMITTED), "and it is open");
    }

    /**
     * A producer pipelines its batches: the first of a transaction in a partition waits for the coordinator (in
     * protocol 2, for its partition to be stored), and the ones sent behind it before its answer must not
     * overtake it, or the partition would see them out of sequence.
     */
    @Test
    void pipelinedBatchesBehindOneTheCoordinatorHoldsKeepTheirOrder() throws Exception {
        for (short version : new short[] {11, 12}) {
            String id = "pipelined-" + version;
            InitProducerIdResponseData p = init(id);
            if (version < 12) {
                add(id, p.producerId(), p.producerEpoch(), (short) 3, TOPIC, 0);
            }
            List<java.util.concurrent.CompletableFuture<org.apache.kafka.common.protocol.ByteBufferAccessor>> sent =
                    new java.util.ArrayList<>();
            for (int i = 0; i < 20; i++) {
                sent.add(handlers.send(ApiKeys.PRODUCE, version,
                        transactionalProduce(id, p.producerId(), p.producerEpoch(), i, 0, id + "-" + i)));
            }
            long previous = -1;
            for (var f : sent) {
                ProduceResponseData.PartitionProduceResponse r = new ProduceResponseData(Handlers.await(f), version)
                        .responses().iterator().next().partitionResponses().get(0);
                assertEquals(Errors.NONE.code(), r.errorCode(), "v" + version);
                assertEquals(true, r.baseOffset() > previous, "in the order sent, v" + version);
                previous = r.baseOffset();
            }
            assertEquals(Errors.NONE.code(), new EndTxnResponseData(handlers.exchange(ApiKeys.END_TXN, (short) 4,
                    new EndTxnRequestData().setTransactionalId(id).setProducerId(p.producerId())
                            .setProducerEpoch(p.producerEpoch()).setCommitted(false)), (short) 4).errorCode());
        }
    }
}
