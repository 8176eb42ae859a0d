package io.ferrite.server.txn;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.ferrite.server.network.RequestContext;
import io.ferrite.txn.TransactionCoordinator;
import io.ferrite.txn.TransactionRecord.Metadata;
import io.ferrite.txn.TransactionState;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData.TopicData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData.TopicDataCollection;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * DescribeTransactions and ListTransactions, as {@code kafka-transactions.sh describe} and {@code list} use them,
 * answered from the transaction coordinator's state with Kafka's state names.
 */
final class TransactionAdminHandlers {
    private final TransactionCoordinator coordinator;
    private final Clock clock;

    TransactionAdminHandlers(TransactionCoordinator coordinator, Clock clock) {
        this.coordinator = coordinator;
        this.clock = clock;
    }

    /** Each id asked for, in request order; an id this coordinator does not hold is TRANSACTIONAL_ID_NOT_FOUND. */
    CompletableFuture<ApiMessage> describe(RequestContext context, DescribeTransactionsRequestData req) {
        List<CompletableFuture<DescribeTransactionsResponseData.TransactionState>> states = new ArrayList<>();
        for (String id : req.transactionalIds()) {
            states.add(coordinator.describe(id).thenApply(m -> m.map(TransactionAdminHandlers::described)
                    .orElseGet(() -> new DescribeTransactionsResponseData.TransactionState().setTransactionalId(id).setTransactionState("")
                            .setErrorCode(Errors.TRANSACTIONAL_ID_NOT_FOUND.code()).setProducerId(-1)
                            .setProducerEpoch((short) -1).setTransactionStartTimeMs(-1))));
        }
        return CompletableFuture.allOf(states.toArray(CompletableFuture[]::new)).thenApply(v -> {
            DescribeTransactionsResponseData resp = new DescribeTransactionsResponseData();
            states.forEach(s -> resp.transactionStates().add(s.join()));
            return resp;
        });
    }

    private static DescribeTransactionsResponseData.TransactionState described(Metadata m) {
        Map<String, List<Integer>> byTopic = new TreeMap<>();
        for (TopicPartition tp : m.partitions()) {
            byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
        }
        TopicDataCollection topics = new TopicDataCollection();
        byTopic.forEach((t, ps) -> topics.add(new TopicData().setTopic(t).setPartitions(ps.stream().sorted().toList())));
        return new DescribeTransactionsResponseData.TransactionState().setTransactionalId(m.transactionalId())
                .setTransactionState(m.state().kafkaName()).setTransactionTimeoutMs(m.timeoutMs())
                .setTransactionStartTimeMs(m.startTimestamp()).setProducerId(m.producerId())
                .setProducerEpoch(m.producerEpoch()).setTopics(topics);
    }

    /**
     * The ids matching every filter given, as Kafka lists them: states by Kafka's names (unknown names are
     * echoed back and match nothing), producer ids, a transaction started longer ago than the duration (v1+; an
     * id with none open has no start and passes, as in Kafka), and a regular expression the whole id must match
     * (v2+; RE2/J's syntax, as for group subscriptions, matched in time linear in the id, so a hostile pattern
     * cannot hold the coordinator's thread; one that does not compile is INVALID_REGULAR_EXPRESSION).
     */
    CompletableFuture<ApiMessage> list(RequestContext context, ListTransactionsRequestData req) {
        ListTransactionsResponseData resp = new ListTransactionsResponseData();
        Set<TransactionState> states = new HashSet<>();
        for (String name : req.stateFilters()) {
            TransactionState s = TransactionState.ofKafkaName(name);
            if (s == null) {
                resp.unknownStateFilters().add(name);
            } else {
                states.add(s);
            }
        }
        Pattern pattern;
        try {
            pattern = req.transactionalIdPattern() == null || req.transactionalIdPattern().isEmpty() ? null
                    : Pattern.compile(req.transactionalIdPattern());
        } catch (PatternSyntaxException e) {
            return CompletableFuture.completedFuture(resp.setErrorCode(Errors.INVALID_REGULAR_EXPRESSION.code()));
        }
        boolean unknownOnly = states.isEmpty() && !req.stateFilters().isEmpty();
        Set<Long> producers = new HashSet<>(req.producerIdFilters());
        long now = clock.millis();
        return coordinator.all().thenApply(all -> {
            for (Metadata m : all) {
                boolean listed = !unknownOnly
                        && (states.isEmpty() || states.contains(m.state()))
                        && (producers.isEmpty() || producers.contains(m.producerId()))
                        && (req.durationFilter() < 0 || now - m.startTimestamp() > req.durationFilter())
                        && (pattern == null || pattern.matcher(m.transactionalId()).matches());
                if (listed) {
                    resp.transactionStates().add(new ListTransactionsResponseData.TransactionState()
                            .setTransactionalId(m.transactionalId()).setProducerId(m.producerId())
                            .setTransactionState(m.state().kafkaName()));
                }
            }
            return resp;
        });
    }
}
