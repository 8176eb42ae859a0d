package io.ferrite.server.log;

import io.ferrite.protocol.HeldRecords;
import io.ferrite.server.network.RequestContext;
import io.ferrite.server.network.Throttling;
import io.ferrite.server.quota.ClientQuotaManager;
import io.ferrite.server.quota.ClientQuotaManager.QuotaType;
import java.time.Clock;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.record.internal.BaseRecords;

/**
 * The data plane against byte-rate quotas, as Kafka's broker counts it: a produce request's record bytes
 * against {@code producer_byte_rate}, once appended; a fetch answer's record bytes against
 * {@code consumer_byte_rate}, and a fetch that would go over is answered empty instead (its bytes taken back),
 * as Kafka answers it. Either way the answer carries the throttle time and the connection is not read until
 * it has passed (KIP-219; clients too old to wait on their own are held by that alone).
 */
final class LogQuotas {
    private final ClientQuotaManager quotas;
    private final Clock clock;

    LogQuotas(ClientQuotaManager quotas, Clock clock) {
        this.quotas = quotas;
        this.clock = clock;
    }

    Throttling<ProduceRequestData> produce() {
        return (context, request, next) -> {
            if (!quotas.anySet()) {
                return next.handle(context, request); // no stage added per request when nothing is counted
            }
            long bytes = 0;
            for (ProduceRequestData.TopicProduceData t : request.topicData()) {
                for (ProduceRequestData.PartitionProduceData p : t.partitionData()) {
                    bytes += size(p.records());
                }
            }
            long counted = bytes;
            return next.handle(context, request).thenApply(r -> {
                long throttle = quotas.record(QuotaType.PRODUCE, context.principal(), context.clientId(), counted,
                        clock.millis());
                if (throttle > 0) {
                    context.throttle().accept(throttle);
                    if (r instanceof ProduceResponseData response) { // null for acks=0: muting alone holds it
                        response.setThrottleTimeMs((int) Math.min(Integer.MAX_VALUE, throttle));
                    }
                }
                return r;
            });
        };
    }

    /** Fetch quotas; a throttled answer's session is settled by {@code sessions} (see FetchSessions.throttled). */
    Throttling<FetchRequestData> fetch(FetchSessions sessions) {
        return (context, request, next) -> !quotas.anySet() ? next.handle(context, request)
                : next.handle(context, request).thenApply(r -> counted(context, (FetchResponseData) r, sessions));
    }

    /** A fetch's answer counted against its client's quota: answered empty instead when that would go over. */
    private FetchResponseData counted(RequestContext context, FetchResponseData response, FetchSessions sessions) {
        long bytes = 0;
        for (FetchResponseData.FetchableTopicResponse t : response.responses()) {
            for (FetchResponseData.PartitionData p : t.partitions()) {
                bytes += size(p.records());
            }
        }
        if (bytes == 0) {
            return response;
        }
        long now = clock.millis();
        long throttle = quotas.record(QuotaType.FETCH, context.principal(), context.clientId(), bytes, now);
        if (throttle <= 0) {
            return response;
        }
        quotas.unrecord(QuotaType.FETCH, context.principal(), context.clientId(), bytes, now);
        HeldRecords.releaseAll(response);
        context.throttle().accept(throttle);
        return new FetchResponseData().setErrorCode(response.errorCode())
                .setSessionId(response.sessionId() == FetchSessions.NO_SESSION ? FetchSessions.NO_SESSION
                        : sessions.throttled(response.sessionId()))
                .setThrottleTimeMs((int) Math.min(Integer.MAX_VALUE, throttle));
    }

    private static long size(BaseRecords records) {
        return records == null ? 0 : records.sizeInBytes();
    }
}
