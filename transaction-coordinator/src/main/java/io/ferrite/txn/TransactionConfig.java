package io.ferrite.txn;

import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * The transaction coordinator's settings, under Kafka's names and with its defaults.
 *
 * @param maxTimeoutMs           {@code transaction.max.timeout.ms}: the longest transaction.timeout.ms a
 *                               producer may ask for
 * @param idExpirationMs         {@code transactional.id.expiration.ms}: an idle transactional id not used for
 *                               this long is removed
 * @param abortCheckIntervalMs   {@code transaction.abort.timed.out.transaction.cleanup.interval.ms}
 * @param expiryCheckIntervalMs  {@code transaction.remove.expired.transaction.cleanup.interval.ms}
 * @param compactAfterBytes      {@code store.coordinator.compact.bytes}, as the group coordinator's log
 */
public record TransactionConfig(int maxTimeoutMs, long idExpirationMs, long abortCheckIntervalMs,
                                long expiryCheckIntervalMs, long compactAfterBytes) {
    /** Each key once; the broker's definition merges them in. */
    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define("transaction.max.timeout.ms", Type.INT, 900_000, Range.atLeast(1), Importance.HIGH,
                    "The longest transaction.timeout.ms a producer may ask for; a longer one is refused with "
                            + "INVALID_TRANSACTION_TIMEOUT.")
            .define("transactional.id.expiration.ms", Type.LONG, 604_800_000L, Range.atLeast(1), Importance.HIGH,
                    "How long a transactional id with no transaction open is kept without being used.")
            .define("transaction.abort.timed.out.transaction.cleanup.interval.ms", Type.LONG, 10_000L,
                    Range.atLeast(1), Importance.LOW, "How often transactions past their timeout are aborted.")
            .define("transaction.remove.expired.transaction.cleanup.interval.ms", Type.LONG, 3_600_000L,
                    Range.atLeast(1), Importance.LOW, "How often expired transactional ids are removed.");

    public TransactionConfig {
        if (maxTimeoutMs <= 0 || idExpirationMs <= 0 || abortCheckIntervalMs <= 0 || expiryCheckIntervalMs <= 0
                || compactAfterBytes <= 0) {
            throw new IllegalArgumentException("transaction coordinator settings must be positive");
        }
    }

    /** The settings of these properties (keys not defined here are ignored); a bad value names its key. */
    public static TransactionConfig fromProperties(Map<String, ?> props, long compactAfterBytes) {
        return fromValues(CONFIG_DEF.parse(props), compactAfterBytes);
    }

    /** The settings of values already parsed by a definition holding {@link #CONFIG_DEF}'s keys (the broker's). */
    public static TransactionConfig fromValues(Map<String, ?> v, long compactAfterBytes) {
        return new TransactionConfig((Integer) v.get("transaction.max.timeout.ms"),
                (Long) v.get("transactional.id.expiration.ms"),
                (Long) v.get("transaction.abort.timed.out.transaction.cleanup.interval.ms"),
                (Long) v.get("transaction.remove.expired.transaction.cleanup.interval.ms"), compactAfterBytes);
    }
}
